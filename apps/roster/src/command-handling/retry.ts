/** How long a conflicting command may keep trying: at least `retries` more attempts, then more while within `withinMs`. */
export interface RetryBudget {
  /** Retries always allowed, however long they take. */
  readonly retries: number;
  /** Beyond `retries`, another attempt is made while it starts within this many ms of the first (0: none). */
  readonly withinMs?: number;
}

/**
 * Runs `attempt` and, while it fails with an error `shouldRetry` accepts, runs it again: at
 * least `retries` more times, and more while the next attempt would start within `withinMs`
 * of the first (its delay included); then the last error is thrown. `attempt` gets its number
 * (0 for the first), so a retry can choose to read afresh what the first attempt trusted.
 * `delayMs(n)` (default none) is waited before attempt n; `now` is the clock in ms.
 */
export async function retrying<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  {
    retries,
    withinMs = 0,
    shouldRetry,
    delayMs,
    now = () => performance.now(),
  }: RetryBudget & { readonly shouldRetry: (error: unknown) => boolean; readonly delayMs?: (attemptNumber: number) => number; readonly now?: () => number },
): Promise<T> {
  const started = now();
  for (let attemptNumber = 0; ; attemptNumber++) {
    let delay: number;
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!shouldRetry(error)) throw error;
      delay = delayMs?.(attemptNumber + 1) ?? 0;
      const withinCount = attemptNumber < retries;
      if (!withinCount && now() + delay - started >= withinMs) throw error;
    }
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The longest random wait between two attempts of a conflicting command, in ms. */
export const CONFLICT_RETRY_MAX_DELAY_MS = 50;

/**
 * Before a conflict's retries: none before the first (it reads afresh what another process
 * appended, and usually wins), then a random wait (full jitter) up to 2^n ms, at most
 * CONFLICT_RETRY_MAX_DELAY_MS, so that API workers racing on one stream stop retrying in step.
 * A conflict means another command was recorded: the service as a whole made progress, and a
 * retry budget in time (ROSTER_COMMAND_RETRY_MS) rather than in count lets the command that
 * keeps losing to another worker's queue wait for that queue to drain instead of answering 409.
 */
export const conflictRetryDelayMs = (attemptNumber: number, random: () => number = Math.random): number =>
  attemptNumber <= 1 ? 0 : random() * Math.min(2 ** attemptNumber, CONFLICT_RETRY_MAX_DELAY_MS);
