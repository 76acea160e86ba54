import { join } from 'node:path';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CatchUpWorker, EVENT_STORE, SqliteCheckpointStore, type CheckpointStore, type EventStore } from '@roster/event-store';
import { createPublishingWorker, KafkaPublisher } from '@roster/messaging';
import { MongoCheckpointStore, MongoDocumentStore } from '@roster/read-models';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';

/**
 * Runs the Kafka publisher when KAFKA_BROKERS is set and ROSTER_RUN includes `publisher`
 * (in the API process or alone). Start-up never waits for Kafka: the worker connects in
 * the background and retries, so a broker outage delays publishing and nothing else.
 * Checkpoint: beside the read models in MongoDB when MONGODB_URL is set (shared by every
 * instance), else `${ROSTER_DATA_DIR}/checkpoints.sqlite`.
 */
const STOP_GRACE_MS = 5_000;

@Injectable()
export class PublishingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KafkaPublisher');
  private worker: CatchUpWorker | undefined;
  private publisher: KafkaPublisher | undefined;
  private closeCheckpoints: (() => Promise<void>) | undefined;

  constructor(
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  get isRunning(): boolean {
    return this.worker?.isRunning ?? false;
  }

  /** Position of the last event acknowledged by Kafka and checkpointed. */
  get position(): bigint | undefined {
    return this.worker?.position;
  }

  async onApplicationBootstrap(): Promise<void> {
    const kafka = this.config.kafka;
    if (!kafka || !this.config.run.has('publisher')) return;
    const checkpoints = await this.openCheckpoints();
    this.publisher = new KafkaPublisher({
      brokers: kafka.brokers,
      topic: kafka.topic,
      clientId: 'roster-publisher',
      ssl: kafka.ssl,
      sasl: kafka.sasl,
      log: (level, message) => (level === 'error' ? this.logger.error(message) : level === 'warn' ? this.logger.warn(message) : this.logger.log(message)),
    });
    this.worker = createPublishingWorker({ store: this.store, checkpoints, publisher: this.publisher, logger: this.logger });
    await this.worker.start();
    // Names the mechanism and user, never the password.
    const security = `${kafka.ssl ? 'TLS' : 'plaintext'}${kafka.sasl ? `, SASL ${kafka.sasl.mechanism} as ${kafka.sasl.username}` : ''}`;
    this.logger.log(`Publishing to ${kafka.topic} on ${kafka.brokers.join(',')} (${security}) from checkpoint ${this.describeCheckpoints()}`);
  }

  /**
   * Before the event store closes: the batch in progress finishes and is checkpointed; if
   * Kafka is unreachable, the send is abandoned after a grace period so shutdown does not
   * wait out the producer's retries (that batch is republished on the next start).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const abandon = setTimeout(() => void this.publisher?.stop(), STOP_GRACE_MS);
    try {
      await this.worker?.stop();
    } finally {
      clearTimeout(abandon);
    }
    await this.publisher?.stop();
    await this.closeCheckpoints?.();
    this.worker = undefined;
  }

  private async openCheckpoints(): Promise<CheckpointStore> {
    if (this.config.mongo) {
      const documents = await MongoDocumentStore.connect(this.config.mongo);
      this.closeCheckpoints = () => documents.close();
      return new MongoCheckpointStore(documents);
    }
    const sqlite = new SqliteCheckpointStore({ path: join(this.config.dataDir, 'checkpoints.sqlite') });
    this.closeCheckpoints = () => sqlite.close();
    return sqlite;
  }

  private describeCheckpoints(): string {
    return this.config.mongo ? `MongoDB (${this.config.mongo.database}.checkpoints)` : join(this.config.dataDir, 'checkpoints.sqlite');
  }
}
