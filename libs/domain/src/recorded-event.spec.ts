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

  it("reads the reason given (a string, or the erased marker of a destroyed key), whatever the event type, else null", () => {
    const reasonOf = (type: string, data: Record<string, unknown>) => readRecordedEvent({ ...base, type, data: { organizationId: 'o1', ...data } }).reason;
    expect(reasonOf('JoinRejected', { requestId: 'r', userId: 'u2', rejectedBy: 'u1', reason: 'Not yet' })).toBe('Not yet');
    // A reason another version adds (ChangeRole, RemoveMember) reads the same, with no change here.
    expect(reasonOf('MemberRemoved', { userId: 'u2', role: 'member', removedBy: 'u1', reason: 'Left the lab' })).toBe('Left the lab');
    expect(reasonOf('MemberRoleChanged', { userId: 'u2', from: 'member', to: 'editor', changedBy: 'u1', reason: { erased: true } })).toEqual({ erased: true });
    expect(reasonOf('JoinRejected', { requestId: 'r', userId: 'u2', rejectedBy: 'u1' })).toBeNull();
    // Still sealed (read from the store as it is on disk) is not a reason anyone can read.
    expect(reasonOf('JoinRejected', { requestId: 'r', userId: 'u2', rejectedBy: 'u1', reason: { enc: 'v1', kid: 'k', iv: 'i', ct: 'c', tag: 't' } })).toBeNull();
  });

  it('reads the provenance of what an import recorded, and of nothing else', () => {
    const source = { system: 'udata', id: '5a1b', since: '2019-04-02T00:00:00Z' };
    const read = (type: string, data: Record<string, unknown>) => readRecordedEvent({ ...base, type, data: { organizationId: 'o1', ...data } }).provenance;
    expect(read('OrganizationImported', { name: 'N', description: '', importedBy: 'root', source })).toEqual(source);
    expect(read('MemberImported', { userId: 'u2', role: 'editor', importedBy: 'root', source: { ...source, since: null } })).toEqual({ ...source, since: null });
    expect(read('MemberLeft', { userId: 'u2', role: 'member', source })).toBeNull();
  });
});
