/**
 * Runs `attempt` and, while it fails with an error `shouldRetry` accepts, runs it again:
 * at most `retries` more times, then the last error is thrown. `attempt` gets its number
 * (0 for the first), so a retry can choose to read afresh what the first attempt trusted.
 */
export async function retrying<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  { retries, shouldRetry }: { readonly retries: number; readonly shouldRetry: (error: unknown) => boolean },
): Promise<T> {
  for (let attemptNumber = 0; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (attemptNumber >= retries || !shouldRetry(error)) throw error;
    }
  }
}
