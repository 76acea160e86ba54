import { DomainError, parseIsoTime } from '@roster/domain';
import { parseHistoryQuery } from './audit-query';
import { decodeCursor, encodeCursor } from './history';

const refusal = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('audit input parsing', () => {
  it('reads ISO dates and date-times, in UTC unless an offset is given', () => {
    expect(parseIsoTime('2026-03-03', 'at').toISOString()).toBe('2026-03-03T00:00:00.000Z');
    expect(parseIsoTime('2026-03-03T09:30', 'at').toISOString()).toBe('2026-03-03T09:30:00.000Z');
    expect(parseIsoTime('2026-03-03T09:30:15.250+02:00', 'at').toISOString()).toBe('2026-03-03T07:30:15.250Z');
  });

  it.each(['yesterday', '2026-02-30', '2026-13-01', '2026-03-03T25:00Z', '', '1709251200000'])('refuses %j as a time', (value) => {
    expect(refusal(() => parseIsoTime(value, 'at'))).toMatchObject({ kind: 'validation', code: 'VALIDATION.TIME' });
  });

  it('reads filters, types repeated or comma-separated', () => {
    const q = parseHistoryQuery({ from: '2026-01-01', to: '2026-02-01', type: ['MemberLeft,MemberRemoved', 'JoinApproved'], actor: 'u1', limit: '20' });
    expect([...q.filter.types!]).toEqual(['MemberLeft', 'MemberRemoved', 'JoinApproved']);
    expect(q).toMatchObject({ fromRevision: 0n, limit: 20, filter: { actor: 'u1' } });
  });

  it('refuses an unknown event type, a bad limit, a foreign cursor and an inverted range', () => {
    expect(refusal(() => parseHistoryQuery({ type: 'MemberExploded' })).code).toBe('VALIDATION.EVENT_TYPE');
    expect(refusal(() => parseHistoryQuery({ limit: '0' })).code).toBe('VALIDATION.LIMIT');
    expect(refusal(() => parseHistoryQuery({ limit: '5000' })).code).toBe('VALIDATION.LIMIT');
    expect(refusal(() => parseHistoryQuery({ cursor: 'abc' })).code).toBe('VALIDATION.CURSOR');
    expect(refusal(() => parseHistoryQuery({ from: '2026-02-01', to: '2026-01-01' })).code).toBe('VALIDATION.TIME_RANGE');
  });

  it.each([
    ['from', 'VALIDATION.TIME'],
    ['to', 'VALIDATION.TIME'],
    ['type', 'VALIDATION.EVENT_TYPE'],
    ['actor', 'VALIDATION.QUERY'],
    ['cursor', 'VALIDATION.CURSOR'],
    ['limit', 'VALIDATION.LIMIT'],
  ])('refuses an empty %s (it would widen the history) with %s', (name, code) => {
    for (const empty of ['', ' ']) expect(refusal(() => parseHistoryQuery({ [name]: empty })).code).toBe(code);
  });

  it('refuses an empty type among others', () => {
    expect(refusal(() => parseHistoryQuery({ type: ['JoinApproved', ''] })).code).toBe('VALIDATION.EVENT_TYPE');
    expect(refusal(() => parseHistoryQuery({ type: 'JoinApproved,' })).code).toBe('VALIDATION.EVENT_TYPE');
  });

  it('round-trips cursors', () => {
    expect(decodeCursor(encodeCursor(123n))).toBe(123n);
    expect(parseHistoryQuery({ cursor: encodeCursor(5n) }).fromRevision).toBe(5n);
  });
});
