import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatchUpWorker, CatchUpWorkerLogger } from './catch-up-worker';
import { InMemoryCheckpointStore } from './checkpoint-store.port';
import { RecordedEvent } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

const event = (type: string) => ({ id: randomUUID(), type, data: {}, metadata: {} });
const silent: CatchUpWorkerLogger = { error: () => undefined, warn: () => undefined };

describe('CatchUpWorker', () => {
  let dir: string;
  let store: SqliteEventStore;
  let checkpoints: InMemoryCheckpointStore;
  const workers: CatchUpWorker[] = [];

  function worker(
    handle: (batch: readonly RecordedEvent[]) => Promise<void>,
    extra: { maxBatchSize?: number; logger?: CatchUpWorkerLogger; holdsLease?: () => boolean } = {},
  ): CatchUpWorker {
    const w = new CatchUpWorker({
      name: 'test',
      store,
      checkpoints,
      handle,
      logger: silent,
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      ...extra,
    });
    workers.push(w);
    return w;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-worker-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    checkpoints = new InMemoryCheckpointStore();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('handles past then live events in order and checkpoints after each batch', async () => {
    await store.append('s-1', [event('A'), event('B')], 'no_stream');
    const handled: string[] = [];
    const w = worker(async (batch) => {
      handled.push(...batch.map((e) => e.type));
    });
    await w.start();
    const { position } = await store.append('s-2', [event('C')], 'no_stream');
    expect(await w.waitForPosition(position, 5_000)).toBe(true);
    expect(handled).toEqual(['A', 'B', 'C']);
    expect(w.position).toBe(position);
    expect(await checkpoints.load('test')).toBe(position);
  });

  it('handles nothing while its lease is not held, and everything from the checkpoint once it is', async () => {
    const { position } = await store.append('s-1', [event('A'), event('B')], 'no_stream');
    let held = false;
    const handled: string[] = [];
    const w = worker(async (batch) => void handled.push(...batch.map((e) => e.type)), { holdsLease: () => held });
    await w.start();
    expect(await w.waitForPosition(position, 200)).toBe(false);
    expect(handled).toEqual([]);
    expect(await checkpoints.load('test')).toBeUndefined();
    held = true;
    expect(await w.waitForPosition(position, 5_000)).toBe(true);
    expect(handled).toEqual(['A', 'B']);
  });

  it('resumes after the saved checkpoint', async () => {
    await store.append('s-1', [event('A'), event('B'), event('C')], 'no_stream');
    const all: RecordedEvent[] = [];
    for await (const e of store.readAll()) all.push(e);
    await checkpoints.save('test', all[1].position);
    const handled: string[] = [];
    const w = worker(async (batch) => {
      handled.push(...batch.map((e) => e.type));
    });
    await w.start();
    expect(await w.waitForPosition(all[2].position, 5_000)).toBe(true);
    expect(handled).toEqual(['C']);
  });

  it('retries a failing handler from the last checkpoint without skipping events', async () => {
    await store.append('s-1', [event('A'), event('B'), event('C'), event('D')], 'no_stream');
    const handled: string[] = [];
    const errors: string[] = [];
    let calls = 0;
    const w = worker(
      async (batch) => {
        calls += 1;
        if (batch.some((e) => e.type === 'C') && calls < 5) throw new Error('boom');
        handled.push(...batch.map((e) => e.type));
      },
      { maxBatchSize: 2, logger: { error: (m) => errors.push(m) } },
    );
    await w.start();
    expect(await w.waitForPosition(await store.headPosition(), 5_000)).toBe(true);
    // A, B once; C, D only once the handler stopped failing; never D without C.
    expect(handled).toEqual(['A', 'B', 'C', 'D']);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatch(/boom/);
  });

  it('lets stop() wait for the batch in progress and saves its checkpoint', async () => {
    await store.append('s-1', [event('A')], 'no_stream');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const handling = new Promise<void>((r) => (started = r));
    const w = worker(async () => {
      started();
      await released;
    });
    await w.start();
    await handling;
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(w.isRunning).toBe(false);
    expect(await checkpoints.load('test')).toBe(await store.headPosition());
  });

  it('waitForPosition resolves false when the position is not reached in time', async () => {
    const w = worker(async () => undefined);
    await w.start();
    expect(await w.waitForPosition(1_000n, 50)).toBe(false);
  });

  it('can be restarted after stop and continues from its checkpoint', async () => {
    await store.append('s-1', [event('A')], 'no_stream');
    const handled: string[] = [];
    const w = worker(async (batch) => {
      handled.push(...batch.map((e) => e.type));
    });
    await w.start();
    expect(await w.waitForPosition(await store.headPosition(), 5_000)).toBe(true);
    await w.stop();
    const { position } = await store.append('s-1', [event('B')], 0n);
    await w.start();
    expect(await w.waitForPosition(position, 5_000)).toBe(true);
    expect(handled).toEqual(['A', 'B']);
  });
});
