import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCheckpointStore, SqliteEventStore, type RecordedEvent } from '@roster/event-store';
import type { KafkaPublisher } from '@roster/messaging';
import type { RosterConfig } from '../config/roster-config';
import { RosterMetrics } from '../metrics/roster-metrics';
import { PublishingService } from './publishing.service';

/** A publisher that records what it was given instead of sending it to Kafka. */
function recordingPublisher(): { publisher: KafkaPublisher; published: RecordedEvent[] } {
  const published: RecordedEvent[] = [];
  const publisher = { handle: async (batch: readonly RecordedEvent[]) => void published.push(...batch), stop: async () => undefined };
  return { publisher: publisher as unknown as KafkaPublisher, published };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PublishingService in several processes on one data directory', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'roster-publishers-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes from one process at a time: the other stands by, then takes over where the first stopped', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    const config = { kafka: { brokers: ['127.0.0.1:9'], topic: 'roster.test' } } as unknown as RosterConfig;
    const start = async () => {
      const { publisher, published } = recordingPublisher();
      // Each "process" opens the shared checkpoints file itself, as the infrastructure does.
      const checkpoints = new SqliteCheckpointStore(join(dir, 'checkpoints.sqlite'));
      const service = new PublishingService(config, store, { publisher, checkpoints, checkpointsDescription: 'test' }, new RosterMetrics(false));
      await service.onApplicationBootstrap();
      return { service, published, checkpoints };
    };
    const append = (n: number) =>
      Promise.all(Array.from({ length: n }, () => store.append(`s-${randomUUID()}`, [{ id: randomUUID(), type: 'T', data: {}, metadata: {} }], 'no_stream')));

    const first = await start();
    const second = await start();
    try {
      expect(first.service.isRunning).toBe(true);
      expect(second.service.isRunning).toBe(false);
      await append(10);
      await until(() => first.published.length === 10, 'the first process published the first 10 events');
      expect(second.published).toHaveLength(0);

      await first.service.beforeApplicationShutdown(); // gives the lease up
      await append(5);
      await until(() => second.published.length === 5, 'the second process took over and published the next 5');
      expect(second.service.isRunning).toBe(true);
      const ids = [...first.published, ...second.published].map((e) => e.id);
      expect(new Set(ids).size).toBe(15);
    } finally {
      await first.service.beforeApplicationShutdown();
      await second.service.beforeApplicationShutdown();
      await first.checkpoints.close();
      await second.checkpoints.close();
      await store.close();
    }
  }, 60_000);
});
