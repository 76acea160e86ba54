import { Kafka, logLevel, type Admin, type KafkaConfig, type LogEntry, type Message, type Producer, type ProducerConfig } from 'kafkajs';
import { ORGANIZATION_STREAM_PREFIX } from '@roster/domain/events';
import type { RecordedEvent } from '@roster/event-store';
import { ROSTER_EVENT_SOURCE, toCloudEvents, toKafkaMessage, type ToCloudEventsOptions } from './cloud-events';

export const DEFAULT_ROSTER_TOPIC = 'roster.membership.v1';

export interface KafkaPublisherOptions {
  readonly brokers: readonly string[];
  /** Default `roster.membership.v1`. */
  readonly topic?: string;
  readonly clientId?: string;
  /** TLS to the brokers (`true`: the system's CAs) and SASL credentials, as kafkajs takes them. */
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
  /** CloudEvents `source` (default `/roster`). */
  readonly source?: string;
  /** Partitions when the topic is created here (default 6); an existing topic is left as it is. */
  readonly partitions?: number;
  /** Replication factor when the topic is created here (default: the broker's default). */
  readonly replicationFactor?: number;
  /**
   * Largest total of message values per produce request (default 768 KiB, leaving room
   * for record overhead), so a batch of large events for one organization (one partition)
   * stays under the broker's message.max.bytes (1 MiB by default) instead of being refused
   * again at every retry.
   */
  readonly maxSendBytes?: number;
  /** Where kafkajs log lines go (default: warnings and errors to console.warn/console.error). */
  readonly log?: (level: 'error' | 'warn' | 'info', message: string) => void;
}

/**
 * The producer settings the publisher uses, shared with the benchmark's raw baseline.
 * Idempotent (producer id + sequence numbers: the broker drops retried duplicates of one
 * session), acks=all, one request in flight so retries cannot reorder a partition.
 * Retries are bounded, unlike kafkajs's idempotent default (forever): a send that keeps
 * failing hands control back to the catch-up worker, whose backoff retries the batch with
 * a fresh producer; any duplicate this makes carries the same CloudEvents id.
 */
export const PUBLISHER_PRODUCER_CONFIG: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3_000 },
};

export const PUBLISHER_CLIENT_CONFIG: Omit<KafkaConfig, 'brokers' | 'clientId'> = {
  connectionTimeout: 3_000,
  requestTimeout: 30_000,
  retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3_000 },
};

/** kafkajs's warning when retries are bounded; expected here (see PUBLISHER_PRODUCER_CONFIG). */
const EXPECTED_WARNING = 'Limiting retries for the idempotent producer';

/**
 * Relays recorded events to Kafka; driven by a CatchUpWorker whose checkpoint is saved
 * only after `handle` resolved, so it is the outbox relay: `handle` resolves only once the
 * broker acknowledged every message of the batch (acks=all), and throws otherwise.
 * Nothing here is on a command's path: a Kafka outage only delays publishing.
 */
export class KafkaPublisher {
  readonly topic: string;
  private readonly maxSendBytes: number;
  private readonly kafka: Kafka;
  private readonly mapping: ToCloudEventsOptions;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private topicReady = false;
  private stopped = false;
  private signalStop: (reason: Error) => void = () => undefined;
  private readonly stopping = new Promise<never>((_, reject) => {
    this.signalStop = reject;
  });

  constructor(private readonly options: KafkaPublisherOptions) {
    this.stopping.catch(() => undefined);
    this.topic = options.topic ?? DEFAULT_ROSTER_TOPIC;
    this.maxSendBytes = options.maxSendBytes ?? 768 * 1024;
    this.mapping = { source: options.source ?? ROSTER_EVENT_SOURCE };
    const log = options.log ?? defaultLog;
    this.kafka = new Kafka({
      ...PUBLISHER_CLIENT_CONFIG,
      clientId: options.clientId ?? 'roster-publisher',
      brokers: [...options.brokers],
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          if (entry.message.startsWith(EXPECTED_WARNING)) return;
          const text = `kafkajs ${entry.message}${entry.error ? `: ${entry.error}` : ''}`;
          log(level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info', text);
        },
    });
  }

  /** The Kafka messages of a batch: organization streams only, in position order. */
  toMessages(batch: readonly RecordedEvent[]): Message[] {
    const messages: Message[] = [];
    for (const event of batch) {
      if (!event.streamId.startsWith(ORGANIZATION_STREAM_PREFIX)) continue;
      for (const cloudEvent of toCloudEvents(event, this.mapping)) messages.push(toKafkaMessage(cloudEvent));
    }
    return messages;
  }

  /**
   * Sends the batch and resolves after the broker acknowledged all of it. On failure the
   * producer is discarded, so the retry starts from a clean connection and producer id.
   */
  async handle(batch: readonly RecordedEvent[]): Promise<void> {
    const messages = this.toMessages(batch);
    if (messages.length === 0) return;
    if (this.stopped) throw new Error('KafkaPublisher is stopped');
    try {
      // stop() settles the race at once: kafkajs cannot cancel a request to a hung broker,
      // and the abandoned batch is not checkpointed, so it is simply published again later.
      await Promise.race([this.send(messages), this.stopping]);
    } catch (error) {
      // Also re-checks the topic next time, in case it was deleted under us.
      this.topicReady = false;
      await this.discardProducer();
      throw error;
    }
  }

  private async send(messages: Message[]): Promise<void> {
    await this.ensureTopic();
    const producer = await this.connectedProducer();
    // One request at a time, in order: a later chunk never overtakes an earlier one.
    for (const chunk of chunkBySize(messages, this.maxSendBytes)) {
      await producer.send({ topic: this.topic, messages: chunk, acks: -1 });
    }
  }

  /** Creates the topic when absent (idempotent; concurrent creators are fine). */
  async ensureTopic(): Promise<void> {
    if (this.topicReady) return;
    const admin = this.kafka.admin();
    this.admin = admin;
    try {
      await admin.connect();
      const existing = await admin.listTopics();
      if (!existing.includes(this.topic)) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: this.topic,
              numPartitions: this.options.partitions ?? 6,
              replicationFactor: this.options.replicationFactor ?? -1,
            },
          ],
        });
      }
      this.topicReady = true;
    } finally {
      if (this.admin === admin) this.admin = undefined;
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Whether the brokers answer now (readiness): one attempt, no retries, on a connection of its own. */
  async describeCluster(): Promise<{ brokers: number }> {
    const admin = this.kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return { brokers: cluster.brokers.length };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Disconnects; a send in flight fails (its batch is not checkpointed and will be republished). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStop(new Error('KafkaPublisher stopped while a batch was in flight'));
    await this.discardProducer();
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    // Kept before connecting, so stop() can abandon a connection attempt to a dead broker.
    const producer = this.kafka.producer(PUBLISHER_PRODUCER_CONFIG);
    this.producer = producer;
    await producer.connect();
    if (this.stopped) throw new Error('KafkaPublisher is stopped');
    return producer;
  }

  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    const admin = this.admin;
    this.producer = undefined;
    this.admin = undefined;
    await Promise.all([producer?.disconnect().catch(() => undefined), admin?.disconnect().catch(() => undefined)]);
  }
}

/** Splits messages, in order, into runs whose values total at most `maxBytes` (at least one message each). */
export function chunkBySize(messages: readonly Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = message.value === null ? 0 : typeof message.value === 'string' ? Buffer.byteLength(message.value) : message.value.length;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function defaultLog(level: 'error' | 'warn' | 'info', message: string): void {
  if (level === 'error') console.error(message);
  else if (level === 'warn') console.warn(message);
}
