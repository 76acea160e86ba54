import { join } from 'node:path';
import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import {
  EVENT_STORE,
  PersonalDataEventStore,
  SqliteCheckpointStore,
  type CheckpointStore,
  type EventStore,
  type LeaseStore,
} from '@roster/event-store';
import { KafkaPublisher } from '@roster/messaging';
import { DocumentCheckpointStore, EmbeddedDocumentStore, MongoDocumentStore, type DocumentStore } from '@roster/read-models';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { RosterMetrics } from '../metrics/roster-metrics';
import { shareKeyDestruction } from './cluster-key-destruction';
import { openEventStore } from './open-event-store';

/** The read models' documents: MongoDB with MONGODB_URL (this process's one connection), else the embedded store. */
export const READ_MODEL_DOCUMENTS = Symbol('READ_MODEL_DOCUMENTS');
/** The Kafka publisher's adapters (PublishingAdapters), or null when it does not run in this process. */
export const PUBLISHING_ADAPTERS = Symbol('PUBLISHING_ADAPTERS');

export interface PublishingAdapters {
  readonly publisher: KafkaPublisher;
  /** Its checkpoint and lease: beside the read models in MongoDB (shared by every instance), else in the data directory. */
  readonly checkpoints: CheckpointStore & LeaseStore;
  readonly checkpointsDescription: string;
}

/** The personal-data vault (keys, sealing, opening, destroyKey) the event store was opened with. */
export const PERSONAL_DATA_VAULT = Symbol('PERSONAL_DATA_VAULT');

export function describeEventStore(config: RosterConfig): string {
  return config.eventStore.kind === 'eventstoredb'
    ? `EventStoreDB (${config.eventStore.connectionString.replace(/\/\/[^@/]*@/, '//***@')})`
    : `embedded SQLite (${config.eventStore.path})`;
}

async function openReadModelDocuments(config: RosterConfig): Promise<DocumentStore> {
  return config.mongo ? MongoDocumentStore.connect(config.mongo) : new EmbeddedDocumentStore();
}

/** Start-up never waits for Kafka: the publisher connects in the background and retries. */
function openPublishing(config: RosterConfig, documents: DocumentStore): PublishingAdapters | null {
  const kafka = config.kafka;
  if (!kafka || !config.run.has('publisher')) return null;
  const logger = new Logger('KafkaPublisher');
  const publisher = new KafkaPublisher({
    brokers: kafka.brokers,
    topic: kafka.topic,
    clientId: 'roster-publisher',
    ssl: kafka.ssl,
    sasl: kafka.sasl,
    log: (level, message) => (level === 'error' ? logger.error(message) : level === 'warn' ? logger.warn(message) : logger.log(message)),
  });
  if (config.mongo) {
    return { publisher, checkpoints: new DocumentCheckpointStore(documents), checkpointsDescription: `MongoDB (${config.mongo.database}.checkpoints)` };
  }
  const path = join(config.dataDir, 'checkpoints.sqlite');
  return { publisher, checkpoints: new SqliteCheckpointStore({ path }), checkpointsDescription: path };
}

/** Closes the adapters last, after the HTTP server has drained and the workers have stopped: the event store last of all. */
@Injectable()
class AdapterCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('EventStore');
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DOCUMENTS) private readonly documents: DocumentStore,
    @Inject(PUBLISHING_ADAPTERS) private readonly publishing: PublishingAdapters | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.publishing?.checkpoints instanceof SqliteCheckpointStore) await this.publishing.checkpoints.close();
    await this.documents.close();
    await this.store.close();
    this.logger.log('Event store closed');
  }
}

/**
 * The only place that wires adapters from configuration: ROSTER_CONFIG, the metrics, EVENT_STORE, the read
 * models' documents and the Kafka publisher's adapters, available to every module.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: RosterConfig): DynamicModule {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: ROSTER_CONFIG, useValue: config },
        { provide: RosterMetrics, useFactory: () => new RosterMetrics(config.metrics.enabled) },
        {
          provide: EVENT_STORE,
          useFactory: async (metrics: RosterMetrics) => {
            const store = await openEventStore(config, metrics.groupCommit);
            // SQLite numbers events one by one; EventStoreDB's positions are log offsets.
            metrics.followStore(store, config.eventStore.kind === 'sqlite');
            return store;
          },
          inject: [RosterMetrics],
        },
        {
          provide: PERSONAL_DATA_VAULT,
          useFactory: (store: PersonalDataEventStore) => {
            // In an API worker of several: a key destroyed here is forgotten by the others at once, and theirs here.
            shareKeyDestruction(store.vault);
            return store.vault;
          },
          inject: [EVENT_STORE],
        },
        { provide: READ_MODEL_DOCUMENTS, useFactory: () => openReadModelDocuments(config) },
        { provide: PUBLISHING_ADAPTERS, useFactory: (documents: DocumentStore) => openPublishing(config, documents), inject: [READ_MODEL_DOCUMENTS] },
        AdapterCloser,
      ],
      exports: [ROSTER_CONFIG, RosterMetrics, EVENT_STORE, PERSONAL_DATA_VAULT, READ_MODEL_DOCUMENTS, PUBLISHING_ADAPTERS],
    };
  }
}
