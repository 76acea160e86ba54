import type { DocumentStore } from './document-store/document-store.port';
import { COLLECTIONS } from './projections/read-model.collections';

export interface ProjectionLeaseOptions {
  readonly documents: DocumentStore;
  /** What is leased: one lease per projection (its checkpoint name). */
  readonly name: string;
  /** Who asks: unique per process. */
  readonly holder: string;
  /** How long a lease lasts without renewal. Default 15 s. */
  readonly ttlMs?: number;
  /** Wall clock (epoch ms) shared by the contenders; default Date.now. */
  readonly clock?: () => number;
  /** Monotonic clock (ms) for the holder's own deadline; default performance.now. */
  readonly monotonic?: () => number;
}

/**
 * A lease on a projection: at most one holder writes the projection's database at a time,
 * which lets the writer read, change and replace documents by `_id` alone. The lease is a
 * document of the `checkpoints` collection changed only by server-side conditional updates
 * (taken when expired, renewed only by its holder). The holder counts its lease as held
 * until `ttl - safety margin` after the start of its last successful renewal, measured on
 * its own monotonic clock, so it stops writing before anyone else may take over.
 */
export class ProjectionLease {
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private readonly monotonic: () => number;
  private heldUntil = -Infinity;

  constructor(private readonly options: ProjectionLeaseOptions) {
    this.ttlMs = options.ttlMs ?? 15_000;
    this.clock = options.clock ?? Date.now;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  get id(): string {
    return `lease:${this.options.name}`;
  }

  /** True while this holder may write (its lease is held, with a safety margin). */
  holds(): boolean {
    return this.monotonic() < this.heldUntil;
  }

  /** Takes the lease when it is free or expired, renews it when held; true when held now. */
  async acquire(): Promise<boolean> {
    const { documents, holder } = this.options;
    const startedAt = this.monotonic();
    const now = this.clock();
    const claim = { $set: { holder, expiresAt: now + this.ttlMs, renewedAt: new Date(now).toISOString() } };
    const renew = () => documents.updateOneIf(COLLECTIONS.checkpoints, { _id: this.id, holder }, claim);
    const take = () => documents.updateOneIf(COLLECTIONS.checkpoints, { _id: this.id, expiresAt: { $lt: now } }, claim);
    // The lease document is created (free) the first time anyone asks; a renewal is one request.
    const held = (await renew()) || (await take()) || ((await this.createFree()) && (await take()));
    // A third of the lease is kept as margin for clock drift between the contenders.
    this.heldUntil = held ? startedAt + (this.ttlMs * 2) / 3 : -Infinity;
    return held;
  }

  /** Inserts the free lease document unless it exists (a concurrent insert by another copy is fine); true. */
  private async createFree(): Promise<boolean> {
    const free = { _id: this.id, holder: null, expiresAt: 0 };
    await this.options.documents.write(new Map([[COLLECTIONS.checkpoints, [{ insertOne: { document: free } }]]]));
    return true;
  }

  /** Gives the lease up at once (a clean stop), so another copy need not wait for it to expire. */
  async release(): Promise<void> {
    this.heldUntil = -Infinity;
    await this.options.documents.updateOneIf(COLLECTIONS.checkpoints, { _id: this.id, holder: this.options.holder }, { $set: { holder: null, expiresAt: 0 } });
  }

  /** The current holder as stored, for logs and tests. */
  async currentHolder(): Promise<string | null> {
    const doc = await this.options.documents.findOne(COLLECTIONS.checkpoints, { _id: this.id });
    return doc && typeof doc.holder === 'string' && typeof doc.expiresAt === 'number' && doc.expiresAt >= this.clock() ? doc.holder : null;
  }
}
