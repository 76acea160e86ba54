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

/** Injection token for the configured CheckpointStore. */
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');

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
