import { isOrganizationEventType, ORGANIZATION_EVENT_TYPES, validation } from '@roster/domain';
import { decodeCursor, type HistoryFilter } from './history';

/**
 * Input parsing shared by the HTTP routes and the CLI, so both refuse the same things
 * with the same messages (DomainError `validation`, a 400 over HTTP).
 */

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO 8601 date or date-time. A date alone means 00:00 UTC that day; a date-time
 * without an offset is read as UTC (never the server's local zone). Impossible calendar
 * dates (2026-02-30) are refused rather than rolled over.
 */
export function parseIsoTime(value: unknown, name: string): Date {
  const text = typeof value === 'string' ? value.trim() : '';
  const match = ISO_TIME.exec(text);
  const bad = () => validation('VALIDATION.TIME', `${name} must be an ISO 8601 date or date-time (e.g. 2026-03-03 or 2026-03-03T09:30:00Z), got ${JSON.stringify(value ?? null)}`);
  if (!match) throw bad();
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = match;
  const calendar = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  if (calendar.getUTCFullYear() !== +y || calendar.getUTCMonth() !== +mo - 1 || calendar.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) {
    throw bad();
  }
  const normalized = text.replace(' ', 'T');
  const ms = Date.parse(match[4] === undefined ? `${normalized}T00:00:00Z` : zone ? normalized : `${normalized}Z`);
  if (Number.isNaN(ms)) throw bad();
  return new Date(ms);
}

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
