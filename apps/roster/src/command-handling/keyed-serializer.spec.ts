import { KeyedSerializer } from './keyed-serializer';

describe('KeyedSerializer', () => {
  it('runs tasks of one key one after another, even after a failure, and other keys alongside', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name}:start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name}:end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([
      serializer.run('x', task('x1', 20, true)),
      serializer.run('x', task('x2', 1)),
      serializer.run('y', task('y1', 5)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('x1:end')).toBeLessThan(log.indexOf('x2:start'));
    expect(log.indexOf('y1:start')).toBeLessThan(log.indexOf('x1:end'));
    await serializer.drain();
  });

  it('starts a task at once when its key has none under way, and drains after a failure', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const failing = serializer.run('x', async () => {
      log.push('x1:start');
      throw new Error('x1');
    });
    expect(log).toEqual(['x1:start']);
    const second = serializer.run('x', async () => {
      log.push('x2:start');
      return 'x2';
    });
    // Queued behind the first: not started yet.
    expect(log).toEqual(['x1:start']);
    await expect(failing).rejects.toThrow('x1');
    await expect(second).resolves.toBe('x2');
    await expect(serializer.drain()).resolves.toBeUndefined();
    const thrown = serializer.run('z', () => {
      throw new Error('before any promise');
    });
    await expect(thrown).rejects.toThrow('before any promise');
    await serializer.drain();
  });
});
