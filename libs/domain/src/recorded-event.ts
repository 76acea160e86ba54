import { isOrganizationEventType, type EventMetadata, type ImportProvenance, type OrganizationEvent } from './events';
import { isErased, type ErasedValue } from './personal-data';
import { upcast, type StoredEventLike } from './upcast';

/**
 * The one reader of a recorded event. The command fold, projections, the publisher's
 * mapping, history and as-of all read through `readRecordedEvent`, so a new schema version
 * (an upcast step) or a metadata field is taught here once and read the same everywhere.
 */

/** What the reader needs of a stored event (a RecordedEvent fits). */
export interface RecordedEventLike extends StoredEventLike {
  /** When the store recorded it: the event's time when its metadata has none. */
  readonly recordedAt: Date;
}

export interface RecordedOrganizationEvent<T extends RecordedEventLike = RecordedEventLike> {
  /** The event as stored (ids, revision, position, and the data the hash chain covers). */
  readonly recorded: T;
  /** The domain event, upcast to the current schema version; undefined when it is not one (see below). */
  readonly event: OrganizationEvent | undefined;
  /** The data as current readers see it: `event.data`, or the stored data of an event that is not one. */
  readonly data: unknown;
  /** Version the data now has, and the one it was recorded with. */
  readonly schemaVersion: number;
  readonly recordedSchemaVersion: number;
  /** metadata.occurredAt (the command's time) when it is a valid time, else the store's recordedAt, ISO. */
  readonly occurredAt: string;
  /** The same time in epoch milliseconds. */
  readonly time: number;
  /** metadata.actor when it names a user, else null. */
  readonly actor: EventMetadata['actor'] | null;
  /** The actor's user id, or `unknown`. */
  readonly actorId: string;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  /** The command's name, e.g. `ApproveJoin`. */
  readonly command: string | null;
  /**
   * Why, in the words of whoever decided it: the data's `reason` (a rejection, a role change,
   * a removal), null when none was given. Personal data: the store opens it, and once its
   * owner is erased it reads as ERASED, never as missing.
   */
  readonly reason: string | ErasedValue | null;
  /** Where an imported organization or membership came from (OrganizationImported, MemberImported: `source`); else null. */
  readonly provenance: ImportProvenance | null;
  readonly idempotencyKey: string | null;
  readonly requestFingerprint: string | null;
  /** The W3C trace context of the command's request, when it carried one. */
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  /** The event's link in the hash chain. */
  readonly hash: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const IMPORTED_TYPES: ReadonlySet<string> = new Set(['OrganizationImported', 'MemberImported']);

function reasonOf(data: { reason?: unknown } | null): string | ErasedValue | null {
  const reason = data?.reason;
  return typeof reason === 'string' || isErased(reason) ? reason : null;
}

function provenanceOf(type: string, data: { source?: unknown } | null): ImportProvenance | null {
  const source = data?.source as ImportProvenance | null | undefined;
  return IMPORTED_TYPES.has(type) && source !== null && typeof source === 'object' && typeof source.system === 'string' && typeof source.id === 'string'
    ? { system: source.system, id: source.id, since: typeof source.since === 'string' ? source.since : null }
    : null;
}

function actorOf(value: unknown): EventMetadata['actor'] | null {
  const actor = value as { userId?: unknown } | null | undefined;
  return actor !== null && typeof actor === 'object' && typeof actor.userId === 'string' ? (actor as EventMetadata['actor']) : null;
}

/**
 * Upcasts a recorded event, checks that it is an organization event (a known type whose data
 * names its organization) and reads its metadata. Total: an event written by a newer
 * service (unknown type) or a malformed one comes back with `event` undefined, never a throw,
 * because readers must never stop on a recorded event; each decides what to do with it.
 */
export function readRecordedEvent<T extends RecordedEventLike>(recorded: T): RecordedOrganizationEvent<T> {
  const current = upcast(recorded);
  const data = current.data as { organizationId?: unknown; reason?: unknown; source?: unknown } | null;
  const isEvent = isOrganizationEventType(current.type) && data !== null && typeof data === 'object' && typeof data.organizationId === 'string';
  const metadata = recorded.metadata;
  const recordedTime = text(metadata.occurredAt);
  const parsed = recordedTime === null ? Number.NaN : Date.parse(recordedTime);
  const valid = !Number.isNaN(parsed);
  const actor = actorOf(metadata.actor);
  return {
    recorded,
    event: isEvent ? ({ type: current.type, data: current.data } as OrganizationEvent) : undefined,
    data: current.data,
    schemaVersion: current.schemaVersion,
    recordedSchemaVersion: current.recordedSchemaVersion,
    occurredAt: valid ? (recordedTime as string) : recorded.recordedAt.toISOString(),
    time: valid ? parsed : recorded.recordedAt.getTime(),
    actor,
    actorId: actor?.userId ?? 'unknown',
    correlationId: text(metadata.correlationId),
    causationId: text(metadata.causationId),
    command: text(metadata.command),
    reason: isEvent ? reasonOf(data) : null,
    provenance: isEvent ? provenanceOf(current.type, data) : null,
    idempotencyKey: text(metadata.idempotencyKey),
    requestFingerprint: text(metadata.requestFingerprint),
    traceparent: text(metadata.traceparent),
    tracestate: text(metadata.tracestate),
    hash: text(metadata.hash),
  };
}
