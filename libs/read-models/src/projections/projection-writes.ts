import { isOrganizationEventType, type OrganizationEvent } from '@roster/domain';
import type { RecordedEvent } from '@roster/event-store';
import type { CollectionWrites, Update, WriteOp } from '../document-store/document-store.port';

/** A recorded organization event with what every projection needs, read once. */
export interface ProjectedEvent {
  readonly id: string;
  readonly event: OrganizationEvent;
  /** Global position as a number: read-model documents store it for their guards. */
  readonly position: number;
  /** When it happened (the command's time), ISO. */
  readonly at: string;
  /** Who did it. */
  readonly actor: string;
}

/** Reads a recorded event; anything that is not a well-formed organization event is skipped, never thrown. */
export function toProjectedEvent(recorded: RecordedEvent): ProjectedEvent | undefined {
  if (!isOrganizationEventType(recorded.type)) return undefined;
  const data = recorded.data as { organizationId?: unknown } | null;
  if (data === null || typeof data !== 'object' || typeof data.organizationId !== 'string') return undefined;
  const metadata = recorded.metadata as { occurredAt?: unknown; actor?: { userId?: unknown } };
  const at = typeof metadata.occurredAt === 'string' ? metadata.occurredAt : recorded.recordedAt.toISOString();
  const actor = typeof metadata.actor?.userId === 'string' ? metadata.actor.userId : 'unknown';
  return {
    id: recorded.id,
    event: { type: recorded.type, data } as OrganizationEvent,
    position: Number(recorded.position),
    at,
    actor,
  };
}

/**
 * Collects a batch's write operations by collection, in event order. Every document carries
 * `lastPosition`, the position of the last event applied to it, and every change is guarded
 * by `lastPosition < position`: an event delivered twice, or replayed from an older
 * checkpoint, changes nothing the second time.
 */
export class WritesBuilder {
  private readonly writes = new Map<string, WriteOp[]>();

  /**
   * Creates the document if missing (without a guard, so it is harmless to repeat), then
   * applies the guarded change. Two operations instead of a guarded upsert, because an
   * upsert whose guard fails on an existing document would try to insert a duplicate _id.
   */
  upsert(collection: string, id: string, onInsert: Record<string, unknown>, position: number, change: Update): void {
    this.push(collection, {
      updateOne: { filter: { _id: id }, update: { $setOnInsert: { ...onInsert, lastPosition: -1 } }, upsert: true },
    });
    this.update(collection, id, position, change);
  }

  /** Guarded change of an existing document; a missing one is left missing. */
  update(collection: string, id: string, position: number, change: Update): void {
    this.push(collection, {
      updateOne: { filter: { _id: id, lastPosition: { $lt: position } }, update: withPosition(change, position) },
    });
  }

  /** Guarded change of every document matching `filter`, each guarded on its own position. */
  updateMany(collection: string, filter: Record<string, unknown>, position: number, change: Update): void {
    this.push(collection, {
      updateMany: { filter: { ...filter, lastPosition: { $lt: position } }, update: withPosition(change, position) },
    });
  }

  /** Inserts a document once, keyed by something unique to the event (its id). */
  insertOnce(collection: string, id: string, doc: Record<string, unknown>): void {
    this.push(collection, { updateOne: { filter: { _id: id }, update: { $setOnInsert: doc }, upsert: true } });
  }

  build(): CollectionWrites {
    return this.writes;
  }

  get operationCount(): number {
    let count = 0;
    for (const ops of this.writes.values()) count += ops.length;
    return count;
  }

  private push(collection: string, op: WriteOp): void {
    let ops = this.writes.get(collection);
    if (!ops) this.writes.set(collection, (ops = []));
    ops.push(op);
  }
}

function withPosition(change: Update, position: number): Update {
  return { ...change, $set: { ...(change.$set ?? {}), lastPosition: position } };
}

/** Drops undefined values so that the two stores hold the same fields. */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}
