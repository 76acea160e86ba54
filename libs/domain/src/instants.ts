import { validation } from './errors';

/**
 * Instants given by callers: as-of, the history filters and the permission check's `at`
 * read them with one parser, so each accepts and refuses the same text with the same words.
 */

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO 8601 date or date-time (RFC 3339 date-times among them). A date alone means 00:00
 * UTC that day; a date-time without an offset is read as UTC (never the server's local zone).
 * Impossible calendar dates (2026-02-30) are refused rather than rolled over.
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

/**
 * The permission check's `at`: an instant no later than `now` (the caller's clock, taken
 * where the request is read). The future has no record yet, so asking about it is refused
 * rather than answered with today's state.
 */
export function validPastInstant(value: unknown, now: Date): Date {
  const at = parseIsoTime(value, 'at');
  if (at.getTime() > now.getTime()) {
    throw validation('VALIDATION.TIME_FUTURE', `at must not be in the future (${at.toISOString()}): the record says nothing of it yet`);
  }
  return at;
}
