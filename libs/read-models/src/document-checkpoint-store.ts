import type { CheckpointStore, LeaseStore } from '@roster/event-store';
import type { DocumentStore } from './document-store/document-store.port';
import { COLLECTIONS } from './projections/read-model.collections';

/**
 * Checkpoints and leases kept beside the read models, in the `checkpoints` collection of the
 * same DocumentStore (MongoDB or embedded), so a rebuild that drops the models resets them too.
 * The position is stored as a decimal string: bigint-safe on every store. A lease is the
 * document `lease:<name>`, changed only by server-side conditional updates.
 */
export class DocumentCheckpointStore implements CheckpointStore, LeaseStore {
  /** The position this copy last saved or read, per name. */
  private readonly lastSeen = new Map<string, bigint>();

  constructor(private readonly documents: DocumentStore) {}

  async load(name: string): Promise<bigint | undefined> {
    const doc = await this.documents.findOne(COLLECTIONS.checkpoints, { _id: name });
    return typeof doc?.position === 'string' ? BigInt(doc.position) : undefined;
  }

  /**
   * Never moves a checkpoint back: a compare-and-set on the stored position (a decimal string
   * does not compare as a number on the server), against the one this copy last saw. That is
   * one update per batch while this copy is the only writer; after a miss it reads the stored
   * position and tries again only if it is still behind.
   */
  async save(name: string, position: bigint): Promise<void> {
    let stored = this.lastSeen.get(name) ?? (await this.load(name));
    for (;;) {
      if (stored !== undefined && stored >= position) return;
      const update = { $set: { position: position.toString(), savedAt: new Date().toISOString() } };
      if (stored === undefined) {
        // Inserts unless another copy got there first; the loop then reads who won.
        const document = { _id: name, ...update.$set };
        await this.documents.write(new Map([[COLLECTIONS.checkpoints, [{ insertOne: { document } }]]]));
      } else if (await this.documents.updateOneIf(COLLECTIONS.checkpoints, { _id: name, position: stored.toString() }, update)) {
        this.lastSeen.set(name, position);
        return;
      }
      stored = await this.load(name);
      if (stored !== undefined) this.lastSeen.set(name, stored);
    }
  }

  async claim(name: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    const id = leaseId(name);
    const claim = { $set: { holder, expiresAt, renewedAt: new Date(now).toISOString() } };
    const renew = () => this.documents.updateOneIf(COLLECTIONS.checkpoints, { _id: id, holder }, claim);
    const take = () => this.documents.updateOneIf(COLLECTIONS.checkpoints, { _id: id, expiresAt: { $lt: now } }, claim);
    // The lease document is created (free) the first time anyone asks; a renewal is one request.
    if ((await renew()) || (await take())) return true;
    const free = { _id: id, holder: null, expiresAt: 0 };
    // A concurrent insert by another copy is fine: insertOne then does nothing.
    await this.documents.write(new Map([[COLLECTIONS.checkpoints, [{ insertOne: { document: free } }]]]));
    return take();
  }

  async release(name: string, holder: string): Promise<void> {
    await this.documents.updateOneIf(COLLECTIONS.checkpoints, { _id: leaseId(name), holder }, { $set: { holder: null, expiresAt: 0 } });
  }

  async holder(name: string, now: number): Promise<string | null> {
    const doc = await this.documents.findOne(COLLECTIONS.checkpoints, { _id: leaseId(name) });
    return doc && typeof doc.holder === 'string' && typeof doc.expiresAt === 'number' && doc.expiresAt >= now ? doc.holder : null;
  }
}

const leaseId = (name: string): string => `lease:${name}`;

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
