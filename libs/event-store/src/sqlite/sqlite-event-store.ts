import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { SQLITE_WRITER_SOURCE, type WriterAppend, type WriterData, type WriterMessage, type WriterResult } from './sqlite-writer';

export interface SqliteEventStoreOptions {
  /** Database file; its directory is created if missing. `:memory:` works for one instance. */
  readonly path: string;
  /** How often a live subscription looks for appends made by other processes (default 50 ms). */
  readonly pollIntervalMs?: number;
  /** How long a writer waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Rows per page when reading streams and the log (default 500). */
  readonly pageSize?: number;
}

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

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

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
 * (sqlite-writer.ts), so the fsync does not block the event loop; appends made while a
 * commit is under way are grouped into the next transaction (one fsync); each is checked
 * against its own expected revision inside a savepoint, so a conflicting append fails alone.
 * Reads and subscriptions use this thread's connection (a WAL reader): an append has
 * committed before its promise resolves, so the next read sees it. A `:memory:` database
 * cannot be shared with a thread: it commits on this thread instead.
 * SQLite serialises writers, so positions become visible in increasing order: a reader
 * never sees position n+1 committed before n.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly statements: {
    readonly lastRevision: Database.Statement<[string]>;
    readonly insert: Database.Statement<[string, bigint, string, string, string, string, string]>;
    readonly readStream: Database.Statement<[string, bigint, number]>;
    readonly readAll: Database.Statement<[bigint, number]>;
    readonly head: Database.Statement<[]>;
  };
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Live subscriptions waiting for new events; woken by local appends and close(). */
  private readonly waiters = new Set<(local: boolean) => void>();
  private readonly appendAll?: (batch: readonly PendingAppend[]) => Outcome[];
  /** The writer thread (file databases); appends it has not answered yet, by sequence number. */
  private readonly writer?: Worker;
  private readonly inFlight = new Map<number, { readonly item: PendingAppend; readonly sent: WriterAppend }>();
  /**
   * The rows this instance appended lately, in position order, as the writer stored them:
   * a live subscription reads them from here instead of the file while they follow on
   * from where it stands without a gap (a gap is another process's append: read the file).
   */
  private recent: EventRow[] = [];
  private nextSeq = 0;
  private writerClosed?: Promise<void>;
  private writerFailure?: Error;

  constructor(options: SqliteEventStoreOptions | string) {
    const opts = typeof options === 'string' ? { path: options } : options;
    this.pollIntervalMs = opts.pollIntervalMs ?? 50;
    this.pageSize = opts.pageSize ?? 500;
    if (opts.path !== ':memory:' && !opts.path.startsWith('file:')) {
      mkdirSync(dirname(opts.path), { recursive: true });
    }
    this.db = new Database(opts.path, { timeout: opts.busyTimeoutMs ?? 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.defaultSafeIntegers(true);
    this.db.exec(SCHEMA);

    this.statements = {
      lastRevision: this.db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?'),
      insert: this.db.prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      readStream: this.db.prepare(
        'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      head: this.db.prepare('SELECT COALESCE(MAX(position), 0) AS position FROM events'),
    };

    const inMemory = opts.path === ':memory:' || opts.path.includes('mode=memory');
    if (!inMemory) {
      const workerData: WriterData = {
        path: opts.path,
        busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
        sqliteModule: require.resolve('better-sqlite3'),
      };
      const writer = new Worker(SQLITE_WRITER_SOURCE, { eval: true, workerData });
      this.writer = writer;
      this.writerClosed = new Promise<void>((resolve) => {
        writer.on('message', (message: WriterMessage) => {
          if (message.kind === 'results') this.settle(message.results);
          else if (message.kind === 'closed') resolve();
          else this.failWriter(new Error(`SQLite writer: ${message.message}`));
        });
        writer.on('error', (error) => this.failWriter(error));
        writer.on('exit', () => {
          this.failWriter(new Error('SQLite writer thread exited'));
          resolve();
        });
      });
      // An idle writer does not keep the process alive; one with appends under way does.
      writer.unref();
      return;
    }

    // A nested better-sqlite3 transaction runs as a SAVEPOINT: a failing append rolls back
    // only its own rows, and the outer (IMMEDIATE) transaction commits the others.
    const appendOne = this.db.transaction((item: PendingAppend) => this.appendInTransaction(item));
    const appendAll = this.db.transaction((batch: readonly PendingAppend[]): Outcome[] =>
      batch.map((item) => {
        try {
          return { ok: true, result: appendOne(item) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
    this.appendAll = (batch) => appendAll.immediate(batch);
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
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let from = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0 && !this.closed) {
      const rows = this.readPage(from, Math.min(this.pageSize, remaining));
      for (const row of rows) yield toRecorded(row);
      if (rows.length < this.pageSize) return;
      remaining -= rows.length;
      from = rows[rows.length - 1].position;
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
      const rows = fromRecent.length > 0 || levelWithRecent ? fromRecent : this.readPage(from, limit);
      if (rows.length > 0) {
        from = rows[rows.length - 1].position;
        remaining -= rows.length;
        // Suspends here until the consumer asks for more: that is the back-pressure.
        yield rows.map(toRecorded);
        continue;
      }
      localWake = await this.waitForChange(signal);
    }
  }

  async headPosition(): Promise<bigint> {
    const row = this.statements.head.get() as { position: bigint };
    return row.position;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already accepted are written before the file closes.
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    this.wakeAll();
    if (this.writer) {
      this.writer.ref();
      if (!this.writerFailure) this.writer.postMessage({ kind: 'close' });
      await this.writerClosed;
      await this.writer.terminate();
    }
    this.db.close();
  }

  private readPage(from: bigint, limit: number): EventRow[] {
    return this.statements.readAll.all(from, limit) as EventRow[];
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
    if (this.writer) {
      this.sendToWriter(batch);
      return;
    }
    let outcomes: Outcome[];
    try {
      outcomes = this.appendAll!(batch);
    } catch (error) {
      // The commit itself failed (e.g. the file stayed locked past the busy timeout): nothing was written.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
    if (outcomes.some((o) => o.ok)) this.wakeAll();
  }

  private sendToWriter(batch: readonly PendingAppend[]): void {
    if (this.writerFailure) {
      for (const item of batch) item.reject(this.writerFailure);
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
    if (this.inFlight.size === items.length) this.writer!.ref();
    this.writer!.postMessage({ kind: 'append', items });
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
        item.reject(Object.assign(new Error(result.message), result.code ? { code: result.code } : {}));
      }
    }
    if (this.inFlight.size === 0) this.writer!.unref();
    if (appended) this.wakeAll(true);
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

  /** The writer thread is gone: what it had not answered fails, and so does every later append. */
  private failWriter(error: Error): void {
    this.writerFailure ??= error;
    for (const { item } of this.inFlight.values()) item.reject(error);
    this.inFlight.clear();
  }

  private appendInTransaction(item: PendingAppend): AppendResult {
    const { streamId, events, expected } = item;
    const row = this.statements.lastRevision.get(streamId) as { revision: bigint | null };
    const current = row.revision;
    if (expected === 'no_stream' ? current !== null : expected !== 'any' && current !== expected) {
      throw new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
    }
    let revision = current ?? -1n;
    if (events.length === 0) {
      // Nothing to write: report where the stream and the log stand.
      const head = this.statements.head.get() as { position: bigint };
      return { nextExpectedRevision: revision, position: head.position };
    }
    const recordedAt = new Date().toISOString();
    let position = 0n;
    for (const event of events) {
      revision += 1n;
      const info = this.statements.insert.run(
        streamId,
        revision,
        event.id,
        event.type,
        JSON.stringify(event.data ?? null),
        JSON.stringify(event.metadata ?? {}),
        recordedAt,
      );
      position = BigInt(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position };
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
