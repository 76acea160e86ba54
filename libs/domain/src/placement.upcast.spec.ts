import { EVENT_SCHEMA_VERSION } from './events';
import { evolve, initialState } from './organization.state';
import { upcast } from './upcast';

/**
 * Events recorded before departments and the default dataset role (schema version 1) read as
 * DESIGN.md says they were: everyone organization-wide, the default dataset role following the
 * role of that moment.
 */
describe('upcast of version-1 events to placements', () => {
  const v1 = (type: string, data: Record<string, unknown>) => upcast({ type, data, metadata: { schemaVersion: 1 } });

  test('version 3 (reasons) is the current version', () => {
    expect(EVENT_SCHEMA_VERSION).toBe(3);
  });

  test('OrganizationCreated: the creator is a manager', () => {
    const event = v1('OrganizationCreated', { organizationId: 'o1', name: 'Org', description: '', createdBy: 'u1' });
    expect(event).toMatchObject({ schemaVersion: EVENT_SCHEMA_VERSION, recordedSchemaVersion: 1, data: { creatorDefaultDatasetRole: 'manager' } });
  });

  test.each([
    ['member', 'reader'],
    ['editor', 'contributor'],
    ['admin', 'manager'],
  ])('MemberInvited, InvitationAccepted and JoinApproved with role %s: organization-wide, %s', (role, defaultDatasetRole) => {
    for (const type of ['MemberInvited', 'InvitationAccepted', 'JoinApproved']) {
      const recorded = { organizationId: 'o1', invitationId: 'i1', requestId: 'r1', userId: 'u2', role };
      const event = v1(type, recorded);
      expect(event).toMatchObject({ type, schemaVersion: EVENT_SCHEMA_VERSION, recordedSchemaVersion: 1, data: { ...recorded, departmentId: null, defaultDatasetRole } });
      expect(recorded).not.toHaveProperty('departmentId');
    }
  });

  test('a version-2 event is read as recorded, placement included', () => {
    const data = { organizationId: 'o1', requestId: 'r1', userId: 'u2', role: 'member', approvedBy: 'u1', departmentId: 'water', defaultDatasetRole: 'none' };
    const event = upcast({ type: 'JoinApproved', data, metadata: { schemaVersion: 2 } });
    expect(event.data).toBe(data);
  });

  test('a v0 OrganizationCreated goes through both steps', () => {
    const event = upcast({ type: 'OrganizationCreated', data: { organizationId: 'o1', name: 'Org', createdBy: 'u1' }, metadata: { schemaVersion: 0 } });
    expect(event.data).toEqual({ organizationId: 'o1', name: 'Org', description: '', createdBy: 'u1', creatorDefaultDatasetRole: 'manager' });
  });

  test('an old history folds into organization-wide members with their defaults and pending invitations likewise', () => {
    const recorded = [
      { type: 'OrganizationCreated', data: { organizationId: 'o1', name: 'Org', description: '', createdBy: 'u1' } },
      { type: 'JoinRequested', data: { organizationId: 'o1', requestId: 'r1', userId: 'u2' } },
      { type: 'JoinApproved', data: { organizationId: 'o1', requestId: 'r1', userId: 'u2', role: 'member', approvedBy: 'u1' } },
      { type: 'MemberInvited', data: { organizationId: 'o1', invitationId: 'i1', invitee: { kind: 'user', userId: 'u3' }, role: 'editor', invitedBy: 'u1', expiresAt: '2026-03-08T00:00:00.000Z' } },
      { type: 'MemberRoleChanged', data: { organizationId: 'o1', userId: 'u2', from: 'member', to: 'admin', changedBy: 'u1' } },
    ].map((event) => upcast({ ...event, metadata: { schemaVersion: 1 } }));
    const state = recorded.reduce((folded, event) => evolve(folded, event), initialState);
    expect(state.members.get('u1')).toMatchObject({ departmentId: null, defaultDatasetRole: 'manager' });
    // Recorded at the approval, as a member: the later promotion does not change it.
    expect(state.members.get('u2')).toMatchObject({ role: 'admin', departmentId: null, defaultDatasetRole: 'reader' });
    expect(state.invitations.get('i1')).toMatchObject({ departmentId: null, defaultDatasetRole: 'contributor' });
    expect(state.organizationWideAdminCount).toBe(2);
    expect(evolve(initialState, recorded[0]).organizationWideAdminCount).toBe(1);
  });

  test('a version-1 event missing its role is left without a default rather than a wrong one', () => {
    const event = v1('JoinApproved', { organizationId: 'o1', requestId: 'r1', userId: 'u2' });
    expect(event.data).toEqual({ organizationId: 'o1', requestId: 'r1', userId: 'u2', departmentId: null });
  });
});
