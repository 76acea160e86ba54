import { readRecordedEvent, type OrganizationEvent } from '@roster/domain';
import type { RecordedEvent } from '@roster/event-store';
import type { CollectionWrites, Doc, Update, WriteOp } from '../document-store/document-store.port';

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

/**
 * Reads a recorded event (upcast, as every reader does); anything that is not an organization
 * event is skipped, never thrown. Projections read personal fields as stored (sealed): the
 * documents copy the ciphertext, hold no plaintext, and rebuild to the same bytes; queries
 * open them (ReadModelQueries' opener).
 */
export function toProjectedEvent(recorded: RecordedEvent): ProjectedEvent | undefined {
  const read = readRecordedEvent(recorded.stored ? { ...recorded, ...recorded.stored } : recorded);
  if (!read.event) return undefined;
  return { id: recorded.id, event: read.event, position: Number(recorded.position), at: read.occurredAt, actor: read.actorId };
}

/**
 * Collects a batch's write operations by collection, in event order. Every document carries
 * `lastPosition`, the position of the last event applied to it, and every change is guarded
 * by `lastPosition < position`: an event delivered twice, or replayed from an older
 * checkpoint, changes nothing the second time.
 */
export class WritesBuilder {
  private readonly inserts = new Map<string, WriteOp[]>();
  private readonly updates = new Map<string, WriteOp[]>();

  /**
   * Creates the document if missing (an insert that ignores an existing _id, so it is
   * harmless to repeat), then applies the guarded change. `onInsert` becomes the document:
   * callers hand over a new object (no copy of it per event).
   */
  upsert(collection: string, id: string, onInsert: Record<string, unknown>, position: number, change: Update): void {
    onInsert._id = id;
    onInsert.lastPosition = -1;
    this.insert(collection, onInsert);
    this.update(collection, id, position, change);
  }

  /**
   * A document made whole by one event under an id unique to it (an organization, an
   * invitation, a request, an event): one insert, already at `position`. `doc` becomes the
   * document: callers hand over a new object.
   */
  create(collection: string, id: string, doc: Record<string, unknown>, position: number): void {
    doc._id = id;
    doc.lastPosition = position;
    this.insert(collection, doc);
  }

  /** Guarded change of an existing document; a missing one is left missing. `change` becomes the builder's. */
  update(collection: string, id: string, position: number, change: Update): void {
    this.push(this.updates, collection, {
      updateOne: { filter: { _id: id, lastPosition: { $lt: position } }, update: withPosition(change, position) },
    });
  }

  /** Guarded change of every document matching `filter`, each guarded on its own position. */
  updateMany(collection: string, filter: Record<string, unknown>, position: number, change: Update): void {
    this.push(this.updates, collection, {
      updateMany: { filter: { ...filter, lastPosition: { $lt: position } }, update: withPosition(change, position) },
    });
  }

  /**
   * Per collection, the batch's inserts come first, then its updates in event order.
   * Moving inserts ahead is safe because no event changes a document before the event that
   * creates it (decide guarantees it), and it lets a store write them in one cheap call.
   */
  build(): CollectionWrites {
    const out = new Map<string, WriteOp[]>();
    for (const name of new Set([...this.inserts.keys(), ...this.updates.keys()])) {
      out.set(name, [...(this.inserts.get(name) ?? []), ...(this.updates.get(name) ?? [])]);
    }
    return out;
  }

  private insert(collection: string, document: Record<string, unknown>): void {
    this.push(this.inserts, collection, { insertOne: { document: document as Doc } });
  }

  private push(into: Map<string, WriteOp[]>, collection: string, op: WriteOp): void {
    let ops = into.get(collection);
    if (!ops) into.set(collection, (ops = []));
    ops.push(op);
  }
}

/**
 * The change, its $set ending with the new `lastPosition`. The builder takes the change over
 * (callers hand a new object, as to create and upsert): no copy of it for every update of
 * every event.
 */
function withPosition(change: Update, position: number): Update {
  if (change.$set === undefined) return { ...change, $set: { lastPosition: position } };
  (change.$set as Record<string, unknown>).lastPosition = position;
  return change;
}

/** Drops undefined values so that the two stores hold the same fields. */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in fields) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}
