import type { EventStore } from '@roster/event-store';
import type { KafkaPublisher } from '@roster/messaging';
import type { RosterConfig } from '../config/roster-config';
import type { PublishingAdapters } from '../infrastructure/infrastructure.module';
import type { ReadModelsService } from '../queries/read-models.service';
import type { ConditionState, ReadinessCondition } from './readiness';

export interface ReadinessSources {
  readonly config: RosterConfig;
  readonly store: EventStore;
  readonly readModels: ReadModelsService;
  readonly publishing: PublishingAdapters | null;
}

/**
 * The one place that says what /health/ready checks in this process: add a condition here.
 * The event store answers and can record; the read models (when this process serves or
 * feeds them) are within ROSTER_READY_MAX_LAG_SECONDS of the store; Kafka answers when the
 * publisher runs here.
 */
export function readinessConditions({ config, store, readModels, publishing }: ReadinessSources): ReadinessCondition[] {
  const conditions: ReadinessCondition[] = [eventStoreAnswers(store, config.eventStore.kind), writerAlive(store)];
  if (config.run.has('api') || config.run.has('projections')) {
    conditions.push(readModelsWithinLag(store, readModels, config.readiness.maxLagSeconds));
    if (config.run.has('projections')) conditions.push(readModelsCaughtUp(readModels));
  }
  if (publishing) conditions.push(kafkaReachable(publishing.publisher));
  return conditions;
}

export function eventStoreAnswers(store: EventStore, kind: string): ReadinessCondition {
  return {
    name: 'eventStore',
    async check(): Promise<ConditionState> {
      const head = await store.headPosition();
      return { ready: true, figures: { kind, headPosition: head.toString() } };
    },
  };
}

/** Reads may work while appends cannot (the embedded store's writer thread stopped for good). */
export function writerAlive(store: EventStore): ReadinessCondition {
  return {
    name: 'writer',
    async check(): Promise<ConditionState> {
      const health = store.health();
      return health.writable
        ? { ready: true, figures: { writable: true } }
        : { ready: false, detail: health.detail, figures: { writable: false, code: health.code } };
    },
  };
}

/**
 * Lag in seconds, whatever the store's positions look like (EventStoreDB's have gaps): the age
 * of the oldest event the read models have not applied yet, 0 when they are at the head.
 */
export function readModelsWithinLag(store: EventStore, readModels: ReadModelsService, maxLagSeconds: number, now: () => number = Date.now): ReadinessCondition {
  return {
    name: 'readModels',
    async check(): Promise<ConditionState> {
      const [head, position] = await Promise.all([store.headPosition(), readModels.readPosition()]);
      let lagSeconds = 0;
      if (position < head) {
        for await (const oldest of store.readAll({ fromPosition: position, maxCount: 1 })) {
          lagSeconds = Math.max(0, (now() - oldest.recordedAt.getTime()) / 1000);
        }
      }
      const figures = { position: position.toString(), headPosition: head.toString(), lagSeconds, maxLagSeconds };
      return lagSeconds <= maxLagSeconds
        ? { ready: true, figures }
        : { ready: false, detail: `the read models are ${lagSeconds.toFixed(3)} s behind the event store (at most ${maxLagSeconds} s)`, figures };
    },
  };
}

/**
 * The projection of this process replays the store from its checkpoint at start (the whole
 * store when the read models are embedded): not ready until it has reached the head the store
 * had then, whatever the events' age. The port is open meanwhile: /health answers.
 */
export function readModelsCaughtUp(readModels: Pick<ReadModelsService, 'catchUp'>): ReadinessCondition {
  return {
    name: 'catchUp',
    async check(): Promise<ConditionState> {
      const state = readModels.catchUp();
      if (state === undefined) return { ready: true, figures: { catchingUp: false } };
      const figures = { catchingUp: !state.done, position: state.position.toString(), startHeadPosition: state.startHead.toString() };
      return state.done
        ? { ready: true, figures }
        : { ready: false, detail: `catching up: the read models are at position ${state.position} of ${state.startHead}, the store's head at start`, figures };
    },
  };
}

export function kafkaReachable(publisher: KafkaPublisher): ReadinessCondition {
  return {
    name: 'kafka',
    async check(): Promise<ConditionState> {
      try {
        const cluster = await publisher.describeCluster();
        return { ready: true, figures: { topic: publisher.topic, brokers: cluster.brokers } };
      } catch {
        return { ready: false, detail: 'the Kafka brokers do not answer', figures: { topic: publisher.topic, brokers: 0 } };
      }
    },
  };
}
