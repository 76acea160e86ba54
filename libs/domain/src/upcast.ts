import { defaultDatasetRoleFor } from './dataset-roles';
import { EVENT_SCHEMA_VERSION, type OrganizationEvent } from './events';
import { isRole } from './roles';

/**
 * Upcasting: an event recorded under an older schema version is read as the current
 * version, so `evolve` and every other reader only ever see current shapes. Only the one
 * reader (readRecordedEvent, recorded-event.ts) calls it. Recorded rows are never
 * rewritten: the hash chain covers them as recorded.
 */

/** What upcasting needs of a recorded event (a RecordedEvent fits). */
export interface StoredEventLike {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The event as current readers see it: its type and upcast data, no copy of the rest (read once per event). */
export type Upcasted = OrganizationEvent & {
  /** Version the data now has (EVENT_SCHEMA_VERSION unless written by a newer service). */
  readonly schemaVersion: number;
  /** Version the event was recorded with. */
  readonly recordedSchemaVersion: number;
};

/** One step: data of `type` at version v -> data at version v + 1. */
type UpcastStep = (data: Record<string, unknown>) => Record<string, unknown>;

function placedAsBeforeDepartments(data: Record<string, unknown>): Record<string, unknown> {
  const role = isRole(data.role) ? data.role : undefined;
  return {
    ...data,
    departmentId: null,
    ...(role !== undefined ? { defaultDatasetRole: defaultDatasetRoleFor(role) } : {}),
  };
}

/**
 * Steps by event type and the version they upgrade from. Version 1 is the first version
 * ever recorded by Roster; the version-0 OrganizationCreated step is the worked example
 * of the path (an import from a portal that had no description field).
 */
const UPCAST_STEPS: Readonly<Record<string, Readonly<Record<number, UpcastStep>>>> = {
  OrganizationCreated: {
    0: (data) => ({ ...data, description: typeof data.description === 'string' ? data.description : '' }),
    1: (data) => ({ ...data, creatorDefaultDatasetRole: defaultDatasetRoleFor('admin') }),
  },
  // Version 2 places memberships and invitations: before departments everyone was
  // organization-wide, and the default dataset role followed the role of that moment.
  MemberInvited: { 1: placedAsBeforeDepartments },
  InvitationAccepted: { 1: placedAsBeforeDepartments },
  JoinApproved: { 1: placedAsBeforeDepartments },
  // Version 3 adds the optional `reason` of MemberRoleChanged and MemberRemoved: an older
  // event had none to give, and absent is how "no reason" reads, so no step fills it.
};

/** The recorded schema version: metadata.schemaVersion, or 1 when absent (nothing older was written without it). */
function recordedSchemaVersion(metadata: Readonly<Record<string, unknown>>): number {
  const version = metadata.schemaVersion;
  return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : 1;
}

export function upcast(recorded: StoredEventLike): Upcasted {
  const from = recordedSchemaVersion(recorded.metadata);
  let data = recorded.data as Record<string, unknown>;
  let version = from;
  const steps = UPCAST_STEPS[recorded.type];
  while (version < EVENT_SCHEMA_VERSION) {
    const step = steps?.[version];
    if (step) data = step(data);
    version += 1;
  }
  // The common case (already current) copies nothing: the data as recorded.
  return { type: recorded.type, data, schemaVersion: version, recordedSchemaVersion: from } as Upcasted;
}
