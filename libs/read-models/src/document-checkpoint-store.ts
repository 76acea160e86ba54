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

  async save(name: string, position: bigint): Promise<void> {
    await this.documents.write(
      new Map([
        [
          COLLECTIONS.checkpoints,
          [{ updateOne: { filter: { _id: name }, update: { $set: { position: position.toString(), savedAt: new Date().toISOString() } }, upsert: true } }],
        ],
      ]),
    );
  }
}

/** The MongoDB CheckpointStore is this class over a MongoDocumentStore. */
export { DocumentCheckpointStore as MongoCheckpointStore };
