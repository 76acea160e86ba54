import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { fromKafkaMessage, type RosterCloudEvent } from '../cloud-events';

/** KAFKA_BROKERS, required: a Kafka test fails (never skips) without a broker. */
export function requireKafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: the integration setup (test/global-setup.ts) provides a broker');
  return brokers;
}

export interface ConsumedRecord {
  readonly key: string;
  readonly partition: number;
  readonly offset: string;
  /** The record value parsed as JSON (the structured CloudEvent as produced). */
  readonly json: Record<string, unknown>;
  readonly event: RosterCloudEvent;
  /** The record's headers, as text. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `done` holds for the
 * records read so far, or fails after `timeoutMs`.
 */
export async function consumeUntil(
  brokers: readonly string[],
  topic: string,
  done: (records: readonly ConsumedRecord[]) => boolean,
  timeoutMs = 60_000,
): Promise<ConsumedRecord[]> {
  await waitForTopic(brokers, topic, timeoutMs);
  const records: ConsumedRecord[] = [];
  const consumer = new Kafka({ clientId: 'roster-test-consumer', brokers: [...brokers], logLevel: logLevel.NOTHING }).consumer({
    groupId: `test-${randomUUID()}`,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumed ${records.length} records from ${topic} in ${timeoutMs} ms without reaching the expected set`)),
        timeoutMs,
      );
      const check = (): void => {
        if (done(records)) {
          clearTimeout(timer);
          resolve();
        }
      };
      runConsumer(consumer, topic, (record) => {
        records.push(record);
        check();
      }).catch((error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return records;
}

/** A `done` predicate for consumeUntil: every id of `ids` was read (checked incrementally). */
export function allIdsRead(ids: ReadonlySet<string>): (records: readonly ConsumedRecord[]) => boolean {
  const missing = new Set(ids);
  let checked = 0;
  return (records) => {
    for (; checked < records.length; checked++) missing.delete(records[checked].event.id);
    return missing.size === 0;
  };
}

/** Waits until `topic` exists (the publisher creates it on its first batch). */
export async function waitForTopic(brokers: readonly string[], topic: string, timeoutMs = 60_000): Promise<void> {
  const admin = new Kafka({ clientId: 'roster-test-admin', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await admin.listTopics()).includes(topic)) {
      if (Date.now() > deadline) throw new Error(`topic ${topic} was not created within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

export async function runConsumer(
  consumer: Consumer,
  topic: string,
  onRecord: (record: ConsumedRecord) => void | Promise<void>,
  options: { autoCommit?: boolean } = {},
): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: options.autoCommit ?? true,
    eachMessage: async ({ partition, message }) => {
      const value = message.value?.toString('utf8') ?? '';
      await onRecord({
        key: message.key?.toString('utf8') ?? '',
        partition,
        offset: message.offset,
        json: JSON.parse(value) as Record<string, unknown>,
        event: fromKafkaMessage({ key: message.key, value: message.value, headers: message.headers }),
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, header]) => [name, String(header)])),
      });
    },
  });
}

/**
 * Per organization (key), the first occurrences of each id must come in stream order:
 * duplicates may appear anywhere after the original, but nothing may overtake. Returns the
 * problems found, empty when in order.
 */
export function orderProblems(records: readonly ConsumedRecord[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const lastRevision = new Map<string, bigint>();
  for (const { key, event } of records) {
    if (key !== event.subject) problems.push(`record key ${key} differs from subject ${event.subject}`);
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const revision = BigInt(event.streamrevision);
    const last = lastRevision.get(key);
    if (last !== undefined && revision < last) problems.push(`${key}: revision ${revision} (${event.type}) after ${last}`);
    lastRevision.set(key, revision);
  }
  return problems;
}
