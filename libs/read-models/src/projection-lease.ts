import type { LeaseStore } from '@roster/event-store';

export interface ProjectionLeaseOptions {
  /** Where the lease is kept: beside the checkpoints (MongoDB documents, or the SQLite checkpoints file). */
  readonly leases: LeaseStore;
  /** What is leased: one lease per projection or publisher (its checkpoint name). */
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
 * A lease on a projection or the publisher: at most one holder runs it at a time, which lets
 * the projection's writer read, change and replace documents by `_id` alone, and lets one
 * process publish. The lease is changed only by conditional updates decided by its store
 * (taken when free or expired, renewed only by its holder). The holder counts its lease as held
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

  /** True while this holder may write (its lease is held, with a safety margin). */
  holds(): boolean {
    return this.monotonic() < this.heldUntil;
  }

  /** Takes the lease when it is free or expired, renews it when held; true when held now. */
  async acquire(): Promise<boolean> {
    const { leases, name, holder } = this.options;
    const startedAt = this.monotonic();
    const now = this.clock();
    const held = await leases.claim(name, holder, now, now + this.ttlMs);
    // A third of the lease is kept as margin for clock drift between the contenders.
    this.heldUntil = held ? startedAt + (this.ttlMs * 2) / 3 : -Infinity;
    return held;
  }

  /** Gives the lease up at once (a clean stop), so another copy need not wait for it to expire. */
  async release(): Promise<void> {
    this.heldUntil = -Infinity;
    await this.options.leases.release(this.options.name, this.options.holder);
  }

  /** The current holder as stored, for logs and tests. */
  async currentHolder(): Promise<string | null> {
    return this.options.leases.holder(this.options.name, this.clock());
  }
}
