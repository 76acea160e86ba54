import type { CheckpointStore } from '@roster/event-store';
import type { DocumentStore } from './document-store/document-store.port';
import { COLLECTIONS } from './projections/read-model.collections';

/**
 * Checkpoints kept beside the read models, in the `checkpoints` collection of the same
 * DocumentStore (MongoDB or embedded), so a rebuild that drops the models resets them too.
 * The position is stored as a decimal string: bigint-safe on every store.
 */
export class DocumentCheckpointStore implements CheckpointStore {
  constructor(private readonly documents: DocumentStore) {}

  async load(name: string): Promise<bigint | undefined> {
    const doc = await this.documents.findOne(COLLECTIONS.checkpoints, { _id: name });
    return typeof doc?.position === 'string' ? BigInt(doc.position) : undefined;
  }

  /** One update by `_id` once the checkpoint exists (one round trip per batch); the first save creates it. */
  async save(name: string, position: bigint): Promise<void> {
    const update = { $set: { position: position.toString(), savedAt: new Date().toISOString() } };
    if (await this.documents.updateOneIf(COLLECTIONS.checkpoints, { _id: name }, update)) return;
    await this.documents.write(new Map([[COLLECTIONS.checkpoints, [{ updateOne: { filter: { _id: name }, update, upsert: true } }]]]));
  }
}

/**
 * Read-your-writes for a process that does not run the projection's writer: polls the stored
 * checkpoint `name` until it reaches `position` (true) or `timeoutMs` passes (false).
 */
export async function waitForCheckpoint(checkpoints: CheckpointStore, name: string, position: bigint, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await checkpoints.load(name);
    if (stored !== undefined && stored >= position) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The MongoDB CheckpointStore is this class over a MongoDocumentStore. */
export { DocumentCheckpointStore as MongoCheckpointStore };
