import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../event-store.contract';
import { EventStore, RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

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
