import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { killSqliteWriter } from '@roster/testing';
import { describeEventStoreContract } from '../event-store.contract';
import { EventStore, EventStoreUnavailableError, RecordedEvent } from '../event-store.port';
import { SqliteEventStore, sqliteFailure } from './sqlite-event-store';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roster-es-'));
  dirs.push(dir);
  // A sub-directory that does not exist yet: the store must create it.
  return join(dir, 'data', 'events.sqlite');
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeEventStoreContract('SqliteEventStore', async () => {
  const path = tempFile();
  let store: EventStore = new SqliteEventStore({ path, pollIntervalMs: 20 });
  return {
    get store() {
      return store;
    },
    async dispose() {
      await store.close();
    },
    async reopen() {
      await store.close();
      store = new SqliteEventStore({ path, pollIntervalMs: 20 });
      return store;
    },
  };
});

// The throwaway store tests use: the same writer thread, on a private temporary file.
describeEventStoreContract('SqliteEventStore (:memory:)', async () => {
  const store = new SqliteEventStore({ path: ':memory:', pollIntervalMs: 20 });
  return { store, dispose: () => store.close() };
});

const event = (type: string) => ({ id: randomUUID(), type, data: {}, metadata: {} });

describe('SqliteEventStore across instances on one file', () => {
  it('a second instance (like another process) sees appends through its subscription', async () => {
    const path = tempFile();
    const writer = new SqliteEventStore({ path });
    const reader = new SqliteEventStore({ path, pollIntervalMs: 20 });
    const stream = `s-${randomUUID()}`;
    await writer.append(stream, [event('A')], 'no_stream');

    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const consumed = (async () => {
      for await (const batch of reader.subscribeToAll({ signal: controller.signal })) {
        received.push(...batch);
        if (received.length === 1) await writer.append(stream, [event('B')], 0n);
        if (received.length >= 2) controller.abort();
      }
    })();
    await consumed;
    expect(received.map((e) => e.type)).toEqual(['A', 'B']);
    await Promise.all([writer.close(), reader.close()]);
  });

  it('a subscription on an appending instance also gets the other instance\'s appends in between, in order', async () => {
    const path = tempFile();
    const a = new SqliteEventStore({ path, pollIntervalMs: 20 });
    const b = new SqliteEventStore({ path });
    const stream = `s-${randomUUID()}`;
    await a.append(stream, [event('A1'), event('A2')], 'no_stream');
    await b.append(stream, [event('B1')], 1n);
    await a.append(stream, [event('A3')], 2n);
    const received: RecordedEvent[] = [];
    for await (const batch of a.subscribeToAll({ maxCount: 4 })) received.push(...batch);
    expect(received.map((e) => [e.type, e.revision, e.position])).toEqual([
      ['A1', 0n, 1n],
      ['A2', 1n, 2n],
      ['B1', 2n, 3n],
      ['A3', 3n, 4n],
    ]);
    expect(received[3].recordedAt).toBeInstanceOf(Date);
    await Promise.all([a.close(), b.close()]);
  });

  it('checks expected revisions against appends made by the other instance', async () => {
    const path = tempFile();
    const a = new SqliteEventStore({ path });
    const b = new SqliteEventStore({ path });
    const stream = `s-${randomUUID()}`;
    await a.append(stream, [event('A')], 'no_stream');
    await expect(b.append(stream, [event('B')], 'no_stream')).rejects.toMatchObject({ actual: 0n });
    await b.append(stream, [event('B')], 0n);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('SqliteEventStore group commit and lifecycle', () => {
  it('fails a conflicting append alone inside a group, the others commit', async () => {
    const store = new SqliteEventStore({ path: tempFile() });
    const [s1, s2] = [`s-${randomUUID()}`, `s-${randomUUID()}`];
    await store.append(s1, [event('A')], 'no_stream');
    const results = await Promise.allSettled([
      store.append(s2, [event('B')], 'no_stream'),
      store.append(s1, [event('C')], 'no_stream'),
      store.append(s1, [event('D')], 0n),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await store.close();
  });

  it('fails an append whose event id is already stored without affecting its group', async () => {
    const store = new SqliteEventStore({ path: tempFile() });
    const duplicate = event('A');
    await store.append(`s-${randomUUID()}`, [duplicate], 'no_stream');
    const other = `s-${randomUUID()}`;
    const results = await Promise.allSettled([
      store.append(`s-${randomUUID()}`, [event('X'), duplicate], 'no_stream'),
      store.append(other, [event('B')], 'no_stream'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    const read: RecordedEvent[] = [];
    for await (const e of store.readAll()) read.push(e);
    expect(read.map((e) => e.type)).toEqual(['A', 'B']);
    await store.close();
  });

  it('pages through streams and the log longer than one page', async () => {
    const store = new SqliteEventStore({ path: tempFile(), pageSize: 3 });
    const stream = `s-${randomUUID()}`;
    await store.append(stream, Array.from({ length: 10 }, (_, i) => event(`E${i}`)), 'no_stream');
    const read: RecordedEvent[] = [];
    for await (const e of store.readStream(stream, { fromRevision: 2n, maxCount: 7 })) read.push(e);
    expect(read.map((e) => e.revision)).toEqual([2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    const all: RecordedEvent[] = [];
    for await (const e of store.readAll({ fromPosition: 1n })) all.push(e);
    expect(all).toHaveLength(9);
    await store.close();
  });

  it('lets the event loop turn between the pages of a long read (the rows are read at once)', async () => {
    const store = new SqliteEventStore({ path: tempFile(), pageSize: 3 });
    const stream = `s-${randomUUID()}`;
    await store.append(stream, Array.from({ length: 10 }, (_, i) => event(`E${i}`)), 'no_stream');
    for (const read of [() => store.readStream(stream), () => store.readAll()]) {
      // Each event read notes how many turns of the loop (setImmediate, as I/O callbacks) ran before it.
      let turns = 0;
      let counting = true;
      const count = () => {
        turns++;
        if (counting) setImmediate(count);
      };
      setImmediate(count);
      const seen: number[] = [];
      for await (const _ of read()) seen.push(turns);
      counting = false;
      // The first page before any turn, each later page after one more: three pages of three, one of one.
      expect(seen).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3]);
    }
    await store.close();
  });

  it('ends live subscriptions on close()', async () => {
    const store = new SqliteEventStore({ path: tempFile(), pollIntervalMs: 10_000 });
    await store.append(`s-${randomUUID()}`, [event('A')], 'no_stream');
    let batches = 0;
    const consumed = (async () => {
      for await (const _ of store.subscribeToAll()) batches++;
    })();
    await new Promise((r) => setTimeout(r, 20));
    await store.close();
    await consumed;
    expect(batches).toBe(1);
  });

  it('reports 0n as head of an empty store, and rejects appends after close', async () => {
    const store = new SqliteEventStore({ path: tempFile() });
    expect(await store.headPosition()).toBe(0n);
    await store.close();
    await expect(store.append('x', [event('A')], 'any')).rejects.toThrow(/closed/);
  });
});

async function readAllOf(store: EventStore): Promise<RecordedEvent[]> {
  const read: RecordedEvent[] = [];
  for await (const e of store.readAll()) read.push(e);
  return read;
}

/** Every append reported done is in the file, and every append reported failed is not. */
async function expectOutcomesMatchFile(store: EventStore, appended: readonly { id: string }[][], results: PromiseSettledResult<unknown>[]) {
  const stored = new Set((await readAllOf(store)).map((e) => e.id));
  results.forEach((result, i) => {
    for (const e of appended[i]) expect([i, stored.has(e.id)]).toEqual([i, result.status === 'fulfilled']);
  });
}

describe('SqliteEventStore when SQLite fails part of a group commit', () => {
  it('fails the whole group, reported as failed, when SQLite rolls the transaction back itself', async () => {
    const path = tempFile();
    const store = new SqliteEventStore({ path });
    await store.append(`s-${randomUUID()}`, [event('A')], 'no_stream');
    // A fault SQLite itself raises mid-group: RAISE(ROLLBACK) ends the whole transaction, as an I/O error or SQLITE_FULL may.
    const other = new Database(path);
    other.exec("CREATE TRIGGER fault BEFORE INSERT ON events WHEN NEW.type = 'Poison' BEGIN SELECT RAISE(ROLLBACK, 'injected fault'); END");
    other.close();
    const appended = [[event('B')], [event('Poison')], [event('C')]];
    const results = await Promise.allSettled(appended.map((events) => store.append(`s-${randomUUID()}`, events, 'no_stream')));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expectOutcomesMatchFile(store, appended, results);
    // The writer goes on: the next group commits.
    await store.append(`s-${randomUUID()}`, [event('D')], 'no_stream');
    expect((await readAllOf(store)).map((e) => e.type)).toEqual(['A', 'D']);
    await store.close();
  });

  it('fails only the append a statement-level fault hits; the rest of its group commits', async () => {
    const path = tempFile();
    const store = new SqliteEventStore({ path });
    const other = new Database(path);
    other.exec("CREATE TRIGGER fault BEFORE INSERT ON events WHEN NEW.type = 'Poison' BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
    other.close();
    const appended = [[event('B')], [event('X'), event('Poison')], [event('C')]];
    const results = await Promise.allSettled(appended.map((events) => store.append(`s-${randomUUID()}`, events, 'no_stream')));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expectOutcomesMatchFile(store, appended, results);
    await store.close();
  });
});

describe('SqliteEventStore when the file stays locked or the disk is full', () => {
  it('fails an append with STORE.BUSY (nothing written) while another process holds the lock past the busy timeout', async () => {
    const path = tempFile();
    const store = new SqliteEventStore({ path, busyTimeoutMs: 50 });
    const stream = `s-${randomUUID()}`;
    await store.append(stream, [event('A')], 'no_stream');
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const error = await store.append(stream, [event('B')], 0n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({ code: 'STORE.BUSY', retryAfterSeconds: 1 });
    other.exec('ROLLBACK');
    other.close();
    await store.append(stream, [event('B')], 0n);
    await store.close();
  });

  it('maps SQLite codes to store codes: busy, full and I/O errors are unavailability, the rest stay errors', () => {
    expect(sqliteFailure('m', 'SQLITE_BUSY')).toMatchObject({ code: 'STORE.BUSY' });
    expect(sqliteFailure('m', 'SQLITE_BUSY_SNAPSHOT')).toMatchObject({ code: 'STORE.BUSY' });
    expect(sqliteFailure('m', 'SQLITE_FULL')).toMatchObject({ code: 'STORE.FULL', retryAfterSeconds: 60 });
    expect(sqliteFailure('m', 'SQLITE_IOERR_FSYNC')).toMatchObject({ code: 'STORE.IO_ERROR' });
    expect(sqliteFailure('m', 'SQLITE_READONLY')).toMatchObject({ code: 'STORE.IO_ERROR' });
    for (const code of ['SQLITE_FULL', 'SQLITE_BUSY', 'SQLITE_IOERR_WRITE']) {
      expect(sqliteFailure('m', code)).toBeInstanceOf(EventStoreUnavailableError);
    }
    const other = sqliteFailure('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE');
    expect(other).not.toBeInstanceOf(EventStoreUnavailableError);
    expect(other).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
  });
});

describe('SqliteEventStore when its writer thread dies', () => {
  it('restarts it: the store stays writable, and health says so', async () => {
    const store = new SqliteEventStore({ path: tempFile() });
    const stream = `s-${randomUUID()}`;
    await store.append(stream, [event('A')], 'no_stream');
    await killSqliteWriter(store);
    await store.append(stream, [event('B')], 0n);
    expect(store.health()).toEqual({ writable: true });
    expect((await readAllOf(store)).map((e) => e.type)).toEqual(['A', 'B']);
    await store.close();
  });

  it('settles the appends in flight by what the file holds: none reported failed was written, none reported done is missing', async () => {
    const store = new SqliteEventStore({ path: tempFile() });
    await store.append(`s-${randomUUID()}`, [event('Warm-up')], 'no_stream');
    const appended = Array.from({ length: 400 }, (_, i) => [event(`E${i}`), event(`F${i}`)]);
    const pending: Promise<unknown>[] = [];
    // Sent over several ticks, so they go in several groups; the thread dies once the first is answered.
    for (let i = 0; i < appended.length; i += 20) {
      for (const events of appended.slice(i, i + 20)) pending.push(store.append(`s-${randomUUID()}`, events, 'no_stream'));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.race(pending);
    await killSqliteWriter(store);
    const results = await Promise.allSettled(pending);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'STORE.WRITER_STOPPED' });
    }
    await expectOutcomesMatchFile(store, appended, results);
    await store.append(`s-${randomUUID()}`, [event('After')], 'no_stream');
    await store.close();
  });

  it('after too many deaths in a row stops restarting it: appends and health say STORE.WRITER_FAILED', async () => {
    const store = new SqliteEventStore({ path: tempFile(), maxWriterRestarts: 2 });
    for (let i = 0; i < 3; i++) await killSqliteWriter(store);
    expect(store.health()).toMatchObject({ writable: false, code: 'STORE.WRITER_FAILED' });
    const error = await store.append(`s-${randomUUID()}`, [event('A')], 'no_stream').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({ code: 'STORE.WRITER_FAILED' });
    await store.close();
  });
});
