import type Database from 'better-sqlite3';

/**
 * The SQLite writer's group commit and the messages it exchanges with the store. It runs in a
 * worker thread (sqlite-writer.worker.ts), so a commit's fsync never blocks the service's event
 * loop. Protocol (structured clone): the main thread posts
 *   { kind: 'append', items: WriterAppend[] }   appends gathered in one tick
 *   { kind: 'close' }                          after the last append it will send
 * and the thread answers { kind: 'ready' } once its connection is open, { kind: 'results' }
 * once per commit (with how long the commit took), and { kind: 'closed' } after its connection is closed. Appends that arrive
 * while a commit is fsyncing wait and go into the next transaction together (group commit).
 */

/** One append as the writer receives it: data and metadata already JSON text. */
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
      /** SQLite's extended error code (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR_WRITE, ...), when SQLite refused. */
      readonly code?: string;
    };

export interface WriterData {
  readonly path: string;
  readonly busyTimeoutMs: number;
}

export type WriterMessage =
  | { readonly kind: 'ready' }
  /** `commitSeconds`: the group commit's transaction and fsync, timed in the thread. */
  | { readonly kind: 'results'; readonly results: readonly WriterResult[]; readonly commitSeconds: number }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly message: string };

export type ToWriterMessage = { readonly kind: 'append'; readonly items: readonly WriterAppend[] } | { readonly kind: 'close' };

class Conflict extends Error {
  constructor(readonly actual: bigint | 'no_stream') {
    super('wrong expected revision');
  }
}

/**
 * One transaction for a group of appends, each checked against its own expected revision in a
 * savepoint, so a conflicting append fails alone. What each result says is what the file holds:
 * when SQLite rolls the whole transaction back on its own (it may on an I/O error, SQLITE_FULL,
 * SQLITE_BUSY or a RAISE(ROLLBACK)), or the commit fails, every append of the group fails,
 * those answered before included, and nothing later runs outside the transaction.
 */
export function createGroupCommit(db: Database.Database): (batch: readonly WriterAppend[]) => WriterResult[] {
  const lastRevision = db.prepare<[string], { revision: bigint | null }>('SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?');
  const head = db.prepare<[], { position: bigint }>('SELECT COALESCE(MAX(position), 0) AS position FROM events');
  const insert = db.prepare<[string, bigint, string, string, string, string, string]>(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const [begin, commit, rollback, savepoint, release, rollbackTo] = [
    'BEGIN IMMEDIATE',
    'COMMIT',
    'ROLLBACK',
    'SAVEPOINT append',
    'RELEASE append',
    'ROLLBACK TO append',
  ].map((sql) => db.prepare(sql));

  function appendOne(item: WriterAppend, recordedAt: string): WriterResult {
    const current = lastRevision.get(item.streamId)!.revision;
    const expected = item.expected;
    if (expected === 'no_stream' ? current !== null : expected !== 'any' && current !== expected) {
      throw new Conflict(current ?? 'no_stream');
    }
    let revision = current ?? -1n;
    if (item.events.length === 0) {
      return { seq: item.seq, ok: true, nextExpectedRevision: revision, position: head.get()!.position, recordedAt };
    }
    let position = 0n;
    for (const event of item.events) {
      revision += 1n;
      position = BigInt(insert.run(item.streamId, revision, event.id, event.type, event.data, event.metadata, recordedAt).lastInsertRowid);
    }
    return { seq: item.seq, ok: true, nextExpectedRevision: revision, position, recordedAt };
  }

  /** Every append of the group failed with `error`: the transaction is rolled back if SQLite has not done it. */
  function failAll(batch: readonly WriterAppend[], error: unknown): WriterResult[] {
    if (db.inTransaction) rollback.run();
    return batch.map((item) => failure(item, error));
  }

  return (batch) => {
    const recordedAt = new Date().toISOString();
    try {
      begin.run();
    } catch (error) {
      // E.g. another process held the lock past the busy timeout: nothing was written.
      return batch.map((item) => failure(item, error));
    }
    try {
      const results: WriterResult[] = [];
      for (const item of batch) {
        savepoint.run();
        try {
          results.push(appendOne(item, recordedAt));
          release.run();
        } catch (error) {
          // SQLite ended the transaction itself: the appends before this one are undone too.
          if (!db.inTransaction) return failAll(batch, error);
          rollbackTo.run();
          release.run();
          results.push(failure(item, error));
        }
      }
      commit.run();
      return results;
    } catch (error) {
      return failAll(batch, error);
    }
  };
}

function failure(item: WriterAppend, error: unknown): WriterResult {
  if (error instanceof Conflict) return { seq: item.seq, ok: false, conflict: { actual: error.actual }, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  return {
    seq: item.seq,
    ok: false,
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
