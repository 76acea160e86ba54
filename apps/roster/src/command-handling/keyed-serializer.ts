/**
 * Runs tasks one at a time per key (here: per organization stream) and concurrently
 * across keys. Commands on one organization inside one process then never race each
 * other into a revision conflict; other processes are still caught by the expected revision.
 */
export class KeyedSerializer {
  /** The last task of each key that has one under way or queued. */
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    // Nothing under way on this key: the task starts now (no promise of the serializer's own before it).
    const result = previous === undefined ? started(task) : previous.then(task, task);
    this.tails.set(key, result);
    const forget = (): void => {
      if (this.tails.get(key) === result) this.tails.delete(key);
    };
    result.then(forget, forget);
    return result;
  }

  /** Resolves when every task started so far has settled. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }
}

/** The task's promise; a task that throws before returning one rejects it, as a `then` callback would. */
function started<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}
