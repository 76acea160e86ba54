/**
 * Where a subscriber (projection, publisher) records the position of the last event it
 * fully handled. Saving happens only after the handling succeeded, so a restart re-delivers
 * at most the last batch (at-least-once): handlers must be idempotent.
 */
export interface CheckpointStore {
  /** The last saved position for `name`, or undefined if none was ever saved. */
  load(name: string): Promise<bigint | undefined>;
  /**
   * Records `position` unless the stored one is already at or past it: a checkpoint never
   * moves back (a late save of a stale copy, or of a copy that lost its lease, changes nothing).
   */
  save(name: string, position: bigint): Promise<void>;
}

/**
 * Leases beside the checkpoints, so that of several copies of a subscriber (projection,
 * publisher) one runs at a time. Each call is one atomic step decided by the store itself.
 */
export interface LeaseStore {
  /** Gives lease `name` to `holder` until `expiresAt` (epoch ms) if `holder` holds it already, or it is free or expired at `now`; true when it did. */
  claim(name: string, holder: string, now: number, expiresAt: number): Promise<boolean>;
  /** Frees the lease if `holder` holds it; changes nothing otherwise. */
  release(name: string, holder: string): Promise<void>;
  /** Who holds the lease at `now`, if anyone. */
  holder(name: string, now: number): Promise<string | null>;
}

/** For tests and for read models that are rebuilt from the start at every boot. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, bigint>();

  async load(name: string): Promise<bigint | undefined> {
    return this.positions.get(name);
  }

  async save(name: string, position: bigint): Promise<void> {
    if (position > (this.positions.get(name) ?? -1n)) this.positions.set(name, position);
  }
}
