/**
 * Where a subscriber (projection, publisher) records the position of the last event it
 * fully handled. Saving happens only after the handling succeeded, so a restart re-delivers
 * at most the last batch (at-least-once): handlers must be idempotent.
 */
export interface CheckpointStore {
  /** The last saved position for `name`, or undefined if none was ever saved. */
  load(name: string): Promise<bigint | undefined>;
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
    this.positions.set(name, position);
  }
}
