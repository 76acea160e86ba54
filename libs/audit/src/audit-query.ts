import { isOrganizationEventType, ORGANIZATION_EVENT_TYPES, parseIsoTime, validation } from '@roster/domain';
import { decodeCursor, type HistoryFilter } from './history';

/**
 * Input parsing shared by the HTTP routes and the CLI, so both refuse the same things
 * with the same messages (DomainError `validation`, a 400 over HTTP).
 */

/** One or more event types, repeated and/or comma-separated; an unknown or empty type is refused. */
function parseEventTypes(value: unknown): Set<string> | undefined {
  if (value === undefined || value === null) return undefined;
  const list = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim());
  if (list.some((type) => type === '')) {
    throw validation('VALIDATION.EVENT_TYPE', `type must name an event type; known types: ${ORGANIZATION_EVENT_TYPES.join(', ')}`);
  }
  for (const type of list) {
    if (!isOrganizationEventType(type)) {
      throw validation('VALIDATION.EVENT_TYPE', `Unknown event type ${JSON.stringify(type)}; known types: ${ORGANIZATION_EVENT_TYPES.join(', ')}`);
    }
  }
  return new Set(list);
}

export interface HistoryQueryInput {
  readonly from?: unknown;
  readonly to?: unknown;
  readonly type?: unknown;
  readonly actor?: unknown;
  readonly cursor?: unknown;
  readonly limit?: unknown;
}

export interface HistoryQuery {
  readonly filter: HistoryFilter;
  readonly fromRevision: bigint;
  /** Undefined: no limit given (an NDJSON export then streams everything). */
  readonly limit?: number;
}

export const HISTORY_DEFAULT_LIMIT = 100;
export const HISTORY_MAX_LIMIT = 1000;

/**
 * A parameter given at most once. Given empty (what an unset shell variable sends), it is
 * refused with the parameter's own code: ignoring it would widen the audit to everything.
 */
const single = (value: unknown, name: string, code: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) throw validation('VALIDATION.QUERY', `${name} may be given only once`);
  const text = String(value);
  if (text.trim() === '') throw validation(code, `${name} is empty; leave it out to not filter by it`);
  return text;
};

export function parseHistoryQuery(input: HistoryQueryInput): HistoryQuery {
  const fromText = single(input.from, 'from', 'VALIDATION.TIME');
  const toText = single(input.to, 'to', 'VALIDATION.TIME');
  const from = fromText === undefined ? undefined : parseIsoTime(fromText, 'from');
  const to = toText === undefined ? undefined : parseIsoTime(toText, 'to');
  if (from && to && from.getTime() > to.getTime()) throw validation('VALIDATION.TIME_RANGE', '`from` must not be after `to`');
  const actor = single(input.actor, 'actor', 'VALIDATION.QUERY');
  const cursorText = single(input.cursor, 'cursor', 'VALIDATION.CURSOR');
  const fromRevision = cursorText === undefined ? 0n : decodeCursor(cursorText);
  if (fromRevision === undefined) throw validation('VALIDATION.CURSOR', 'cursor is not one this service returned');
  const limitText = single(input.limit, 'limit', 'VALIDATION.LIMIT');
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = /^\d{1,7}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= HISTORY_MAX_LIMIT)) throw validation('VALIDATION.LIMIT', `limit must be an integer from 1 to ${HISTORY_MAX_LIMIT}`);
  }
  return { filter: { from, to, types: parseEventTypes(input.type), actor }, fromRevision, limit };
}
