import { hostname } from 'node:os';
import type { EventStore, RecordedEvent } from '@roster/event-store';
import { DocumentCheckpointStore } from './document-checkpoint-store';
import type { Doc, DocumentStore } from './document-store/document-store.port';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { READ_MODEL_COLLECTIONS, READ_MODELS_PROJECTION } from './projections/read-model.collections';
import { ProjectionLease } from './projection-lease';
import { projectBatch } from './projections/read-models.projection';
import { ensureReadModelIndexes } from './read-model-projector';

export interface RebuildProgress {
  /** `project`: reading and projecting events; `load`: writing the documents to the store. */
  readonly phase: 'project' | 'load';
  /** Events (project) or documents (load) done so far. */
  readonly done: number;
  /** Approximate total: events up to the head position when the rebuild began, or documents to load. */
  readonly total: number;
  readonly elapsedMs: number;
}

export interface RebuildOptions {
  readonly store: EventStore;
  readonly documents: DocumentStore;
  /**
   * 0 (default): drop the read models and rebuild them from the first event. A larger
   * position: re-apply every event after it over the existing documents (the position
   * guards make that safe) and move the checkpoint back there first.
   */
  readonly from?: bigint;
  readonly batchSize?: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildResult {
  readonly events: number;
  readonly documents: number;
  readonly position: bigint;
  readonly elapsedMs: number;
}

/**
 * Rebuilds the read models with the projection code the live worker runs. From zero, the
 * projection runs over an embedded store first and the finished documents are then bulk
 * loaded (insertMany), which leaves documents identical to the live ones (a test compares
 * them) at close to the store's raw insert rate; memory holds the read models meanwhile.
 * It holds the projection's write lease throughout, so no projection worker writes meanwhile;
 * while a worker holds it, the rebuild refuses to start (ProjectionRunningError).
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildResult> {
  const lease = new ProjectionLease({ leases: new DocumentCheckpointStore(options.documents), name: READ_MODELS_PROJECTION, holder: `rebuild:${hostname()}:${process.pid}` });
  if (!(await lease.acquire())) throw new ProjectionRunningError(await lease.currentHolder());
  const renewal = setInterval(() => void lease.acquire().catch(() => undefined), 3000);
  try {
    return await rebuild(options);
  } finally {
    clearInterval(renewal);
    await lease.release();
  }
}

/** A projection worker holds the write lease: stop it before rebuilding. */
export class ProjectionRunningError extends Error {
  constructor(readonly holder: string | null) {
    super(`the read-model projection is running (its write lease is held by ${holder ?? 'another process'}): stop the projection workers first, or wait for the lease to expire`);
    this.name = 'ProjectionRunningError';
  }
}

async function rebuild(options: RebuildOptions): Promise<RebuildResult> {
  const { store, documents, onProgress } = options;
  const from = options.from ?? 0n;
  const batchSize = options.batchSize ?? 2000;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const checkpoints = new DocumentCheckpointStore(documents);
  const head = await store.headPosition();
  const total = Number(head - from > 0n ? head - from : 0n);

  const target = from === 0n ? new EmbeddedDocumentStore() : documents;
  if (from > 0n) await checkpoints.save(READ_MODELS_PROJECTION, from);

  let events = 0;
  let position = from;
  let batch: RecordedEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await target.write(projectBatch(batch));
    position = batch[batch.length - 1].position;
    events += batch.length;
    batch = [];
    if (from > 0n) await checkpoints.save(READ_MODELS_PROJECTION, position);
    onProgress?.({ phase: 'project', done: Math.min(events, total), total, elapsedMs: elapsed() });
  };
  for await (const event of store.readAll({ fromPosition: from })) {
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  await flush();

  let loaded = 0;
  if (target instanceof EmbeddedDocumentStore) {
    const staged = READ_MODEL_COLLECTIONS.map((name) => [name, target.all(name) as Doc[]] as const);
    const toLoad = staged.reduce((sum, [, docs]) => sum + docs.length, 0);
    for (const name of READ_MODEL_COLLECTIONS) await documents.drop(name);
    await ensureReadModelIndexes(documents);
    for (const [name, docs] of staged) {
      for (let i = 0; i < docs.length; i += 5000) {
        const chunk = docs.slice(i, i + 5000);
        await documents.insertMany(name, chunk);
        loaded += chunk.length;
        onProgress?.({ phase: 'load', done: loaded, total: toLoad, elapsedMs: elapsed() });
      }
    }
    await checkpoints.save(READ_MODELS_PROJECTION, position);
  }
  return { events, documents: loaded, position, elapsedMs: elapsed() };
}
