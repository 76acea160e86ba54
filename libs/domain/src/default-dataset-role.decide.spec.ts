import { randomUUID } from 'node:crypto';
import { DATASET_ROLES, defaultDatasetRoleFor, isDatasetRole } from './dataset-roles';
import { ROLES } from './roles';
import { anOrganizationWithDepartments } from './testing/department.fixtures';
import { anOrganization, as, ev, foldOrganization, given } from './testing/organization.fixtures';

/** DESIGN.md, Default dataset role: when not given it follows the role at that moment. */
const FOLLOWS = { member: 'reader', editor: 'contributor', admin: 'manager' } as const;

describe('default dataset role', () => {
  test.each(ROLES)('follows role %s when not given', (role) => {
    expect(defaultDatasetRoleFor(role)).toBe(FOLLOWS[role]);
  });

  test('four values, none meaning "do not add"', () => {
    expect(DATASET_ROLES).toEqual(['none', 'reader', 'contributor', 'manager']);
    expect(isDatasetRole('owner')).toBe(false);
    expect(isDatasetRole(undefined)).toBe(false);
  });

  test('the creator of an organization is recorded as manager', () => {
    const [event] = given([])
      .when({ type: 'CreateOrganization', data: { organizationId: randomUUID(), name: 'Org' } }, as('creator'))
      .then([expect.anything()]);
    expect(event.data).toMatchObject({ creatorDefaultDatasetRole: 'manager' });
  });

  test.each(ROLES)('an invitation with role %s and none given records the role default', (role) => {
    const o = anOrganization();
    const [event] = given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role } }, as(o.admin))
      .then([expect.anything()]);
    expect(event.data).toMatchObject({ defaultDatasetRole: FOLLOWS[role] });
  });

  test.each(ROLES)('an approval with role %s and none given records the role default', (role) => {
    const o = anOrganization();
    const requestId = randomUUID();
    const [event] = given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, role } }, as(o.admin))
      .then([expect.anything()]);
    expect(event.data).toMatchObject({ defaultDatasetRole: FOLLOWS[role] });
  });

  test.each(DATASET_ROLES)('given at invitation (%s), it is recorded and carried to the membership', (defaultDatasetRole) => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const [invited] = given(o.history)
      .when(
        { type: 'InviteMember', data: { organizationId: o.org, invitationId, invitee: { userId: o.outsider }, role: 'admin', defaultDatasetRole } },
        as(o.admin),
      )
      .then([expect.anything()]);
    expect(invited.data).toMatchObject({ defaultDatasetRole });
    given([...o.history, invited])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider))
      .then([ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'admin', departmentId: null, defaultDatasetRole })]);
  });

  test('given at approval, it is recorded', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, role: 'member', defaultDatasetRole: 'manager' } }, as(o.admin))
      .then([
        ev('JoinApproved', { organizationId: o.org, requestId, userId: o.outsider, role: 'member', approvedBy: o.admin, departmentId: null, defaultDatasetRole: 'manager' }),
      ]);
  });

  test.each([['owner'], [''], [null], [3]])('%p is refused at invitation, approval and change', (value) => {
    const o = anOrganization();
    const requestId = randomUUID();
    const history = [...o.history, o.requested(requestId, o.outsider)];
    const defaultDatasetRole = value as never;
    given(history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: 'x' }, role: 'member', defaultDatasetRole } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.DEFAULT_DATASET_ROLE');
    given(history)
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, defaultDatasetRole } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.DEFAULT_DATASET_ROLE');
    given(history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o.member, defaultDatasetRole } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.DEFAULT_DATASET_ROLE');
  });
});

describe('ChangeDefaultDatasetRole', () => {
  test('an admin changes a member default dataset role', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o.member, defaultDatasetRole: 'contributor' } }, as(o.admin))
      .then([ev('DefaultDatasetRoleChanged', { organizationId: o.org, userId: o.member, from: 'reader', to: 'contributor', changedBy: o.admin })]);
  });

  test('an admin changes their own; a superadmin who is not a member changes anyone', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o.admin, defaultDatasetRole: 'none' } }, as(o.admin))
      .then([ev('DefaultDatasetRoleChanged', { organizationId: o.org, userId: o.admin, from: 'manager', to: 'none', changedBy: o.admin })]);
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o.editor, defaultDatasetRole: 'reader' } }, as(o.superadmin, { superadmin: true }))
      .then([ev('DefaultDatasetRoleChanged', { organizationId: o.org, userId: o.editor, from: 'contributor', to: 'reader', changedBy: o.superadmin })]);
  });

  test('the value the member has records nothing', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o.editor, defaultDatasetRole: 'contributor' } }, as(o.admin))
      .then([]);
  });

  test('a non-member: not found', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o.outsider, defaultDatasetRole: 'reader' } }, as(o.admin))
      .thenThrows('not_found', 'MEMBERSHIP.NOT_FOUND');
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not change it, not even their own', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o[who], defaultDatasetRole: 'manager' } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('a later role change does not change it; the change is folded', () => {
    const o = anOrganization();
    const state = foldOrganization([
      ...o.history,
      ev('DefaultDatasetRoleChanged', { organizationId: o.org, userId: o.editor, from: 'contributor', to: 'none', changedBy: o.admin }),
      ev('MemberRoleChanged', { organizationId: o.org, userId: o.editor, from: 'editor', to: 'admin', changedBy: o.admin }),
      ev('MemberRoleChanged', { organizationId: o.org, userId: o.member, from: 'member', to: 'admin', changedBy: o.admin }),
    ]);
    expect(state.members.get(o.editor)).toMatchObject({ role: 'admin', defaultDatasetRole: 'none' });
    expect(state.members.get(o.member)).toMatchObject({ role: 'admin', defaultDatasetRole: 'reader' });
  });

  test('each membership carries its department and default dataset role', () => {
    const o = anOrganizationWithDepartments();
    const state = foldOrganization([...o.history, ...o.joinedIn('picky', 'editor', 'roads', 'none')]);
    expect(state.members.get(o.admin)).toMatchObject({ departmentId: null, defaultDatasetRole: 'manager', via: 'creation' });
    expect(state.members.get(o.waterMember)).toMatchObject({ departmentId: 'water', defaultDatasetRole: 'reader' });
    expect(state.members.get('picky')).toMatchObject({ role: 'editor', departmentId: 'roads', defaultDatasetRole: 'none' });
  });
});
