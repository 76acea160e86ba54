import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ORGANIZATION_STREAM_PREFIX, organizationStreamId } from '@roster/domain/events';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@roster/event-store';
import type { CatchUpWorker } from '@roster/event-store/catch-up-worker';
import { InMemoryCheckpointStore } from '@roster/event-store/checkpoint-store.port';
import { loadAsyncApi, validateCloudEvent } from './asyncapi-contract';
import { toCloudEvents } from './cloud-events';
import { KafkaPublisher } from './kafka-publisher';
import { createPublishingWorker, KAFKA_PUBLISHER_CHECKPOINT } from './publishing-worker';
import { allIdsRead, consumeUntil, orderProblems, requireKafkaBrokers, runConsumer, type ConsumedRecord } from './testing/kafka-test-kit';
import { organizationEvents, toAppend } from './testing/sample-events';

const quiet = { error: () => undefined, warn: () => undefined };
const quietLog = (): void => undefined;

/** Appends `perOrg` events to each organization, interleaving organizations, a few events per append. */
async function appendInterleaved(store: EventStore, orgs: readonly string[], perOrg: number, chunk = 3): Promise<void> {
  for (let start = 0; start < perOrg; start += chunk) {
    const count = Math.min(chunk, perOrg - start);
    await Promise.all(
      orgs.map((org) =>
        store.append(organizationStreamId(org), organizationEvents(org, count, start), start === 0 ? 'no_stream' : BigInt(start - 1)),
      ),
    );
  }
}

async function allRecorded(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

/** Every CloudEvents id the store's organization events must produce. */
async function expectedIds(store: EventStore): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const event of await allRecorded(store)) {
    if (!event.streamId.startsWith(ORGANIZATION_STREAM_PREFIX)) continue;
    for (const cloudEvent of toCloudEvents(event)) ids.add(cloudEvent.id);
  }
  return ids;
}


describe('KafkaPublisher against a real broker', () => {
  const brokers = requireKafkaBrokers();
  const asyncapi = loadAsyncApi();
  let dir: string;
  let store: SqliteEventStore;
  const workers: CatchUpWorker[] = [];
  const publishers: KafkaPublisher[] = [];

  function publisherFor(topic: string): KafkaPublisher {
    const publisher = new KafkaPublisher({ brokers, topic, partitions: 4, log: quietLog });
    publishers.push(publisher);
    return publisher;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-publisher-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    for (const publisher of publishers.splice(0)) await publisher.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the topic, and publishes every organization event in order per organization, conforming to asyncapi.json', async () => {
    const topic = `roster.test.${randomUUID()}`;
    const orgs = Array.from({ length: 12 }, () => randomUUID());
    await appendInterleaved(store, orgs, 10);
    // Not an organization stream: never published.
    await store.append(`idempotency-${randomUUID()}`, [toAppend({ type: 'OrganizationDeleted', data: { organizationId: 'nope', deletedBy: 'x' } })], 'no_stream');

    const checkpoints = new InMemoryCheckpointStore();
    const worker = createPublishingWorker({ store, checkpoints, publisher: publisherFor(topic), maxBatchSize: 25, logger: quiet });
    workers.push(worker);
    await worker.start();
    expect(await worker.waitForPosition(await store.headPosition(), 30_000)).toBe(true);

    const ids = await expectedIds(store);
    const records = await consumeUntil(brokers, topic, allIdsRead(ids));
    expect(orderProblems(records)).toEqual([]);
    expect(new Set(records.map((r) => r.key))).toEqual(new Set(orgs));
    expect(records.some((r) => r.key === 'nope')).toBe(false);
    for (const record of records) expect(validateCloudEvent(asyncapi, record.json)).toEqual([]);
    // One organization, one partition.
    for (const org of orgs) expect(new Set(records.filter((r) => r.key === org).map((r) => r.partition)).size).toBe(1);

    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    await admin.disconnect();
    expect(metadata.partitions).toHaveLength(4);
  });

  it('a publisher killed after Kafka acknowledged but before its checkpoint republishes that batch and skips nothing', async () => {
    const topic = `roster.test.${randomUUID()}`;
    const orgs = Array.from({ length: 5 }, () => randomUUID());
    await appendInterleaved(store, orgs, 9);
    const checkpoints = new InMemoryCheckpointStore();

    // First life: each batch reaches Kafka, then the process "dies" before the checkpoint.
    const doomed = publisherFor(topic);
    let sentBatches = 0;
    let firstBatchLast = 0n;
    const crashed = new Promise<void>((resolve) => {
      const worker = createPublishingWorker({
        store,
        checkpoints,
        publisher: {
          handle: async (batch: readonly RecordedEvent[]) => {
            await doomed.handle(batch);
            sentBatches += 1;
            firstBatchLast = batch[batch.length - 1].position;
            resolve();
            throw new Error('killed between produce and checkpoint');
          },
        } as unknown as KafkaPublisher,
        maxBatchSize: 10,
        logger: quiet,
        retry: { initialDelayMs: 60_000 },
      });
      workers.push(worker);
      void worker.start();
    });
    await crashed;
    await workers.pop()!.stop();
    await doomed.stop();
    expect(sentBatches).toBe(1);
    expect(await checkpoints.load(KAFKA_PUBLISHER_CHECKPOINT)).toBeUndefined();

    // Second life: a fresh publisher resumes from the stored checkpoint.
    const worker = createPublishingWorker({ store, checkpoints, publisher: publisherFor(topic), maxBatchSize: 10, logger: quiet });
    workers.push(worker);
    await worker.start();
    expect(await worker.waitForPosition(await store.headPosition(), 30_000)).toBe(true);

    const ids = await expectedIds(store);
    const records = await consumeUntil(brokers, topic, allIdsRead(ids));
    expect(orderProblems(records)).toEqual([]);
    // The first batch went out twice (same ids), everything else at least once.
    const firstBatch = records.filter((r) => BigInt(r.event.position) <= firstBatchLast);
    const counts = new Map<string, number>();
    for (const r of firstBatch) counts.set(r.event.id, (counts.get(r.event.id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
    expect(new Set(records.map((r) => r.event.id))).toEqual(ids);
  });

  it('a consumer deduplicating by CloudEvents id applies each effect exactly once despite redeliveries', async () => {
    const topic = `roster.test.${randomUUID()}`;
    const orgs = Array.from({ length: 4 }, () => randomUUID());
    await appendInterleaved(store, orgs, 12);
    const events = await allRecorded(store);
    const publisher = publisherFor(topic);
    // Producer-side duplicates: the same events published twice (what a crash before the checkpoint does).
    await publisher.handle(events.slice(0, 20));
    await publisher.handle(events);
    const ids = await expectedIds(store);

    // The service's own database: processed ids and access grants, updated together.
    const processed = new Set<string>();
    const applied = new Map<string, number>();
    const access = new Map<string, Set<string>>();
    let delivered = 0;
    const apply = (record: ConsumedRecord): void => {
      delivered += 1;
      const { event } = record;
      if (processed.has(event.id)) return;
      processed.add(event.id);
      applied.set(event.id, (applied.get(event.id) ?? 0) + 1);
      const data = event.data as { userId?: string; capabilities?: string[]; capabilitiesGranted?: string[]; capabilitiesRevoked?: string[] };
      const member = `${event.subject}/${data.userId}`;
      if (event.type === 'org.roster.member.joined.v1') access.set(member, new Set(data.capabilities));
      if (event.type === 'org.roster.member.role-changed.v1') {
        const current = access.get(member) ?? new Set<string>();
        for (const c of data.capabilitiesGranted ?? []) current.add(c);
        for (const c of data.capabilitiesRevoked ?? []) current.delete(c);
        access.set(member, current);
      }
    };

    // A service instance that crashes before committing its offsets, then a second one in the same group.
    const kafka = new Kafka({ clientId: 'dataset-service', brokers, logLevel: logLevel.NOTHING });
    const groupId = `dataset-service-${randomUUID()}`;
    const first = kafka.consumer({ groupId });
    // autoCommit off and never committed: this instance dies after 30 records, leaving no offsets.
    await new Promise<void>((resolve, reject) => {
      let seen = 0;
      runConsumer(
        first,
        topic,
        (record) => {
          if (seen >= 30) return;
          apply(record);
          seen += 1;
          if (seen === 30) resolve();
        },
        { autoCommit: false },
      ).catch(reject);
    });
    await first.disconnect();

    const second = kafka.consumer({ groupId });
    const done = new Promise<void>((resolve, reject) => {
      runConsumer(second, topic, (record) => {
        apply(record);
        if (processed.size === ids.size) resolve();
      }).catch(reject);
    });
    await done;
    await second.disconnect();

    expect(delivered).toBeGreaterThan(ids.size);
    expect(processed).toEqual(ids);
    expect([...applied.values()].every((n) => n === 1)).toBe(true);
    // The effect equals one application of each event: approved members were then promoted to editor.
    for (const org of orgs) {
      expect(access.get(`${org}/admin-${org.slice(0, 8)}`)).toContain('organization.delete');
      expect(access.get(`${org}/user-1`)).toContain('dataset.create');
      expect(access.get(`${org}/user-1`)).not.toContain('membership.invite');
    }
  });

  it('publishes a batch larger than the broker accepts in one request (one organization, large events) by splitting it in order', async () => {
    const topic = `roster.test.${randomUUID()}`;
    const org = randomUUID();
    const message = 'm'.repeat(1000);
    const events = [toAppend({ type: 'OrganizationCreated', data: { organizationId: org, name: 'Big', description: 'd', createdBy: 'admin' } })];
    for (let i = 1; i < 1000; i++) {
      events.push(toAppend({ type: 'JoinRequested', data: { organizationId: org, requestId: `r${i}`, userId: `u${i}`, message } }));
    }
    await store.append(organizationStreamId(org), events, 'no_stream');
    const publisher = publisherFor(topic);
    const batch = await allRecorded(store);
    const bytes = publisher.toMessages(batch).reduce((n, m) => n + Buffer.byteLength(m.value as string), 0);
    expect(bytes).toBeGreaterThan(1024 * 1024);
    await publisher.handle(batch);
    const records = await consumeUntil(brokers, topic, allIdsRead(await expectedIds(store)));
    expect(orderProblems(records)).toEqual([]);
    expect(records).toHaveLength(1001);
  });
});
