import { IMPORT_COMMAND, organizationStreamId, readRecordedEvent, type ErasedValue, type EventMetadata, type ImportProvenance } from '@roster/domain';
import type { EventStore, RecordedEvent } from '@roster/event-store';

/** One event as auditors read it: who did what, when and why. */
export interface HistoryEntry {
  /** Global position, as a decimal string. */
  readonly position: string;
  /** 0-based revision inside the organization's stream, as a decimal string (like positions). */
  readonly revision: string;
  readonly id: string;
  readonly type: string;
  /** metadata.occurredAt: when the command that caused the event was handled (recordedAt when absent). */
  readonly time: string;
  readonly actor: EventMetadata['actor'] | null;
  /** The data of the change, upcast to the current schema version. */
  readonly data: unknown;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly schemaVersion: number;
  /** Present only when the event was recorded under an older version and upcast. */
  readonly recordedSchemaVersion?: number;
  /** The command's name, e.g. `ApproveJoin`. */
  readonly command: string | null;
  /** The reason given (a rejection, a role change, a removal), `{ erased: true }` once its owner is erased; null when none. */
  readonly reason: string | ErasedValue | null;
  /**
   * For what `roster import` recorded: the source portal, the id there and its date (the
   * event's own `source`; for the other events of an import, the organization's source
   * with `since` null). Null for what was done in Roster.
   */
  readonly provenance: ImportProvenance | null;
  /** The event's link in the hash chain (see GET /organizations/:id/verify). */
  readonly hash: string | null;
  /** Present only when the command's request carried a W3C trace context: joins the event to the portal's trace. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

export interface HistoryFilter {
  /** Inclusive bounds on the event time. */
  readonly from?: Date;
  readonly to?: Date;
  /** Only these types (none: all). */
  readonly types?: ReadonlySet<string>;
  /** Only events whose actor is this user id. */
  readonly actor?: string;
}

/** `organizationSource`: the organization's import provenance, for the events an import recorded without their own. */
export function toHistoryEntry(recorded: RecordedEvent, organizationSource: ImportProvenance | null = null): HistoryEntry {
  const read = readRecordedEvent(recorded);
  const provenance = read.provenance ?? (read.command === IMPORT_COMMAND && organizationSource ? { ...organizationSource, since: null } : null);
  return {
    position: recorded.position.toString(),
    revision: recorded.revision.toString(),
    id: recorded.id,
    type: recorded.type,
    time: read.occurredAt,
    actor: read.actor,
    data: read.data,
    correlationId: read.correlationId,
    causationId: read.causationId,
    schemaVersion: read.schemaVersion,
    ...(read.recordedSchemaVersion !== read.schemaVersion ? { recordedSchemaVersion: read.recordedSchemaVersion } : {}),
    command: read.command,
    reason: read.reason,
    provenance,
    hash: read.hash,
    ...(read.traceparent !== null ? { traceparent: read.traceparent } : {}),
    ...(read.tracestate !== null ? { tracestate: read.tracestate } : {}),
  };
}

function matchesFilter(entry: HistoryEntry, filter: HistoryFilter): boolean {
  if (filter.types && filter.types.size > 0 && !filter.types.has(entry.type)) return false;
  if (filter.actor !== undefined && entry.actor?.userId !== filter.actor) return false;
  if (filter.from || filter.to) {
    const time = Date.parse(entry.time);
    if (filter.from && !(time >= filter.from.getTime())) return false;
    if (filter.to && !(time <= filter.to.getTime())) return false;
  }
  return true;
}

/**
 * The organization's matching events in stream order from `fromRevision`, read page by
 * page from the store: nothing is buffered, so an export of any length streams.
 */
export async function* readHistory(
  store: EventStore,
  organizationId: string,
  filter: HistoryFilter = {},
  fromRevision = 0n,
): AsyncGenerator<HistoryEntry> {
  const streamId = organizationStreamId(organizationId);
  // An imported organization's provenance is its first event's; read it only if an entry needs it.
  let source: ImportProvenance | null | undefined;
  for await (const recorded of store.readStream(streamId, { fromRevision })) {
    let entry = toHistoryEntry(recorded, source ?? null);
    if (recorded.revision === 0n) source = entry.provenance;
    else if (source === undefined && entry.command === IMPORT_COMMAND && entry.provenance === null) {
      source = await firstProvenance(store, streamId);
      entry = toHistoryEntry(recorded, source);
    }
    if (matchesFilter(entry, filter)) yield entry;
  }
}

async function firstProvenance(store: EventStore, streamId: string): Promise<ImportProvenance | null> {
  for await (const first of store.readStream(streamId, { maxCount: 1 })) return readRecordedEvent(first).provenance;
  return null;
}

export interface HistoryPage {
  readonly organizationId: string;
  readonly events: HistoryEntry[];
  /** Pass as `cursor` for the next page; null when there is none. Opaque. */
  readonly nextCursor: string | null;
}

/** One page of `limit` matching events; reads one more match to know whether a next page exists. */
export async function readHistoryPage(
  store: EventStore,
  organizationId: string,
  filter: HistoryFilter,
  fromRevision: bigint,
  limit: number,
): Promise<HistoryPage> {
  const events: HistoryEntry[] = [];
  let nextCursor: string | null = null;
  for await (const entry of readHistory(store, organizationId, filter, fromRevision)) {
    if (events.length === limit) {
      nextCursor = encodeCursor(BigInt(entry.revision));
      break;
    }
    events.push(entry);
  }
  return { organizationId, events, nextCursor };
}

// The cursor is the revision to resume from, base64url-wrapped so clients treat it as opaque.
export function encodeCursor(revision: bigint): string {
  return Buffer.from(`r${revision}`, 'utf8').toString('base64url');
}

/** The revision a cursor stands for, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): bigint | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^r(0|[1-9]\d{0,15})$/.test(text) ? BigInt(text.slice(1)) : undefined;
}
