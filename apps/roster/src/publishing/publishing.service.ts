import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CatchUpWorker, EVENT_STORE, type EventStore } from '@roster/event-store';
import { createPublishingWorker, KAFKA_PUBLISHER_CHECKPOINT } from '@roster/messaging';
import { LeasedWorker, ProjectionLease } from '@roster/read-models';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { PUBLISHING_ADAPTERS, type PublishingAdapters } from '../infrastructure/infrastructure.module';
import { RosterMetrics } from '../metrics/roster-metrics';

/**
 * Runs the Kafka publisher when KAFKA_BROKERS is set and ROSTER_RUN includes `publisher`
 * (in the API process or alone). Of several such processes, the one holding the publisher's
 * lease publishes, and another takes over within the lease's time to live when it stops.
 * Start-up never waits for Kafka, so a broker outage delays publishing and nothing else.
 */
const STOP_GRACE_MS = 5_000;
const LEASE_TTL_MS = 15_000;

@Injectable()
export class PublishingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KafkaPublisher');
  private worker: CatchUpWorker | undefined;
  private leased: LeasedWorker | undefined;

  constructor(
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PUBLISHING_ADAPTERS) private readonly adapters: PublishingAdapters | null,
    private readonly metrics: RosterMetrics,
  ) {}

  /** True while this process holds the publisher's lease and publishes. */
  get isRunning(): boolean {
    return this.worker?.isRunning ?? false;
  }

  /** Position of the last event acknowledged by Kafka and checkpointed. */
  get position(): bigint | undefined {
    return this.worker?.position;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.adapters) return;
    const { publisher, checkpoints, checkpointsDescription } = this.adapters;
    const lease = new ProjectionLease({
      leases: checkpoints,
      name: KAFKA_PUBLISHER_CHECKPOINT,
      holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      ttlMs: LEASE_TTL_MS,
    });
    this.worker = createPublishingWorker({
      store: this.store,
      checkpoints,
      publisher,
      logger: this.logger,
      holdsLease: () => lease.holds(),
      onBatch: this.metrics.batches('publisher'),
    });
    // Reported by the copy that publishes: a copy standing by knows no position of its own.
    this.metrics.follow('publisher', () => (this.isRunning ? this.position : undefined));
    this.leased = new LeasedWorker({ worker: this.worker, lease, label: 'Kafka publisher', ttlMs: LEASE_TTL_MS, logger: this.logger });
    await this.leased.start();
    const kafka = this.config.kafka!;
    // Names the mechanism and user, never the password.
    const security = `${kafka.ssl ? 'TLS' : 'plaintext'}${kafka.sasl ? `, SASL ${kafka.sasl.mechanism} as ${kafka.sasl.username}` : ''}`;
    this.logger.log(
      `Publishing to ${kafka.topic} on ${kafka.brokers.join(',')} (${security}) ${this.isRunning ? 'from' : 'when the lease is free, with'} checkpoint ${checkpointsDescription}`,
    );
  }

  /**
   * Before the event store closes: the batch in progress finishes and is checkpointed; if
   * Kafka is unreachable, the send is abandoned after a grace period so shutdown does not
   * wait out the producer's retries (that batch is republished on the next start).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const publisher = this.adapters?.publisher;
    const abandon = setTimeout(() => void publisher?.stop(), STOP_GRACE_MS);
    try {
      await this.leased?.stop();
    } finally {
      clearTimeout(abandon);
    }
    await publisher?.stop();
    this.worker = undefined;
  }
}
