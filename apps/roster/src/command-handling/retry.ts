/**
 * Runs `attempt` and, while it fails with an error `shouldRetry` accepts, runs it again:
 * at most `retries` more times, then the last error is thrown. `attempt` gets its number
 * (0 for the first), so a retry can choose to read afresh what the first attempt trusted.
 * `delayMs(n)` (default none) is waited before attempt n.
 */
export async function retrying<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  {
    retries,
    shouldRetry,
    delayMs,
  }: { readonly retries: number; readonly shouldRetry: (error: unknown) => boolean; readonly delayMs?: (attemptNumber: number) => number },
): Promise<T> {
  for (let attemptNumber = 0; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (attemptNumber >= retries || !shouldRetry(error)) throw error;
    }
    const delay = delayMs?.(attemptNumber + 1) ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Before a conflict's retries: none before the first (it reads afresh what another process
 * appended, and usually wins), then a random wait growing up to 2^n ms, so that API workers
 * racing on one stream stop retrying in step.
 */
export const conflictRetryDelayMs = (attemptNumber: number): number => (attemptNumber <= 1 ? 0 : Math.random() * 2 ** attemptNumber);
