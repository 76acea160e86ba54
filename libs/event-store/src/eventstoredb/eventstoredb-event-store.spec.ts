import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  EventStoreDBClient,
  Position,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { describeEventStoreContract } from '../event-store.contract';
import { RecordedEvent } from '../event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { describePersonalDataContract } from '../personal-data/personal-data.contract';
import { SqliteKeyStore } from '../personal-data/sqlite-key-store';

/**
 * The adapter's own logic (revision and error mapping, exclusive positions, system-event
 * filtering, batching, abort) checked against an in-memory stand-in for the v6 client. It
 * mimics the server where it matters here: commit positions with gaps, system events in
 * $all, $all reads inclusive of fromPosition, subscriptions exclusive of it, and an
 * unsubscribe that cancels the call without ending the stream. The real server is covered
 * by eventstoredb-event-store.int-spec.ts wherever one is reachable.
 */
interface FakeEvent {
  streamId: string;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  revision: bigint;
  isJson: true;
  created: Date;
  position: Position;
}

class FakeEventStoreDb {
  private readonly log: FakeEvent[] = [];
  private readonly listeners = new Set<() => void>();
  private next = 100n;
  disposed = false;

  constructor() {
    this.system('$settings', '$settings');
  }

  async appendToStream(
    streamId: string,
    events: { id: string; type: string; data: unknown; metadata: unknown }[],
    options: { expectedRevision: bigint | 'no_stream' | 'any' },
  ) {
    await new Promise((r) => setImmediate(r));
    const current = this.current(streamId);
    const expected = options.expectedRevision;
    if (expected === 'no_stream' ? current !== 'no_stream' : expected !== 'any' && expected !== current) {
      throw new WrongExpectedVersionError(undefined, { streamName: streamId, expected, current });
    }
    let revision = current === 'no_stream' ? -1n : current;
    let position: Position | undefined;
    for (const e of events) {
      revision += 1n;
      position = this.write({
        streamId,
        id: e.id,
        type: e.type,
        data: JSON.parse(JSON.stringify(e.data)),
        metadata: JSON.parse(JSON.stringify(e.metadata)),
        revision,
      });
    }
    this.system(`$$${streamId}`, '$metadata'); // e.g. what a server might interleave
    return { success: true, nextExpectedRevision: revision, position };
  }

  readStream(streamId: string, options: { fromRevision: bigint | 'start'; maxCount?: number }) {
    if (this.current(streamId) === 'no_stream') {
      const failing = new Readable({ objectMode: true, read() {} });
      setImmediate(() => failing.destroy(new StreamNotFoundError(undefined, streamId)));
      return withCancel(failing);
    }
    const from = options.fromRevision === 'start' ? 0n : options.fromRevision;
    const events = this.log
      .filter((e) => e.streamId === streamId && e.revision >= from)
      .slice(0, options.maxCount ?? Number.MAX_SAFE_INTEGER);
    return withCancel(Readable.from(events.map((event) => ({ event }))));
  }

  readAll(options: { fromPosition: Position | 'start' | 'end'; direction: 'forwards' | 'backwards' }) {
    let events = [...this.log];
    if (options.direction === 'backwards') events.reverse();
    else if (typeof options.fromPosition === 'object') {
      const from = options.fromPosition.commit;
      events = events.filter((e) => e.position.commit >= from);
    }
    return withCancel(Readable.from(events.map((event) => ({ event, commitPosition: event.position.commit }))));
  }

  subscribeToAll(options: { fromPosition: Position | 'start' }) {
    let cursor = options.fromPosition === 'start' ? -1n : options.fromPosition.commit;
    let cancelled = false;
    let waiting = false;
    const log = this.log;
    const listeners = this.listeners;
    const subscription = new Readable({
      objectMode: true,
      highWaterMark: 4,
      read() {
        pump();
      },
    });
    function pump(): void {
      if (cancelled) return;
      for (;;) {
        const event = log.find((e) => e.position.commit > cursor);
        if (!event) {
          if (!waiting) {
            waiting = true;
            const wake = (): void => {
              listeners.delete(wake);
              waiting = false;
              pump();
            };
            listeners.add(wake);
          }
          return;
        }
        cursor = event.position.commit;
        if (!subscription.push({ event, commitPosition: cursor })) return;
      }
    }
    // Like the real client: cancels the call, the readable itself never ends.
    return Object.assign(subscription, {
      unsubscribe: async () => {
        cancelled = true;
      },
    });
  }

  async dispose() {
    this.disposed = true;
  }

  private current(streamId: string): bigint | 'no_stream' {
    const mine = this.log.filter((e) => e.streamId === streamId);
    return mine.length === 0 ? 'no_stream' : mine[mine.length - 1].revision;
  }

  private system(streamId: string, type: string): void {
    this.write({ streamId, id: randomUUID(), type, data: {}, metadata: {}, revision: 0n });
  }

  private write(e: Omit<FakeEvent, 'isJson' | 'created' | 'position'>): Position {
    this.next += 37n + BigInt(this.log.length % 5);
    const position = { commit: this.next, prepare: this.next };
    this.log.push({ ...e, isJson: true, created: new Date(), position });
    for (const wake of [...this.listeners]) wake();
    return position;
  }
}

function withCancel<T extends Readable>(readable: T): T & { cancel(): Promise<void> } {
  return Object.assign(readable, { cancel: async () => void readable.destroy() });
}

function storeOver(fake: FakeEventStoreDb): EventStoreDbEventStore {
  return new EventStoreDbEventStore({ client: fake as unknown as EventStoreDBClient });
}

describeEventStoreContract('EventStoreDbEventStore adapter logic over an in-memory stand-in of the client (not a server test; see the int-spec)', async () => {
  const fake = new FakeEventStoreDb();
  let store = storeOver(fake);
  return {
    get store() {
      return store;
    },
    async dispose() {
      await store.close();
    },
    async reopen() {
      await store.close();
      store = storeOver(fake);
      return store;
    },
  };
});

describe('EventStoreDbEventStore specifics (fake client)', () => {
  const event = (type: string) => ({ id: randomUUID(), type, data: { type }, metadata: { m: 1 } });

  it('leaves system events out of readAll and headPosition', async () => {
    const fake = new FakeEventStoreDb();
    const store = storeOver(fake);
    const { position } = await store.append('org-1', [event('A')], 'no_stream');
    const all: RecordedEvent[] = [];
    for await (const e of store.readAll()) all.push(e);
    expect(all.map((e) => e.type)).toEqual(['A']);
    expect(await store.headPosition()).toBe(position);
    await store.close();
  });

  it('ends live subscriptions on close() and leaves a caller-owned client open', async () => {
    const fake = new FakeEventStoreDb();
    const store = storeOver(fake);
    await store.append('org-1', [event('A')], 'no_stream');
    let batches = 0;
    const consumed = (async () => {
      for await (const _ of store.subscribeToAll()) batches++;
    })();
    await new Promise((r) => setTimeout(r, 20));
    await store.close();
    await consumed;
    expect(batches).toBe(1);
    expect(fake.disposed).toBe(false);
  });
});

// The EventStoreDB adapter gets personal data sealed like every store: only ciphertext reaches the client.
describePersonalDataContract('EventStoreDbEventStore over the fake client', async () => {
  const fake = new FakeEventStoreDb();
  return {
    inner: storeOver(fake),
    keys: new SqliteKeyStore({ path: ':memory:' }),
    rawBytes: () => JSON.stringify((fake as unknown as { log: unknown[] }).log, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
  };
});
