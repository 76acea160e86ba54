import { readRecordedEvent } from './recorded-event';

describe('readRecordedEvent', () => {
  const recordedAt = new Date('2026-03-01T00:00:00.000Z');
  const base = { recordedAt, metadata: { actor: { userId: 'u1' }, occurredAt: '2026-02-28T23:59:59.000Z', schemaVersion: 1 } };

  it('reads a current event and its metadata', () => {
    const read = readRecordedEvent({ ...base, type: 'MemberLeft', data: { organizationId: 'o1', userId: 'u1', role: 'member' } });
    expect(read).toMatchObject({
      event: { type: 'MemberLeft', data: { organizationId: 'o1', userId: 'u1', role: 'member' } },
      occurredAt: '2026-02-28T23:59:59.000Z',
      time: Date.parse('2026-02-28T23:59:59.000Z'),
      actorId: 'u1',
      correlationId: null,
    });
  });

  it('dates an event without a valid occurredAt by the time the store recorded it', () => {
    for (const occurredAt of [undefined, 'not a time', 42]) {
      const read = readRecordedEvent({ ...base, metadata: { occurredAt }, type: 'MemberLeft', data: { organizationId: 'o1' } });
      expect({ occurredAt: read.occurredAt, time: read.time, actorId: read.actorId }).toEqual({
        occurredAt: recordedAt.toISOString(),
        time: recordedAt.getTime(),
        actorId: 'unknown',
      });
    }
  });

  it('never throws on what is not an organization event: an unknown type or data without its organization', () => {
    expect(readRecordedEvent({ ...base, type: 'MemberTeleported', data: { organizationId: 'o1' } }).event).toBeUndefined();
    expect(readRecordedEvent({ ...base, type: 'MemberLeft', data: null }).event).toBeUndefined();
    expect(readRecordedEvent({ ...base, type: 'MemberLeft', data: { userId: 'u1' } }).data).toEqual({ userId: 'u1' });
  });
});
