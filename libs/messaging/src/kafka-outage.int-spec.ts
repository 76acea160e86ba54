import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORGANIZATION_STREAM_PREFIX, organizationStreamId } from '@roster/domain/events';
import { SqliteEventStore } from '@roster/event-store';
import type { CatchUpWorker } from '@roster/event-store/catch-up-worker';
import { InMemoryCheckpointStore } from '@roster/event-store/checkpoint-store.port';
import { startKafka, type KafkaServer } from '@roster/testing/servers';
import { toCloudEvents } from './cloud-events';
import { KafkaPublisher } from './kafka-publisher';
import { createPublishingWorker } from './publishing-worker';
import { allIdsRead, consumeUntil, orderProblems } from './testing/kafka-test-kit';
import { organizationEvents } from './testing/sample-events';

/**
 * Broker outages need a broker of this suite's own (stopping the shared one would break the
 * other suites): the harness starts one locally with java, restartable on the same port and
 * log directory. Docker is bypassed here because only the local broker supports restart().
 */
describe('KafkaPublisher across a broker outage and restart', () => {
  let kafka: KafkaServer;
  let dir: string;
  let store: SqliteEventStore;
  let publisher: KafkaPublisher;
  let worker: CatchUpWorker;
  const topic = `roster.test.${randomUUID()}`;
  const orgs = Array.from({ length: 6 }, () => randomUUID());
  const revisions = new Map<string, bigint>();

  /** Appends `count` events to every organization, as a command would (store only). */
  async function appendRound(count: number): Promise<void> {
    for (const org of orgs) {
      const last = revisions.get(org);
      const from = last === undefined ? 0 : Number(last) + 1;
      const result = await store.append(organizationStreamId(org), organizationEvents(org, count, from), last ?? 'no_stream');
      revisions.set(org, result.nextExpectedRevision);
    }
  }

  beforeAll(async () => {
    kafka = await startKafka({ env: { ...process.env, KAFKA_BROKERS: '', ROSTER_TEST_DOCKER: '0' } });
    if (!kafka.restart) throw new Error(`the harness cannot restart ${kafka.description}`);
    dir = mkdtempSync(join(tmpdir(), 'roster-outage-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    publisher = new KafkaPublisher({ brokers: kafka.brokers, topic, partitions: 3, log: () => undefined });
    worker = createPublishingWorker({
      store,
      checkpoints: new InMemoryCheckpointStore(),
      publisher,
      logger: { error: () => undefined, warn: () => undefined },
      retry: { initialDelayMs: 200, maxDelayMs: 2_000 },
    });
    await worker.start();
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await publisher?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await kafka?.stop();
  }, 60_000);

  it('keeps accepting appends while Kafka is down, then delivers everything in order per organization with the same producer', async () => {
    await appendRound(4);
    const beforeOutage = await store.headPosition();
    expect(await worker.waitForPosition(beforeOutage, 60_000)).toBe(true);

    await kafka.restart!(async () => {
      // Commands only touch the store: every append succeeds while the broker is down.
      await appendRound(5);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      // Nothing was acknowledged, so the checkpoint has not moved.
      expect(worker.position).toBe(beforeOutage);
      await appendRound(2);
    });

    // No manual action: the same worker and publisher resume once the broker answers.
    expect(await worker.waitForPosition(await store.headPosition(), 120_000)).toBe(true);
    await appendRound(3);
    expect(await worker.waitForPosition(await store.headPosition(), 60_000)).toBe(true);

    const ids = new Set<string>();
    for await (const event of store.readAll()) {
      if (event.streamId.startsWith(ORGANIZATION_STREAM_PREFIX)) for (const ce of toCloudEvents(event)) ids.add(ce.id);
    }
    const records = await consumeUntil(kafka.brokers, topic, allIdsRead(ids));
    expect(orderProblems(records)).toEqual([]);
    expect(new Set(records.map((r) => r.event.id))).toEqual(ids);
    // Every organization's whole history arrived: revisions 0..last, none missing.
    for (const org of orgs) {
      const seen = new Set(records.filter((r) => r.key === org).map((r) => Number(r.event.streamrevision)));
      expect(seen.size).toBe(Number(revisions.get(org)!) + 1);
    }
  });
});
