/**
 * The SQLite writer that runs in a worker thread, so a commit's fsync never blocks the
 * service's event loop. Its source is a string run with `new Worker(source, { eval: true })`:
 * the same code then works from dist/ (tsc), under jest (ts-jest) and in the benchmarks, with no
 * file to copy next to the compiled output. Keep it small and plain CommonJS JavaScript;
 * the contract suite (sqlite-event-store.spec.ts) exercises every line of it.
 *
 * Protocol (structured clone): the main thread posts
 *   { kind: 'append', items: WriterAppend[] }   appends gathered in one tick
 *   { kind: 'close' }                          after the last append it will send
 * and the worker answers { kind: 'results', results: WriterResult[] } once per commit, and
 * { kind: 'closed' } after its connection is closed. Appends that arrive while a commit is
 * fsyncing wait in the port and go into the next transaction together (group commit).
 */

/** One append as the worker receives it: data and metadata already JSON text. */
export interface WriterAppend {
  readonly seq: number;
  readonly streamId: string;
  readonly events: readonly { id: string; type: string; data: string; metadata: string }[];
  /** 'no_stream', 'any' or an exact revision. */
  readonly expected: 'no_stream' | 'any' | bigint;
}

export type WriterResult =
  | {
      readonly seq: number;
      readonly ok: true;
      readonly nextExpectedRevision: bigint;
      /** Position of the append's last event; its events have the positions just before, one apart. */
      readonly position: bigint;
      readonly recordedAt: string;
    }
  | {
      readonly seq: number;
      readonly ok: false;
      /** Set when the append failed its expected-revision check. */
      readonly conflict?: { readonly actual: bigint | 'no_stream' };
      readonly message: string;
      readonly code?: string;
    };

export interface WriterData {
  readonly path: string;
  readonly busyTimeoutMs: number;
  /** Absolute path of better-sqlite3, resolved by the main thread (eval'd code has no module path). */
  readonly sqliteModule: string;
}

export type WriterMessage =
  | { readonly kind: 'results'; readonly results: readonly WriterResult[] }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly message: string };

export const SQLITE_WRITER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);

let db;
try {
  db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
  db.pragma('journal_mode = WAL');
  // An append is acknowledged only after its commit is on disk.
  db.pragma('synchronous = FULL');
  db.defaultSafeIntegers(true);
} catch (error) {
  parentPort.postMessage({ kind: 'failed', message: String(error && error.message || error) });
  throw error;
}
const lastRevision = db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?');
const head = db.prepare('SELECT COALESCE(MAX(position), 0) AS position FROM events');
const insert = db.prepare(
  'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
);

class Conflict extends Error {
  constructor(actual) {
    super('wrong expected revision');
    this.actual = actual;
  }
}

function appendInTransaction(item, recordedAt) {
  const current = lastRevision.get(item.streamId).revision;
  const expected = item.expected;
  if (expected === 'no_stream' ? current !== null : expected !== 'any' && current !== expected) {
    throw new Conflict(current === null ? 'no_stream' : current);
  }
  let revision = current === null ? -1n : current;
  if (item.events.length === 0) {
    return { seq: item.seq, ok: true, nextExpectedRevision: revision, position: head.get().position, recordedAt };
  }
  let position = 0n;
  for (const event of item.events) {
    revision += 1n;
    position = BigInt(insert.run(item.streamId, revision, event.id, event.type, event.data, event.metadata, recordedAt).lastInsertRowid);
  }
  return { seq: item.seq, ok: true, nextExpectedRevision: revision, position, recordedAt };
}

// A nested transaction is a SAVEPOINT: a failing append rolls back only its own rows.
const appendOne = db.transaction(appendInTransaction);
const appendAll = db.transaction((batch) => {
  const recordedAt = new Date().toISOString();
  return batch.map((item) => {
    try {
      return appendOne(item, recordedAt);
    } catch (error) {
      if (error instanceof Conflict) return { seq: item.seq, ok: false, conflict: { actual: error.actual }, message: error.message };
      return { seq: item.seq, ok: false, message: String(error && error.message || error), code: error && error.code };
    }
  });
});

let queue = [];
let scheduled = false;
let closing = false;

function flush() {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length > 0) {
    let results;
    try {
      results = appendAll.immediate(batch);
    } catch (error) {
      // The commit itself failed (e.g. the file stayed locked past the busy timeout): nothing was written.
      const message = String(error && error.message || error);
      results = batch.map((item) => ({ seq: item.seq, ok: false, message, code: error && error.code }));
    }
    parentPort.postMessage({ kind: 'results', results });
  }
  if (closing) {
    db.close();
    parentPort.postMessage({ kind: 'closed' });
    parentPort.close();
  }
}

parentPort.on('message', (message) => {
  if (message.kind === 'append') {
    for (const item of message.items) queue.push(item);
  } else if (message.kind === 'close') {
    closing = true;
  }
  // Messages that arrived during the last commit are all delivered before this runs.
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
`;
