import { CatchUpWorker, type CatchUpWorkerLogger, type CheckpointStore, type EventStore, type RecordedEvent } from '@roster/event-store';
import { DocumentCheckpointStore } from './document-checkpoint-store';
import type { CollectionWrites, DocumentStore } from './document-store/document-store.port';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { COLLECTIONS, READ_MODEL_INDEXES, READ_MODELS_PROJECTION } from './projections/read-model.collections';
import { projectBatch } from './projections/read-models.projection';

/** What the in-process index behind the permission check holds. */
export const INDEXED_COLLECTIONS: readonly string[] = [COLLECTIONS.organizations, COLLECTIONS.memberships];

export interface ReadModelProjectorOptions {
  readonly store: EventStore;
  readonly documents: DocumentStore;
  /** Default: checkpoints in the documents' own `checkpoints` collection. */
  readonly checkpoints?: CheckpointStore;
  /**
   * In-process copy of organizations and memberships for the permission check, fed by the
   * same operations as `documents`. Unneeded when `documents` is itself embedded.
   */
  readonly index?: EmbeddedDocumentStore;
  readonly maxBatchSize?: number;
  readonly logger?: CatchUpWorkerLogger;
}

/**
 * The projection worker: a CatchUpWorker that maps each batch to write operations
 * (projectBatch), applies them in one bulkWrite per collection, then lets the worker save
 * the checkpoint. Any number of copies may run against one database: the position guards
 * make their writes converge on the same documents.
 */
export class ReadModelProjector {
  private readonly worker: CatchUpWorker;

  constructor(private readonly options: ReadModelProjectorOptions) {
    this.worker = new CatchUpWorker({
      name: READ_MODELS_PROJECTION,
      store: options.store,
      checkpoints: options.checkpoints ?? new DocumentCheckpointStore(options.documents),
      handle: (batch) => this.handle(batch),
      maxBatchSize: options.maxBatchSize ?? 1000,
      logger: options.logger,
    });
  }

  /** Creates the indexes, loads the in-process index from the documents, then runs in the background. */
  async start(): Promise<void> {
    await ensureReadModelIndexes(this.options.documents);
    const index = this.options.index;
    if (index) {
      for (const collection of INDEXED_COLLECTIONS) {
        await index.drop(collection);
        await index.insertMany(collection, await this.options.documents.find(collection, {}));
      }
      await ensureReadModelIndexes(index);
    }
    await this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Position of the last event reflected in the read models. */
  get position(): bigint {
    return this.worker.position;
  }

  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.worker.waitForPosition(position, timeoutMs);
  }

  private async handle(batch: readonly RecordedEvent[]): Promise<void> {
    const writes = projectBatch(batch);
    await this.options.documents.write(writes);
    this.options.index?.writeSync(only(writes, INDEXED_COLLECTIONS));
  }
}

export async function ensureReadModelIndexes(documents: DocumentStore): Promise<void> {
  for (const [collection, indexes] of Object.entries(READ_MODEL_INDEXES)) await documents.ensureIndexes(collection, indexes);
}

function only(writes: CollectionWrites, collections: readonly string[]): CollectionWrites {
  return new Map([...writes].filter(([name]) => collections.includes(name)));
}
