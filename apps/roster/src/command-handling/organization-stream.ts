import { evolve, initialState, PersistentMap, readRecordedEvent, type OrganizationState } from '@roster/domain';
import { eventHash, GENESIS_HASH, type RecordedEvent } from '@roster/event-store';

/**
 * A command's answer, as an idempotent retry gets it again. It says nothing of HTTP: the
 * command route turns it into a status, headers and a body (command-answer.ts, CommandAnswer).
 */
export interface CommandOutcome {
  readonly organizationId: string;
  /** Revision of the stream after the command (-1n: no stream). */
  readonly revision: bigint;
  /** Global position of the last event the command appended; for a no-op, the stream's last one. */
  readonly position: bigint | null;
  readonly invitationId?: string;
  readonly requestId?: string;
  readonly partnershipId?: string;
  /** True when this repeats the answer of an earlier request with the same Idempotency-Key. */
  readonly replayed: boolean;
}

/** What an Idempotency-Key answered, rebuilt from the events' metadata on every fold. */
export interface RecordedAnswer {
  readonly fingerprint: string;
  readonly outcome: CommandOutcome;
}

/**
 * One organization's folded stream: everything a command needs, kept in the state cache
 * and advanced by reading only the events after `revision`.
 */
export interface OrganizationStream {
  readonly streamId: string;
  readonly state: OrganizationState;
  /** Revision of the last folded event; -1n when the stream has none. */
  readonly revision: bigint;
  /** Position of the last folded event. */
  readonly position: bigint | null;
  /** `hash` of the last event: the next event's previousHash. */
  readonly lastHash: string;
  /** Idempotency answers by answerKey(userId, key). */
  readonly answers: PersistentMap<RecordedAnswer>;
}

export const emptyOrganizationStream = (streamId: string): OrganizationStream => ({
  streamId,
  state: initialState,
  revision: -1n,
  position: null,
  lastHash: GENESIS_HASH,
  answers: PersistentMap.empty<RecordedAnswer>(),
});

/** Idempotency keys belong to the caller: two users may pick the same key. */
export const answerKey = (userId: string, idempotencyKey: string): string => `${userId}\u0000${idempotencyKey}`;

const ID_FIELDS = ['invitationId', 'requestId', 'partnershipId'] as const;

/**
 * The ids an answer names, read from the events' data (the same live and on replay), a later
 * event's over an earlier one's; only these fields are read, no data is copied.
 */
function createdIds(namedIn: readonly unknown[]): { invitationId?: string; requestId?: string; partnershipId?: string } {
  const ids: { invitationId?: string; requestId?: string; partnershipId?: string } = {};
  for (const data of namedIn) {
    if (data === null || typeof data !== 'object') continue;
    for (const field of ID_FIELDS) {
      const value = (data as Record<string, unknown>)[field];
      if (typeof value === 'string') ids[field] = value;
    }
  }
  return ids;
}

/** `namedIn`: the data of the events (or the command) whose ids the answer names. */
export function outcomeOf(organizationId: string, revision: bigint, position: bigint | null, namedIn: readonly unknown[]): CommandOutcome {
  return {
    organizationId,
    revision,
    position,
    ...createdIds(namedIn),
    replayed: false,
  };
}

/** Folds one recorded event into the stream: state, revision, position, hash chain and idempotency answers. */
export function foldRecorded(stream: OrganizationStream, event: RecordedEvent): OrganizationStream {
  const read = readRecordedEvent(event);
  const state = read.event
    ? evolve(stream.state, read.event, { occurredAt: read.occurredAt, command: read.command })
    : stream.state; // a type this version does not know: written by a newer one, skipped
  const lastHash = read.hash ?? eventHash(stream.lastHash, event);
  let answers = stream.answers;
  const { idempotencyKey: key, requestFingerprint: fingerprint } = read;
  const userId = read.actor?.userId;
  if (key !== null && fingerprint !== null && userId !== undefined) {
    // A command's events are contiguous; the last one's revision and position are its answer.
    const organizationId = state.id || String((event.data as { organizationId?: unknown })?.organizationId ?? '');
    const previous = answers.get(answerKey(userId, key));
    const ids = previous?.fingerprint === fingerprint && previous.outcome.revision === event.revision - 1n ? previous.outcome : {};
    const outcome = outcomeOf(organizationId, event.revision, event.position, [event.data]);
    answers = answers.set(answerKey(userId, key), { fingerprint, outcome: { ...ids, ...outcome } });
  }
  return {
    streamId: stream.streamId,
    state,
    revision: event.revision,
    position: event.position,
    lastHash,
    answers,
  };
}
