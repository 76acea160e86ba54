import { conflictRetryDelayMs, retrying } from './retry';

class Conflict extends Error {}

describe('retrying', () => {
  const failing = (failures: number, error: () => Error = () => new Conflict()) => {
    const seen: number[] = [];
    const attempt = async (n: number) => {
      seen.push(n);
      if (seen.length <= failures) throw error();
      return 'done';
    };
    return { attempt, seen };
  };
  const shouldRetry = (error: unknown) => error instanceof Conflict;

  it('runs again after a retryable error and answers the first success', async () => {
    const { attempt, seen } = failing(2);
    await expect(retrying(attempt, { retries: 5, shouldRetry })).resolves.toBe('done');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('gives up after `retries` more attempts with the last error', async () => {
    const { attempt, seen } = failing(10);
    await expect(retrying(attempt, { retries: 2, shouldRetry })).rejects.toBeInstanceOf(Conflict);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('never retries another error', async () => {
    const { attempt, seen } = failing(1, () => new TypeError('boom'));
    await expect(retrying(attempt, { retries: 5, shouldRetry })).rejects.toBeInstanceOf(TypeError);
    expect(seen).toEqual([0]);
  });

  it('waits delayMs(n) before attempt n, and never before the first', async () => {
    const { attempt, seen } = failing(3);
    const asked: number[] = [];
    await expect(retrying(attempt, { retries: 5, shouldRetry, delayMs: (n) => (asked.push(n), 1) })).resolves.toBe('done');
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('retries a conflict at once the first time, then after a random wait up to 2^n ms', () => {
    expect(conflictRetryDelayMs(1)).toBe(0);
    for (let n = 2; n <= 5; n++) {
      const delay = conflictRetryDelayMs(n);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(2 ** n);
    }
  });
});
