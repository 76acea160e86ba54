/**
 * `npm run bench:publish`: the Kafka relay (event store -> CatchUpWorker -> KafkaPublisher),
 * with its baseline measured in the same run, printed as ONE JSON line on stdout (progress
 * goes to stderr). Kafka: KAFKA_BROKERS when set, else the test harness starts one.
 *
 * - relay_events_per_s: Kafka messages (CloudEvents) per second relayed from a SQLite store
 *   preloaded with PRELOAD_EVENTS organization events, from checkpoint 0 to the head, with
 *   the production settings (SQLite checkpoint saved per batch of 500, acks=all, idempotent).
 *   relay_store_events_per_s counts the same run in store events (one store event maps to
 *   one or two messages).
 * - baseline_sendbatch_per_s: the very same messages (pre-serialised, same batches) sent with
 *   raw kafkajs producer.sendBatch and the same producer settings, awaiting each batch.
 *   Each side runs ROUNDS times, alternating, on fresh topics of the same partition count;
 *   the best round of each is reported.
 * - lag_p50_ms / lag_p99_ms: from the start of an append to the broker's acknowledgement of
 *   the batch holding it, while one-event commands are appended to the store at half the peak
 *   command rate. Commands come from a child process (as from the API process), so the relay
 *   (this process, as with ROSTER_RUN=publisher) sees them through the store's cross-process
 *   subscription. peak_command_rate_per_s: one-event appends per second by that child with
 *   COMMAND_WRITERS concurrent writers, measured first in the same run; real commands (HTTP,
 *   auth, decide) cannot go faster than their append, so this peak is an upper bound.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { organizationStreamId } from '@roster/domain';
import { SqliteCheckpointStore, SqliteEventStore, type RecordedEvent } from '@roster/event-store';
import { createPublishingWorker, KafkaPublisher, PUBLISHER_CLIENT_CONFIG, PUBLISHER_PRODUCER_CONFIG } from '@roster/messaging';
import { organizationEvent, organizationEvents, toAppend } from '@roster/messaging/testing/sample-events';
import { percentile, startKafka } from '@roster/testing';

const ORGANIZATIONS = 300;
const PRELOAD_EVENTS = 30_000;
const BATCH = 500;
const PARTITIONS = 6;
const ROUNDS = 3;
const COMMAND_WRITERS = 64;
const PEAK_S = 4;
const LAG_S = 10;
const LAG_ORGANIZATIONS = 1_000;

const log = (message: string) => process.stderr.write(`[bench:publish] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = { error: (m: string) => log(`worker: ${m}`), warn: () => undefined };

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function main(): Promise<void> {
  const kafkaServer = await startKafka({ log });
  log(`Kafka: ${kafkaServer.description}`);
  const brokers = kafkaServer.brokers;
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-publish-'));
  const storePath = join(dir, 'events.sqlite');
  const store = new SqliteEventStore({ path: storePath });
  let driver: Driver | undefined;
  const checkpoints = new SqliteCheckpointStore({ path: join(dir, 'checkpoints.sqlite') });
  const kafka = new Kafka({ ...PUBLISHER_CLIENT_CONFIG, clientId: 'bench-baseline', brokers, logLevel: logLevel.ERROR });
  try {
    // Preload: every organization gets the same share of a realistic history.
    const orgs = Array.from({ length: ORGANIZATIONS }, () => randomUUID());
    const perOrg = Math.ceil(PRELOAD_EVENTS / ORGANIZATIONS);
    for (const org of orgs) {
      for (let start = 0; start < perOrg; start += 50) {
        await store.append(organizationStreamId(org), organizationEvents(org, Math.min(50, perOrg - start), start), start === 0 ? 'no_stream' : BigInt(start - 1));
      }
    }
    const head = await store.headPosition();
    const storeEvents = ORGANIZATIONS * perOrg;
    log(`preloaded ${storeEvents} events in ${ORGANIZATIONS} organizations`);

    // The exact messages the relay produces, in the worker's batches, for the baseline.
    const mapper = new KafkaPublisher({ brokers, log: () => undefined });
    const batches: Message[][] = [];
    let chunk: RecordedEvent[] = [];
    for await (const event of store.readAll()) {
      chunk.push(event);
      if (chunk.length === BATCH) {
        batches.push(mapper.toMessages(chunk));
        chunk = [];
      }
    }
    if (chunk.length > 0) batches.push(mapper.toMessages(chunk));
    const messageCount = batches.reduce((n, b) => n + b.length, 0);
    const bytes = batches.reduce((n, b) => n + b.reduce((m, msg) => m + Buffer.byteLength(msg.value as string), 0), 0);
    log(`${messageCount} messages, ${Math.round(bytes / messageCount)} bytes on average`);

    const relayRates: number[] = [];
    const baselineRates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      baselineRates.push(await baseline(kafka, batches, messageCount));
      log(`round ${r + 1}: raw sendBatch ${Math.round(baselineRates[r])} msg/s`);
      relayRates.push(await relay(brokers, store, checkpoints, head, messageCount));
      log(`round ${r + 1}: relay ${Math.round(relayRates[r])} msg/s`);
    }
    const relayBest = Math.max(...relayRates);
    const baselineBest = Math.max(...baselineRates);

    driver = Driver.start(storePath);
    const { count } = await driver.ask<Extract<DriverReply, { mode: 'peak' }>>({ mode: 'peak', seconds: PEAK_S });
    const peak = count / PEAK_S;
    log(`peak command rate ${Math.round(peak)} appends/s (${COMMAND_WRITERS} writers, child process)`);
    const lag = await lagAtRate(brokers, store, checkpoints, driver, peak / 2);
    log(`lag at ${Math.round(peak / 2)} commands/s: p50 ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms over ${lag.count} events`);

    const result = {
      bench: 'publish',
      kafka: kafkaServer.description,
      messages: messageCount,
      store_events: storeEvents,
      avg_message_bytes: Math.round(bytes / messageCount),
      batch_size: BATCH,
      partitions: PARTITIONS,
      relay_events_per_s: Math.round(relayBest),
      relay_store_events_per_s: Math.round((relayBest * storeEvents) / messageCount),
      baseline_sendbatch_per_s: Math.round(baselineBest),
      ratio_vs_sendbatch: round(relayBest / baselineBest, 3),
      peak_command_rate_per_s: Math.round(peak),
      lag_command_rate_per_s: Math.round(lag.achievedRate),
      lag_events: lag.count,
      lag_p50_ms: round(lag.p50),
      lag_p99_ms: round(lag.p99),
      target_ratio_met: relayBest / baselineBest >= 0.5,
      target_lag_p99_met: lag.p99 < 1000,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    driver?.stop();
    await checkpoints.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await kafkaServer.stop();
  }
}

async function freshTopic(kafka: Kafka): Promise<string> {
  const topic = `bench.publish.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  return topic;
}

/** Raw kafkajs: the same messages, same batches, same producer settings, one batch at a time. */
async function baseline(kafka: Kafka, batches: readonly Message[][], messageCount: number): Promise<number> {
  const topic = await freshTopic(kafka);
  const producer = kafka.producer(PUBLISHER_PRODUCER_CONFIG);
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'warm-up', value: 'warm-up' }], acks: -1 });
  const started = performance.now();
  for (const messages of batches) await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return messageCount / seconds;
}

/** The production relay from checkpoint 0 to `head`. */
async function relay(brokers: string[], store: SqliteEventStore, checkpoints: SqliteCheckpointStore, head: bigint, messageCount: number): Promise<number> {
  const topic = `bench.publish.${randomUUID()}`;
  const publisher = new KafkaPublisher({ brokers, topic, partitions: PARTITIONS, log: () => undefined });
  await publisher.ensureTopic();
  // Warm-up (connection and producer id), as the baseline's first send.
  await publisher.handle([warmUpEvent()]);
  const worker = createPublishingWorker({ store, checkpoints, publisher, name: `bench-${topic}`, maxBatchSize: BATCH, logger: quiet });
  const started = performance.now();
  await worker.start();
  if (!(await worker.waitForPosition(head, 600_000))) throw new Error('relay did not reach the head');
  const seconds = (performance.now() - started) / 1000;
  await worker.stop();
  await publisher.stop();
  return messageCount / seconds;
}

function warmUpEvent(): RecordedEvent {
  const org = randomUUID();
  const append = toAppend(organizationEvent(org, 0));
  return { ...append, streamId: organizationStreamId(org), revision: 0n, position: 0n, recordedAt: new Date() };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

type DriverRequest = { mode: 'peak'; seconds: number } | { mode: 'rate'; seconds: number; rate: number };
type DriverReply = { mode: 'peak'; count: number } | { mode: 'rate'; issued: number; elapsed: number; startedAt: [string, number][] };

/** The command driver: a child process appending one-event commands to the same store file. */
class Driver {
  private constructor(private readonly child: ChildProcess) {}

  static start(storePath: string): Driver {
    return new Driver(fork(__filename, ['--driver', storePath], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  }

  ask<R extends DriverReply>(request: DriverRequest): Promise<R> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (reply) => resolve(reply as R));
      this.child.once('exit', (code) => reject(new Error(`driver exited with ${code}`)));
      this.child.send(request);
    });
  }

  stop(): void {
    this.child.kill();
  }
}

async function runDriver(storePath: string): Promise<void> {
  const store = new SqliteEventStore({ path: storePath });
  const orgs = Array.from({ length: LAG_ORGANIZATIONS }, () => randomUUID());
  const command = (i: number, startedAt?: Map<string, number>) => {
    const org = orgs[i % orgs.length];
    const event = toAppend(organizationEvent(org, 1 + (i % 3)));
    startedAt?.set(event.id, now());
    return store.append(organizationStreamId(org), [event], 'any');
  };
  process.on('message', async (request: DriverRequest) => {
    if (request.mode === 'peak') {
      // Closed loop: COMMAND_WRITERS writers, each issuing its next command as soon as one is done.
      let count = 0;
      const deadline = performance.now() + request.seconds * 1000;
      await Promise.all(
        Array.from({ length: COMMAND_WRITERS }, async (_, writer) => {
          for (let i = writer; performance.now() < deadline; i += COMMAND_WRITERS) {
            await command(i);
            count += 1;
          }
        }),
      );
      process.send!({ mode: 'peak', count } satisfies DriverReply);
      return;
    }
    // Open loop: each 5 ms tick issues whatever the schedule says is due, without waiting.
    const startedAt = new Map<string, number>();
    const pending: Promise<unknown>[] = [];
    const began = performance.now();
    let issued = 0;
    while (performance.now() - began < request.seconds * 1000) {
      const due = Math.floor(((performance.now() - began) / 1000) * request.rate);
      for (; issued < due; issued++) pending.push(command(issued, startedAt));
      await sleep(5);
    }
    const elapsed = (performance.now() - began) / 1000;
    await Promise.all(pending);
    process.send!({ mode: 'rate', issued, elapsed, startedAt: [...startedAt] } satisfies DriverReply);
  });
}

/** Appends at `rate` per second for LAG_S seconds from the driver with the relay live; lag = append start -> Kafka ack. */
async function lagAtRate(brokers: string[], store: SqliteEventStore, checkpoints: SqliteCheckpointStore, driver: Driver, rate: number) {
  const topic = `bench.publish.${randomUUID()}`;
  const publisher = new KafkaPublisher({ brokers, topic, partitions: PARTITIONS, log: () => undefined });
  await publisher.ensureTopic();
  await publisher.handle([warmUpEvent()]);
  const name = `bench-lag-${topic}`;
  await checkpoints.save(name, await store.headPosition());
  const ackedAt = new Map<string, number>();
  const worker = createPublishingWorker({
    store,
    checkpoints,
    name,
    maxBatchSize: BATCH,
    logger: quiet,
    publisher: {
      handle: async (batch: readonly RecordedEvent[]) => {
        await publisher.handle(batch);
        const acked = now();
        for (const event of batch) ackedAt.set(event.id, acked);
      },
    } as unknown as KafkaPublisher,
  });
  await worker.start();
  const reply = await driver.ask<Extract<DriverReply, { mode: 'rate' }>>({ mode: 'rate', seconds: LAG_S, rate });
  if (!(await worker.waitForPosition(await store.headPosition(), 120_000))) throw new Error('relay did not catch up');
  await worker.stop();
  await publisher.stop();
  const lags = reply.startedAt.map(([id, started]) => {
    const acked = ackedAt.get(id);
    if (acked === undefined) throw new Error(`event ${id} was never acknowledged`);
    return acked - started;
  });
  lags.sort((a, b) => a - b);
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), count: lags.length, achievedRate: reply.issued / reply.elapsed };
}

if (process.argv[2] === '--driver') {
  runDriver(process.argv[3]).catch((error: unknown) => {
    process.stderr.write(`[bench:publish] driver failed: ${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`[bench:publish] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
