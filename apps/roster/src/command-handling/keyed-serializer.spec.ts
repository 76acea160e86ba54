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
});
