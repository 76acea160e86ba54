import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import {
  AppendResult,
  EventStore,
  EventStoreUnavailableError,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreHealth,
  SubscribeToAllOptions,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { DEFAULT_BUSY_TIMEOUT_MS, openSqlite } from './sqlite-connection';
import type { WriterAppend, WriterResult } from './sqlite-writer';
import { SqliteWriterThread } from './sqlite-writer-thread';

export interface SqliteEventStoreOptions {
  /**
   * Database file; its directory is created if missing. `:memory:` is a throwaway store for
   * tests: a private temporary file, deleted on close (the writer thread needs a file).
   */
  readonly path: string;
  /** How often a live subscription looks for appends made by other processes (default 50 ms). */
  readonly pollIntervalMs?: number;
  /** How long a writer waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Rows per page when reading streams and the log (default 500). */
  readonly pageSize?: number;
  /** Writer thread deaths in a row (no commit in between) after which it is not restarted (default 3). */
  readonly maxWriterRestarts?: number;
  /** Told of each group commit: how many appends it wrote together and how long the writer thread took (metrics). */
  readonly onGroupCommit?: GroupCommitObserver;
}

export type GroupCommitObserver = (appends: number, seconds: number) => void;

interface EventRow {
  position: bigint;
  stream_id: string;
  revision: bigint;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** How many of its latest appended rows an instance keeps for its live subscriptions. */
const RECENT_ROWS = 4096;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);`;

/**
 * Embedded event store in one SQLite file, shareable by several processes (WAL + busy
 * timeout). An append's promise resolves only after its transaction is committed and
 * fsynced (synchronous=FULL). Commits run in a worker thread with its own connection
 * (sqlite-writer.worker.ts), so the fsync does not block the event loop; appends made while a
 * commit is under way are grouped into the next transaction (one fsync); each is checked
 * against its own expected revision inside a savepoint, so a conflicting append fails alone.
 * Reads and subscriptions use this thread's connection (a WAL reader): an append has
 * committed before its promise resolves, so the next read sees it.
 * SQLite serialises writers, so positions become visible in increasing order: a reader
 * never sees position n+1 committed before n.
 * SQLite's refusals that pass (locked past the busy timeout, disk full, I/O error, the writer
 * thread restarting) fail the append with EventStoreUnavailableError: nothing of it was written.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly statements: {
    readonly readStream: Database.Statement<[string, bigint, number]>;
    readonly readAll: Database.Statement<[bigint, number], RawEventRow>;
    readonly head: Database.Statement<[]>;
    readonly byEventId: Database.Statement<[string], Pick<EventRow, 'stream_id' | 'revision' | 'position'>>;
  };
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Live subscriptions waiting for new events; woken by local appends and close(). */
  private readonly waiters = new Set<(local: boolean) => void>();
  private readonly writer: SqliteWriterThread;
  /** Appends the writer has not answered yet, by sequence number. */
  private readonly inFlight = new Map<number, { readonly item: PendingAppend; readonly sent: WriterAppend }>();
  /**
   * The rows this instance appended lately, in position order, as the writer stored them:
   * a live subscription reads them from here instead of the file while they follow on
   * from where it stands without a gap (a gap is another process's append: read the file).
   */
  private recent: EventRow[] = [];
  private nextSeq = 0;
  /** The private directory of a `:memory:` store, removed on close. */
  private readonly throwawayDir: string | undefined;

  constructor(options: SqliteEventStoreOptions | string) {
    const opts = typeof options === 'string' ? { path: options } : options;
    this.pollIntervalMs = opts.pollIntervalMs ?? 50;
    this.pageSize = opts.pageSize ?? 500;
    let path = opts.path;
    if (path === ':memory:') {
      this.throwawayDir = mkdtempSync(join(tmpdir(), 'roster-events-'));
      path = join(this.throwawayDir, 'events.sqlite');
    }
    const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.db = openSqlite(path, busyTimeoutMs);
    this.db.exec(SCHEMA);

    this.statements = {
      readStream: this.db.prepare(
        'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      // Rows as arrays (raw): no object with named columns per row on the catch-up's path.
      readAll: this.db.prepare(`SELECT ${RAW_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(true) as Database.Statement<[bigint, number], RawEventRow>,
      head: this.db.prepare('SELECT COALESCE(MAX(position), 0) AS position FROM events'),
      byEventId: this.db.prepare('SELECT stream_id, revision, position FROM events WHERE event_id = ?'),
    };
    this.writer = new SqliteWriterThread({
      path,
      busyTimeoutMs,
      maxRestarts: opts.maxWriterRestarts,
      onResults: (results, commitSeconds) => {
        opts.onGroupCommit?.(results.length, commitSeconds);
        this.settle(results);
      },
      onDeath: (unanswered, reason) => this.settleFromFile(unanswered, reason),
    });
  }

  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    let from = options.fromRevision ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0 && !this.closed) {
      const rows = this.statements.readStream.all(streamId, from, Math.min(this.pageSize, remaining)) as EventRow[];
      for (const row of rows) yield toRecorded(row);
      if (rows.length < this.pageSize) return;
      remaining -= rows.length;
      from = rows[rows.length - 1].revision + 1n;
      await nextTurn();
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let from = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0 && !this.closed) {
      const events = this.readPage(from, Math.min(this.pageSize, remaining));
      for (const event of events) yield event;
      if (events.length < this.pageSize) return;
      remaining -= events.length;
      from = events[events.length - 1].position;
      await nextTurn();
    }
  }

  async *subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<readonly RecordedEvent[]> {
    const { signal } = options;
    const maxBatchSize = options.maxBatchSize ?? 500;
    let from = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let localWake = false;
    while (remaining > 0 && !this.closed && !signal?.aborted) {
      const limit = Math.min(maxBatchSize, remaining);
      const fromRecent = this.recentPage(from, limit);
      // Woken by a local append and level with `recent`: nothing to read from the file. Another
      // process's append shows as a gap before our next one, or at the next poll.
      const levelWithRecent = localWake && this.recent.length > 0 && from >= this.recent[this.recent.length - 1].position;
      const events = fromRecent.length > 0 || levelWithRecent ? fromRecent.map(toRecorded) : this.readPage(from, limit);
      if (events.length > 0) {
        from = events[events.length - 1].position;
        remaining -= events.length;
        // Suspends here until the consumer asks for more: that is the back-pressure.
        yield events;
        continue;
      }
      localWake = await this.waitForChange(signal);
    }
  }

  async headPosition(): Promise<bigint> {
    const row = this.statements.head.get() as { position: bigint };
    return row.position;
  }

  health(): StoreHealth {
    return this.writer.health;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already accepted are written before the file closes.
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    this.wakeAll();
    await this.writer.close();
    this.db.close();
    if (this.throwawayDir) rmSync(this.throwawayDir, { recursive: true, force: true });
  }

  private readPage(from: bigint, limit: number): RecordedEvent[] {
    return this.statements.readAll.all(from, limit).map(fromRaw);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.closed) {
      for (const item of batch) item.reject(new Error('SqliteEventStore is closed'));
      return;
    }
    const health = this.writer.health;
    if (this.writer.gaveUp && !health.writable) {
      for (const item of batch) item.reject(new EventStoreUnavailableError(health.code, health.detail, 60));
      return;
    }
    const items: WriterAppend[] = [];
    for (const item of batch) {
      const seq = this.nextSeq++;
      const sent: WriterAppend = {
        seq,
        streamId: item.streamId,
        expected: item.expected,
        events: item.events.map((event) => ({
          id: event.id,
          type: event.type,
          data: JSON.stringify(event.data ?? null),
          metadata: JSON.stringify(event.metadata ?? {}),
        })),
      };
      this.inFlight.set(seq, { item, sent });
      items.push(sent);
    }
    this.writer.send(items);
  }

  /** The writer's answers for one commit: resolve or reject each append, then wake subscriptions. */
  private settle(results: readonly WriterResult[]): void {
    let appended = false;
    for (const result of results) {
      const pending = this.inFlight.get(result.seq);
      if (!pending) continue;
      const { item, sent } = pending;
      this.inFlight.delete(result.seq);
      if (result.ok) {
        appended = true;
        this.remember(sent, result.nextExpectedRevision, result.position, result.recordedAt);
        item.resolve({ nextExpectedRevision: result.nextExpectedRevision, position: result.position });
      } else if (result.conflict) {
        item.reject(new WrongExpectedRevisionError(item.streamId, item.expected, result.conflict.actual));
      } else {
        item.reject(sqliteFailure(result.message, result.code));
      }
    }
    if (appended) this.wakeAll(true);
  }

  /**
   * The writer thread died before answering these appends: each is settled by what the file
   * holds. An append is atomic, so its last event's row tells whether all of it was committed.
   */
  private settleFromFile(unanswered: readonly WriterAppend[], reason: string): void {
    let appended = false;
    for (const sent of unanswered) {
      const pending = this.inFlight.get(sent.seq);
      if (!pending) continue;
      this.inFlight.delete(sent.seq);
      const last = sent.events[sent.events.length - 1];
      const row = last ? this.statements.byEventId.get(last.id) : undefined;
      if (row && row.stream_id === sent.streamId) {
        appended = true;
        pending.item.resolve({ nextExpectedRevision: row.revision, position: row.position });
      } else {
        pending.item.reject(new EventStoreUnavailableError('STORE.WRITER_STOPPED', `Not written: ${reason}`, 1));
      }
    }
    if (appended) this.wakeAll();
  }

  private remember(sent: WriterAppend, lastRevision: bigint, lastPosition: bigint, recordedAt: string): void {
    const count = BigInt(sent.events.length);
    sent.events.forEach((event, index) => {
      const offset = count - 1n - BigInt(index);
      this.recent.push({
        position: lastPosition - offset,
        stream_id: sent.streamId,
        revision: lastRevision - offset,
        event_id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        recorded_at: recordedAt,
      });
    });
    if (this.recent.length > 2 * RECENT_ROWS) this.recent = this.recent.slice(-RECENT_ROWS);
  }

  /** Rows from `recent` that follow `from` without a gap (none when it does not hold position from + 1). */
  private recentPage(from: bigint, limit: number): EventRow[] {
    const recent = this.recent;
    let low = 0;
    let high = recent.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (recent[middle].position <= from) low = middle + 1;
      else high = middle;
    }
    const rows: EventRow[] = [];
    let expected = from + 1n;
    for (let i = low; i < recent.length && rows.length < limit && recent[i].position === expected; i++, expected++) {
      rows.push(recent[i]);
    }
    return rows;
  }

  /** Resolves on a local append, after the poll interval (appends by other processes), on abort or on close. */
  private waitForChange(signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (local = false): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(local);
      };
      const onAbort = (): void => done();
      const timer = setTimeout(done, this.pollIntervalMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `local`: woken by an append of this instance, whose rows are in `recent`. */
  private wakeAll(local = false): void {
    for (const wake of [...this.waiters]) wake(local);
  }
}

/** The columns of a raw row, in RawEventRow's order. */
const RAW_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';
type RawEventRow = [position: bigint, streamId: string, revision: bigint, eventId: string, type: string, data: string, metadata: string, recordedAt: string];

function fromRaw(row: RawEventRow): RecordedEvent {
  return {
    id: row[3],
    streamId: row[1],
    type: row[4],
    data: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]),
    revision: row[2],
    position: row[0],
    recordedAt: new Date(row[7]),
  };
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    recordedAt: new Date(row.recorded_at),
  };
}

/** SQLite's refusals that pass map to EventStoreUnavailableError (nothing written, retry later); others stay errors. */
export function sqliteFailure(message: string, code: string | undefined): Error {
  // Extended codes (SQLITE_IOERR_FSYNC, SQLITE_BUSY_SNAPSHOT, ...) count as their primary code.
  const primary = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY)(?:_|$)/.exec(code ?? '')?.[1];
  switch (primary) {
    case 'BUSY':
    case 'LOCKED':
      return new EventStoreUnavailableError('STORE.BUSY', `The event store file is locked by another writer: ${message}`, 1);
    case 'FULL':
      return new EventStoreUnavailableError('STORE.FULL', `The event store's disk is full: ${message}`, 60);
    case 'IOERR':
    case 'READONLY':
      return new EventStoreUnavailableError('STORE.IO_ERROR', `The event store could not write its file: ${message}`, 5);
    default:
      return Object.assign(new Error(message), code ? { code } : {});
  }
}

/**
 * A turn of the event loop between two pages of a read: the rows are read at once (SQLite),
 * so without it a long read and what its reader does with each event (a fold) hold the loop
 * to the end. Measured: the first command to an organization of 100,000 events held it
 * 0.6 to 0.75 s, every other request, the health check and the lease renewal waiting.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

