import type { EventStore } from '@roster/event-store';
import { CatchUpWorker, type BatchObserver, type CatchUpWorkerLogger } from '@roster/event-store/catch-up-worker';
import type { CheckpointStore } from '@roster/event-store/checkpoint-store.port';
import type { KafkaPublisher } from './kafka-publisher';

/** Checkpoint name of the Kafka publisher. */
export const KAFKA_PUBLISHER_CHECKPOINT = 'kafka-publisher';

export interface PublishingWorkerOptions {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly publisher: KafkaPublisher;
  readonly name?: string;
  readonly maxBatchSize?: number;
  readonly logger?: CatchUpWorkerLogger;
  /** When several processes may publish: publish only while this returns true (the publisher's lease). */
  readonly holdsLease?: () => boolean;
  /** Told of each batch Kafka acknowledged and that was checkpointed (metrics). */
  readonly onBatch?: BatchObserver;
  /** Backoff after a failed batch (defaults 200 ms doubling to 5 s, so publishing resumes soon after Kafka returns). */
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
}

/**
 * The event store as outbox: a catch-up worker whose handler is the Kafka publisher. The
 * checkpoint is saved only after Kafka acknowledged the batch, so a crash between the two
 * republishes the batch (consumers deduplicate by CloudEvents id) and never skips one.
 */
export function createPublishingWorker(options: PublishingWorkerOptions): CatchUpWorker {
  return new CatchUpWorker({
    name: options.name ?? KAFKA_PUBLISHER_CHECKPOINT,
    store: options.store,
    checkpoints: options.checkpoints,
    handle: (batch) => options.publisher.handle(batch),
    maxBatchSize: options.maxBatchSize ?? 500,
    logger: options.logger,
    holdsLease: options.holdsLease,
    onBatch: options.onBatch,
    retry: { initialDelayMs: options.retry?.initialDelayMs ?? 200, maxDelayMs: options.retry?.maxDelayMs ?? 5_000 },
  });
}
