import { randomUUID } from 'node:crypto';
import { EventStore, EventToAppend, RecordedEvent, WrongExpectedRevisionError } from './event-store.port';

/**
 * One behavioural contract for every EventStore adapter. Each test uses fresh stream ids
 * and only looks at its own streams, so suites can share one server with other tests.
 */
export interface EventStoreFixture {
  readonly store: EventStore;
  dispose(): Promise<void>;
  /** Closes the current store and opens a new one on the same data (which `dispose` then closes). */
  reopen?(): Promise<EventStore>;
}

export function describeEventStoreContract(name: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`${name}: EventStore contract`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterAll(async () => {
      await fixture?.dispose();
    });

    describe('append', () => {
      it('creates a stream with no_stream and numbers revisions from 0', async () => {
        const stream = newStreamId();
        const result = await store.append(stream, [event('A'), event('B')], 'no_stream');
        expect(result.nextExpectedRevision).toBe(1n);
        const events = await collect(store.readStream(stream));
        expect(events.map((e) => e.revision)).toEqual([0n, 1n]);
        expect(result.position).toBe(events[1].position);
      });

      it('appends at the exact expected revision', async () => {
        const stream = newStreamId();
        await store.append(stream, [event('A')], 'no_stream');
        const result = await store.append(stream, [event('B'), event('C')], 0n);
        expect(result.nextExpectedRevision).toBe(2n);
        expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('appends with any to a new and to an existing stream', async () => {
        const stream = newStreamId();
        expect((await store.append(stream, [event('A')], 'any')).nextExpectedRevision).toBe(0n);
        expect((await store.append(stream, [event('B')], 'any')).nextExpectedRevision).toBe(1n);
      });

      it('refuses no_stream on an existing stream and appends nothing', async () => {
        const stream = newStreamId();
        await store.append(stream, [event('A')], 'no_stream');
        const error = await store.append(stream, [event('B')], 'no_stream').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 0n });
        expect(await collect(store.readStream(stream))).toHaveLength(1);
      });

      it('refuses a stale revision and appends nothing', async () => {
        const stream = newStreamId();
        await store.append(stream, [event('A'), event('B')], 'no_stream');
        const error = await store.append(stream, [event('C'), event('D')], 0n).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId: stream, expected: 0n, actual: 1n });
        expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('refuses an exact revision on a stream that does not exist', async () => {
        const stream = newStreamId();
        const error = await store.append(stream, [event('A')], 0n).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ actual: 'no_stream' });
        expect(await collect(store.readStream(stream))).toHaveLength(0);
      });

      it('lets exactly one of several concurrent appends at the same revision win', async () => {
        const stream = newStreamId();
        await store.append(stream, [event('A')], 'no_stream');
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => store.append(stream, [event(`B${i}`)], 0n)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await collect(store.readStream(stream))).toHaveLength(2);
      });

      it('commits concurrent appends to different streams, each at its own position', async () => {
        const streams = Array.from({ length: 20 }, () => newStreamId());
        const results = await Promise.all(streams.map((s) => store.append(s, [event('A')], 'no_stream')));
        const positions = new Set(results.map((r) => r.position));
        expect(positions.size).toBe(streams.length);
        for (const s of streams) expect(await collect(store.readStream(s))).toHaveLength(1);
      });
    });

    describe('reading', () => {
      it('round-trips ids, types, data, metadata and recording time', async () => {
        const stream = newStreamId();
        const appended: EventToAppend = {
          id: randomUUID(),
          type: 'Something',
          data: { text: 'héllo', n: 42, nested: { list: [1, 'two', null] } },
          metadata: { actor: { id: 'u-1' }, correlationId: randomUUID(), schemaVersion: 1 },
        };
        const before = Date.now();
        await store.append(stream, [appended], 'no_stream');
        const [read] = await collect(store.readStream(stream));
        expect(read).toMatchObject({
          id: appended.id,
          streamId: stream,
          type: appended.type,
          data: appended.data,
          metadata: appended.metadata,
          revision: 0n,
        });
        expect(typeof read.position).toBe('bigint');
        expect(read.recordedAt).toBeInstanceOf(Date);
        // Clocks of a remote server may drift a little; only sanity-check the value.
        expect(Math.abs(read.recordedAt.getTime() - before)).toBeLessThan(5 * 60_000);
      });

      it('reads a stream from a revision with a maximum count', async () => {
        const stream = newStreamId();
        await store.append(stream, ['A', 'B', 'C', 'D', 'E'].map((t) => event(t)), 'no_stream');
        const page = await collect(store.readStream(stream, { fromRevision: 1n, maxCount: 3 }));
        expect(page.map((e) => e.type)).toEqual(['B', 'C', 'D']);
        expect(await collect(store.readStream(stream, { fromRevision: 5n }))).toEqual([]);
      });

      it('yields nothing for an unknown stream', async () => {
        expect(await collect(store.readStream(newStreamId()))).toEqual([]);
      });

      it('keeps global order with strictly increasing positions', async () => {
        const head = await store.headPosition();
        const [s1, s2] = [newStreamId(), newStreamId()];
        await store.append(s1, [event('A1'), event('A2')], 'no_stream');
        await store.append(s2, [event('B1')], 'no_stream');
        await store.append(s1, [event('A3')], 1n);
        const all = (await collect(store.readAll({ fromPosition: head }))).filter((e) =>
          [s1, s2].includes(e.streamId),
        );
        expect(all.map((e) => e.type)).toEqual(['A1', 'A2', 'B1', 'A3']);
        for (let i = 1; i < all.length; i++) expect(all[i].position).toBeGreaterThan(all[i - 1].position);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(all[all.length - 1].position);
      });

      it('reads all strictly after fromPosition, up to maxCount', async () => {
        const stream = newStreamId();
        await store.append(stream, [event('A'), event('B'), event('C')], 'no_stream');
        const [first] = await collect(store.readStream(stream));
        const after = await collect(store.readAll({ fromPosition: first.position, maxCount: 2 }));
        expect(after.map((e) => e.type)).toEqual(['B', 'C']);
        expect(after.every((e) => e.position > first.position)).toBe(true);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers catch-up then live events after fromPosition, in order, and stops on abort', async () => {
        const stream = newStreamId();
        await store.append(stream, [event('E0')], 'no_stream');
        const [e0] = await collect(store.readStream(stream));
        await store.append(stream, [event('E1'), event('E2')], 0n);

        const controller = new AbortController();
        const received: RecordedEvent[] = [];
        let liveAppend: Promise<unknown> | undefined;
        const consumed = (async () => {
          for await (const batch of store.subscribeToAll({ fromPosition: e0.position, signal: controller.signal })) {
            expect(batch.length).toBeGreaterThan(0);
            received.push(...batch.filter((e) => e.streamId === stream));
            if (!liveAppend && received.length >= 2) {
              liveAppend = store.append(stream, [event('E3'), event('E4')], 2n);
            }
            if (received.length >= 4) controller.abort();
          }
        })();

        await withTimeout(consumed, 15_000, 'subscription did not end after abort');
        await liveAppend;
        expect(received.map((e) => e.type)).toEqual(['E1', 'E2', 'E3', 'E4']);
        for (let i = 1; i < received.length; i++) {
          expect(received[i].position).toBeGreaterThan(received[i - 1].position);
        }
      });

      it('hands out batches no larger than maxBatchSize', async () => {
        const head = await store.headPosition();
        const stream = newStreamId();
        await store.append(stream, ['A', 'B', 'C', 'D', 'E'].map((t) => event(t)), 'no_stream');
        const controller = new AbortController();
        const mine: RecordedEvent[] = [];
        const consumed = (async () => {
          for await (const batch of store.subscribeToAll({
            fromPosition: head,
            maxBatchSize: 2,
            signal: controller.signal,
          })) {
            expect(batch.length).toBeLessThanOrEqual(2);
            mine.push(...batch.filter((e) => e.streamId === stream));
            if (mine.length >= 5) controller.abort();
          }
        })();
        await withTimeout(consumed, 15_000, 'subscription did not deliver the appended events');
        expect(mine.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
      });

      it('ends at once when the signal is already aborted', async () => {
        const controller = new AbortController();
        controller.abort();
        const batches = await withTimeout(
          collect(store.subscribeToAll({ signal: controller.signal })),
          5_000,
          'an aborted subscription kept running',
        );
        expect(batches).toEqual([]);
      });
    });

    describe('health', () => {
      it('says it can take appends while it can', async () => {
        await store.append(newStreamId(), [event('A')], 'no_stream');
        expect(store.health()).toEqual({ writable: true });
      });
    });

    describe('durability', () => {
      it('keeps appended events across close and reopen', async () => {
        if (!fixture.reopen) return;
        const stream = newStreamId();
        const appended = [event('A'), event('B')];
        const result = await store.append(stream, appended, 'no_stream');
        store = await fixture.reopen();
        const read = await collect(store.readStream(stream));
        expect(read.map((e) => e.id)).toEqual(appended.map((e) => e.id));
        expect(read[1].position).toBe(result.position);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(result.position);
      });
    });
  });
}

function newStreamId(): string {
  return `contract-${randomUUID()}`;
}

function event(type: string): EventToAppend {
  return { id: randomUUID(), type, data: { type }, metadata: { test: true } };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
