import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  CatchUpWorker,
  type BatchObserver,
  type CatchUpWorkerLogger,
  type CheckpointStore,
  type EventStore,
  storedEvents,
} from '@roster/event-store';
import { DocumentCheckpointStore, waitForCheckpoint } from './document-checkpoint-store';
import type { CollectionWrites, DocumentStore } from './document-store/document-store.port';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { LeasedWorker } from './leased-worker';
import { ProjectionLease } from './projection-lease';
import { COLLECTIONS, KEYED_BY_EVENT, READ_MODEL_INDEXES, READ_MODELS_PROJECTION } from './projections/read-model.collections';
import { projectBatch } from './projections/read-models.projection';

/** What the in-process index behind the permission check holds: partnerships too, for the grants of partners' members. */
export const INDEXED_COLLECTIONS: readonly string[] = [COLLECTIONS.organizations, COLLECTIONS.memberships, COLLECTIONS.partnerships];

/**
 * Events read and applied per batch. Measured on bench:startup's store: larger batches were no
 * faster and kept more events alive across young collections (4000: +50% resident memory).
 */
export const PROJECTION_BATCH_SIZE = 500;

export interface ReadModelProjectorOptions {
  readonly store: EventStore;
  readonly documents: DocumentStore;
  /** Default: checkpoints in the documents' own `checkpoints` collection. */
  readonly checkpoints?: CheckpointStore;
  /**
   * In-process copy of organizations and memberships for the permission check. It follows the
   * event store on its own (whether or not this copy holds the lease). Unneeded when
   * `documents` is itself embedded.
   */
  readonly index?: EmbeddedDocumentStore;
  readonly maxBatchSize?: number;
  readonly logger?: CatchUpWorkerLogger;
  /** Told of each batch handled: by the writer (`projection`) and by the in-process index (`index`); for metrics. */
  readonly onBatch?: { readonly projection?: BatchObserver; readonly index?: BatchObserver };
  /** The write lease (one writer per database at a time); defaults are right outside tests. */
  readonly lease?: { readonly holder?: string; readonly ttlMs?: number; readonly retryMs?: number };
}

/**
 * The projection worker. Any number of copies may run against one database; a lease lets
 * exactly one of them write at a time: it maps each batch to write operations
 * (projectBatch), applies them in one bulkWrite per collection, then saves the checkpoint.
 * The others wait and take over within the lease's time to live when the writer stops or
 * dies. The writer replays from the stored checkpoint, and the documents' position guards
 * make a replayed batch change nothing.
 */
export class ReadModelProjector {
  private readonly writer: CatchUpWorker;
  private readonly indexWorker: CatchUpWorker | undefined;
  /** The in-process index's position: it lives only here, and start() sets it to the snapshot it loads. */
  private indexFrom = 0n;
  private readonly checkpoints: CheckpointStore;
  private readonly leased: LeasedWorker;
  private lastKnownPosition = 0n;
  /** The embedded read models while start() has deferred their indexes, until the writer reaches the head. */
  private deferredIndexes: EmbeddedDocumentStore | undefined;

  constructor(private readonly options: ReadModelProjectorOptions) {
    this.checkpoints = options.checkpoints ?? new DocumentCheckpointStore(options.documents);
    // The projections copy personal fields as stored (sealed): reading under the vault would
    // open every one of them (a key lookup and a decryption each) only to drop the plaintext.
    const sealed = storedEvents(options.store);
    const ttlMs = options.lease?.ttlMs ?? 15_000;
    const lease = new ProjectionLease({
      // Beside the read models, whatever stores the checkpoints: the lease guards the documents.
      leases: new DocumentCheckpointStore(options.documents),
      name: READ_MODELS_PROJECTION,
      holder: options.lease?.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      ttlMs,
    });
    this.writer = new CatchUpWorker({
      name: READ_MODELS_PROJECTION,
      store: sealed,
      checkpoints: this.checkpoints,
      handle: async (batch) => {
        await this.options.documents.write(projectBatch(batch));
        // At the head (as the store has it now), the indexes deferred by start() are built, in this batch's time, not by the first query;
        // in slices, the event loop free between them (the lease's renewal, /health, queries: a query needing an unbuilt index finishes its collection's build).
        const deferred = this.deferredIndexes;
        if (deferred && batch.length > 0 && batch[batch.length - 1].position >= (await sealed.headPosition())) {
          this.deferredIndexes = undefined;
          await deferred.indexInSlices();
        }
      },
      maxBatchSize: options.maxBatchSize ?? PROJECTION_BATCH_SIZE,
      logger: options.logger,
      holdsLease: () => lease.holds(),
      onBatch: options.onBatch?.projection,
    });
    this.leased = new LeasedWorker({
      worker: this.writer,
      lease,
      label: 'Read-model projection',
      ttlMs,
      retryMs: options.lease?.retryMs,
      logger: options.logger,
      // A copy standing by follows the writer's progress through the checkpoint.
      standingBy: async () => {
        const stored = await this.checkpoints.load(READ_MODELS_PROJECTION);
        if (stored !== undefined && stored > this.lastKnownPosition) this.lastKnownPosition = stored;
      },
    });
    const index = options.index;
    if (index) {
      this.indexWorker = new CatchUpWorker({
        name: `${READ_MODELS_PROJECTION}:index`,
        store: sealed,
        checkpoints: {
          load: async () => this.indexFrom,
          save: async (_name, position) => {
            this.indexFrom = position;
          },
        },
        handle: async (batch) => index.writeSync(only(projectBatch(batch), INDEXED_COLLECTIONS)),
        maxBatchSize: options.maxBatchSize ?? PROJECTION_BATCH_SIZE,
        logger: options.logger,
        onBatch: options.onBatch?.index,
      });
    }
  }

  /**
   * Creates the indexes, loads the in-process index from the documents, then runs in the
   * background: the index follows the store at once; the writer starts once the lease is held.
   */
  async start(): Promise<void> {
    await ensureReadModelIndexes(this.options.documents);
    // Embedded read models start empty: their secondary indexes are built once, at the head or
    // by the first read needing one, instead of at every write of the catch-up (the projection
    // finds its documents by _id). Answers are the same either way (embedded-document-store.spec).
    if (this.options.documents instanceof EmbeddedDocumentStore) {
      this.options.documents.deferIndexes();
      this.options.documents.keyByEvent(KEYED_BY_EVENT);
      this.deferredIndexes = this.options.documents;
    }
    const index = this.options.index;
    if (index && this.indexWorker) {
      // The checkpoint first: the documents read after it reflect at least that position, and
      // replaying the events after it over them changes nothing (position guards).
      const from = (await this.checkpoints.load(READ_MODELS_PROJECTION)) ?? 0n;
      for (const collection of INDEXED_COLLECTIONS) {
        await index.drop(collection);
        await index.insertMany(collection, await this.options.documents.find(collection, {}));
      }
      await ensureReadModelIndexes(index);
      this.indexFrom = from;
      await this.indexWorker.start();
    }
    // A lone copy is writing when start() resolves.
    await this.leased.start();
  }

  /** Stops the writer after its batch in progress, gives the lease up, stops the index. */
  async stop(): Promise<void> {
    await this.leased.stop();
    await this.indexWorker?.stop();
  }

  /** True while this copy holds the lease and writes the read models. */
  get writing(): boolean {
    return this.writer.isRunning;
  }

  /** Position the read models reached, as far as this copy knows (its own when writing). */
  get position(): bigint {
    return this.writing ? this.writer.position : this.lastKnownPosition;
  }

  /** Position the in-process index reached (undefined without an index). */
  get indexPosition(): bigint | undefined {
    return this.indexWorker?.position;
  }

  /**
   * Read-your-writes: true once the read models (and the in-process index, if any) reflect
   * `position`, false after `timeoutMs`. A copy that is not writing polls the checkpoint
   * (which a copy taking over goes on advancing).
   */
  async waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    const indexReached = this.indexWorker ? this.indexWorker.waitForPosition(position, timeoutMs) : Promise.resolve(true);
    const reached = this.writing
      ? await this.writer.waitForPosition(position, timeoutMs)
      : await waitForCheckpoint(this.checkpoints, READ_MODELS_PROJECTION, position, timeoutMs);
    return (await indexReached) && reached;
  }
}

export async function ensureReadModelIndexes(documents: DocumentStore): Promise<void> {
  for (const [collection, indexes] of Object.entries(READ_MODEL_INDEXES)) await documents.ensureIndexes(collection, indexes);
}

function only(writes: CollectionWrites, collections: readonly string[]): CollectionWrites {
  return new Map([...writes].filter(([name]) => collections.includes(name)));
}
