import type { Worker } from 'node:worker_threads';
import type { SqliteEventStore } from '@roster/event-store';

/**
 * Ends the embedded store's writer thread as a crash would, and resolves once it has exited.
 * It reaches into the store's private state on purpose: nothing in the service may do this.
 */
export async function killSqliteWriter(store: SqliteEventStore): Promise<void> {
  const worker = (store as unknown as { writer: { worker: Worker } }).writer.worker;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  await worker.terminate();
  await exited;
}
