/**
 * Entry of the SQLite writer thread (started by SqliteWriterThread): one connection, one group
 * commit per turn of this thread's event loop. See sqlite-writer.ts for the protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './sqlite-connection';
import { createGroupCommit, type ToWriterMessage, type WriterAppend, type WriterData, type WriterMessage } from './sqlite-writer';

const port = parentPort!;
const { path, busyTimeoutMs } = workerData as WriterData;
const post = (message: WriterMessage): void => port.postMessage(message);

let db: ReturnType<typeof openSqlite>;
let commitGroup: ReturnType<typeof createGroupCommit>;
try {
  db = openSqlite(path, busyTimeoutMs);
  commitGroup = createGroupCommit(db);
} catch (error) {
  // The store learns why from this message: the error itself does not survive the thread's exit.
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  throw error;
}
post({ kind: 'ready' });

let queue: WriterAppend[] = [];
let scheduled = false;
let closing = false;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length > 0) {
    // Timed here, around the transaction and its fsync: the figures ride on the answers (no extra message).
    const started = performance.now();
    const results = commitGroup(batch);
    post({ kind: 'results', results, commitSeconds: (performance.now() - started) / 1000 });
  }
  if (closing) {
    db.close();
    post({ kind: 'closed' });
    port.close();
  }
}

port.on('message', (message: ToWriterMessage) => {
  if (message.kind === 'append') queue.push(...message.items);
  else closing = true;
  // Messages that arrived during the last commit are all delivered before this runs.
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
