import { CONFLICT_RETRY_MAX_DELAY_MS, conflictRetryDelayMs, retrying } from './retry';

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

  it('retries a conflict at once the first time, then after a random wait up to 2^n ms, never more than the cap', () => {
    expect(conflictRetryDelayMs(1)).toBe(0);
    for (let n = 2; n <= 5; n++) {
      const delay = conflictRetryDelayMs(n);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(2 ** n);
    }
    // Full jitter: the whole range is used, from 0 to the bound.
    expect([0, 0.5, 0.999].map((r) => conflictRetryDelayMs(3, () => r))).toEqual([0, 4, 7.992]);
    expect(CONFLICT_RETRY_MAX_DELAY_MS).toBe(50);
    for (const n of [6, 10, 40, 1000]) expect(conflictRetryDelayMs(n, () => 0.999)).toBeCloseTo(0.999 * CONFLICT_RETRY_MAX_DELAY_MS);
  });

  describe('with a time budget (withinMs)', () => {
    /** A clock that moves `stepMs` each time an attempt runs. */
    const clocked = (failures: number, stepMs: number) => {
      let time = 1000;
      const { attempt, seen } = failing(failures);
      return { now: () => time, seen, attempt: (n: number) => ((time += stepMs), attempt(n)) };
    };

    it('retries past `retries` while the next attempt starts within withinMs of the first', async () => {
      const { attempt, seen, now } = clocked(20, 10);
      await expect(retrying(attempt, { retries: 5, withinMs: 1000, shouldRetry, now })).resolves.toBe('done');
      expect(seen).toHaveLength(21);
    });

    it('then gives up with the last error: attempts that took 10 ms each within 95 ms', async () => {
      const { attempt, seen, now } = clocked(100, 10);
      await expect(retrying(attempt, { retries: 2, withinMs: 95, shouldRetry, now })).rejects.toBeInstanceOf(Conflict);
      // Attempts end at 10, 20, … ms after the start: the tenth starts at 90 ms (tried), an eleventh would at 100 (not).
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('counts the wait before the next attempt in the budget', async () => {
      const { attempt, seen, now } = clocked(100, 10);
      await expect(retrying(attempt, { retries: 0, withinMs: 25, shouldRetry, now, delayMs: () => 1 })).rejects.toBeInstanceOf(Conflict);
      // After the second attempt (20 ms) a third would start at 21 ms: tried; after it (30 ms), none.
      expect(seen).toEqual([0, 1, 2]);
    });

    it('always allows `retries`, however long they take', async () => {
      const { attempt, seen, now } = clocked(100, 1000);
      await expect(retrying(attempt, { retries: 3, withinMs: 10, shouldRetry, now })).rejects.toBeInstanceOf(Conflict);
      expect(seen).toEqual([0, 1, 2, 3]);
    });

    it('never retries another error, whatever the budget', async () => {
      const { attempt, seen, now } = clocked(1, 1);
      const boom = async (n: number) => (await attempt(n).catch(() => undefined), Promise.reject(new TypeError('boom')));
      await expect(retrying(boom, { retries: 5, withinMs: 60_000, shouldRetry, now })).rejects.toBeInstanceOf(TypeError);
      expect(seen).toEqual([0]);
    });
  });
});
