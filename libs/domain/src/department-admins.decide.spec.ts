import { randomUUID } from 'node:crypto';
import type { OrganizationCommand } from './commands';
import { anOrganizationWithDepartments } from './testing/department.fixtures';
import { as, ev, given, inDays } from './testing/organization.fixtures';

type Scenario = ReturnType<typeof anOrganizationWithDepartments>;

/** A department admin (role admin, restricted to `water`) manages the people of water only (DESIGN.md, Departments). */
describe('a department admin invites', () => {
  const invite = (o: Scenario, data: Partial<Extract<OrganizationCommand, { type: 'InviteMember' }>['data']> = {}, invitationId = randomUUID()) =>
    ({
      type: 'InviteMember',
      data: { organizationId: o.org, invitationId, invitee: { userId: o.outsider }, role: 'editor', ...data },
    }) satisfies OrganizationCommand;

  test('into their department when none is named', () => {
    const o = anOrganizationWithDepartments();
    const invitationId = randomUUID();
    given(o.history)
      .when(invite(o, {}, invitationId), as(o.waterAdmin))
      .then([
        ev('MemberInvited', {
          organizationId: o.org,
          invitationId,
          invitee: { kind: 'user', userId: o.outsider },
          role: 'editor',
          invitedBy: o.waterAdmin,
          expiresAt: inDays(7).toISOString(),
          departmentId: 'water',
          defaultDatasetRole: 'contributor',
        }),
      ]);
  });

  test('naming their own department, with any role, admin included', () => {
    const o = anOrganizationWithDepartments();
    const invitationId = randomUUID();
    given(o.history)
      .when(invite(o, { departmentId: 'water', role: 'admin' }, invitationId), as(o.waterAdmin))
      .then([
        ev('MemberInvited', {
          organizationId: o.org,
          invitationId,
          invitee: { kind: 'user', userId: o.outsider },
          role: 'admin',
          invitedBy: o.waterAdmin,
          expiresAt: inDays(7).toISOString(),
          departmentId: 'water',
          defaultDatasetRole: 'manager',
        }),
      ]);
  });

  test.each([
    ['another department', 'roads'],
    ['an unknown department', 'parks'],
    ['organization-wide (null)', null],
  ] as const)('not into %s', (_, departmentId) => {
    const o = anOrganizationWithDepartments();
    const error = given(o.history).when(invite(o, { departmentId }), as(o.waterAdmin)).thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
    expect(error.message).toMatch(/restricted to department water/);
  });

  test('not to replace a pending invitation into another department', () => {
    const o = anOrganizationWithDepartments();
    given([...o.history, o.invitedIn(randomUUID(), o.outsider, 'roads')])
      .when(invite(o), as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
    given([...o.history, o.invitedIn(randomUUID(), o.outsider, null)])
      .when(invite(o), as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('replacing a pending invitation into their department', () => {
    const o = anOrganizationWithDepartments();
    const [first, second] = [randomUUID(), randomUUID()];
    const [event] = given([...o.history, o.invitedIn(first, o.outsider, 'water')])
      .when(invite(o, {}, second), as(o.waterAdmin))
      .then([expect.anything()]);
    expect(event.data).toMatchObject({ invitationId: second, departmentId: 'water', replacesInvitationId: first });
  });
});

describe('an organization-wide admin invites', () => {
  test('organization-wide when no department is named', () => {
    const o = anOrganizationWithDepartments();
    const [event] = given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { email: 'ada@example.org' }, role: 'member' } }, as(o.admin))
      .then([expect.anything()]);
    expect(event.data).toMatchObject({ departmentId: null, defaultDatasetRole: 'reader' });
  });

  test('into any department', () => {
    const o = anOrganizationWithDepartments();
    const [event] = given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'admin', departmentId: 'roads' } }, as(o.admin))
      .then([expect.anything()]);
    expect(event.data).toMatchObject({ departmentId: 'roads', defaultDatasetRole: 'manager' });
  });

  test('into an unknown department: not found', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'editor', departmentId: 'parks' } }, as(o.admin))
      .thenThrows('not_found', 'DEPARTMENT.NOT_FOUND');
  });

  test('a departmentId that is not a slug is refused', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'editor', departmentId: 'Roads' } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.DEPARTMENT_ID');
  });
});

describe('accepting an invitation into a department', () => {
  test('makes a member of that department with the invitation default dataset role', () => {
    const o = anOrganizationWithDepartments();
    const invitationId = randomUUID();
    given([...o.history, o.invitedIn(invitationId, o.outsider, 'water', 'member')])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider))
      .then([
        ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'member', departmentId: 'water', defaultDatasetRole: 'reader' }),
      ]);
  });
});

describe('a department admin reviews join requests', () => {
  test('approving puts the requester into their department', () => {
    const o = anOrganizationWithDepartments();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId } }, as(o.waterAdmin))
      .then([
        ev('JoinApproved', {
          organizationId: o.org,
          requestId,
          userId: o.outsider,
          role: 'editor',
          approvedBy: o.waterAdmin,
          departmentId: 'water',
          defaultDatasetRole: 'contributor',
        }),
      ]);
  });

  test.each([['roads'], [null]] as const)('approving into %p is refused', (departmentId) => {
    const o = anOrganizationWithDepartments();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, departmentId } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('an organization-wide admin approves into a department, or organization-wide by default', () => {
    const o = anOrganizationWithDepartments();
    const requestId = randomUUID();
    const history = [...o.history, o.requested(requestId, o.outsider)];
    const [into] = given(history)
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, role: 'member', departmentId: 'roads' } }, as(o.admin))
      .then([expect.anything()]);
    expect(into.data).toMatchObject({ departmentId: 'roads', defaultDatasetRole: 'reader' });
    const [wide] = given(history)
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId } }, as(o.admin))
      .then([expect.anything()]);
    expect(wide.data).toMatchObject({ departmentId: null, defaultDatasetRole: 'contributor' });
  });

  test('an unknown department named by an organization-wide admin: not found', () => {
    const o = anOrganizationWithDepartments();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, departmentId: 'parks' } }, as(o.admin))
      .thenThrows('not_found', 'DEPARTMENT.NOT_FOUND');
  });

  test('rejecting: a join request belongs to no department yet, so a department admin may reject it', () => {
    const o = anOrganizationWithDepartments();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'RejectJoin', data: { organizationId: o.org, requestId } }, as(o.waterAdmin))
      .then([ev('JoinRejected', { organizationId: o.org, requestId, userId: o.outsider, rejectedBy: o.waterAdmin })]);
  });
});

describe('a department admin revokes invitations', () => {
  test('into their department', () => {
    const o = anOrganizationWithDepartments();
    const invitationId = randomUUID();
    given([...o.history, o.invitedIn(invitationId, o.outsider, 'water')])
      .when({ type: 'RevokeInvitation', data: { organizationId: o.org, invitationId } }, as(o.waterAdmin))
      .then([ev('InvitationRevoked', { organizationId: o.org, invitationId, revokedBy: o.waterAdmin })]);
  });

  test.each([['roads'], [null]] as const)('not into %p', (departmentId) => {
    const o = anOrganizationWithDepartments();
    const invitationId = randomUUID();
    given([...o.history, o.invitedIn(invitationId, o.outsider, departmentId)])
      .when({ type: 'RevokeInvitation', data: { organizationId: o.org, invitationId } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });
});

describe('a department admin manages the members of their department', () => {
  test('changes a role, which keeps the member in the department', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.waterMember, role: 'admin' } }, as(o.waterAdmin))
      .then([ev('MemberRoleChanged', { organizationId: o.org, userId: o.waterMember, from: 'member', to: 'admin', changedBy: o.waterAdmin })]);
  });

  test('changes a default dataset role', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o.waterEditor, defaultDatasetRole: 'none' } }, as(o.waterAdmin))
      .then([ev('DefaultDatasetRoleChanged', { organizationId: o.org, userId: o.waterEditor, from: 'contributor', to: 'none', changedBy: o.waterAdmin })]);
  });

  test('removes a member', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.waterEditor } }, as(o.waterAdmin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.waterEditor, role: 'editor', removedBy: o.waterAdmin })]);
  });

  const outside = [
    ['a member of another department', 'roadsEditor'],
    ['an organization-wide member', 'member'],
    ['the organization-wide admin', 'admin'],
  ] as const;

  test.each(outside)('may not change the role of %s', (_, who) => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o[who], role: 'member' } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test.each(outside)('may not change the default dataset role of %s', (_, who) => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeDefaultDatasetRole', data: { organizationId: o.org, userId: o[who], defaultDatasetRole: 'none' } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test.each(outside)('may not remove %s', (_, who) => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o[who] } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('giving a member of another department the role they hold is refused, not a no-op', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.roadsEditor, role: 'editor' } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('a non-member is still not found', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.outsider } }, as(o.waterAdmin))
      .thenThrows('not_found', 'MEMBERSHIP.NOT_FOUND');
  });

  test('an organization-wide admin manages members of every department', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.roadsEditor, role: 'member' } }, as(o.admin))
      .then([ev('MemberRoleChanged', { organizationId: o.org, userId: o.roadsEditor, from: 'editor', to: 'member', changedBy: o.admin })]);
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.waterAdmin } }, as(o.admin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.waterAdmin, role: 'admin', removedBy: o.admin })]);
  });
});

describe('what stays with organization-wide admins', () => {
  test.each<[string, (o: Scenario) => OrganizationCommand]>([
    ['the profile', (o) => ({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: 'Renamed' } })],
    ['deletion', (o) => ({ type: 'DeleteOrganization', data: { organizationId: o.org } })],
    ['adding a department', (o) => ({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'parks', name: 'Parks' } })],
    ['renaming a department', (o) => ({ type: 'RenameDepartment', data: { organizationId: o.org, departmentId: 'water', name: 'Eau' } })],
    ['removing a department', (o) => ({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'roads' } })],
    ['moving a member', (o) => ({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.waterMember, departmentId: null } })],
  ])('%s: a department admin is refused with PERMISSION.DEPARTMENT', (_, command) => {
    const o = anOrganizationWithDepartments();
    const error = given(o.history).when(command(o), as(o.waterAdmin)).thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
    expect(error.message).toMatch(/department water/);
  });

  test('restricted editors and members are refused by their role first (PERMISSION.DENIED)', () => {
    const o = anOrganizationWithDepartments();
    for (const who of ['waterEditor', 'waterMember'] as const) {
      given(o.history)
        .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'member' } }, as(o[who]))
        .thenThrows('forbidden', 'PERMISSION.DENIED');
      given(o.history).when({ type: 'DeleteOrganization', data: { organizationId: o.org } }, as(o[who])).thenThrows('forbidden', 'PERMISSION.DENIED');
    }
  });

  test('a superadmin who is also restricted to a department acts as an organization-wide admin', () => {
    const o = anOrganizationWithDepartments();
    const [event] = given(o.history)
      .when(
        { type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'member' } },
        as(o.waterAdmin, { superadmin: true }),
      )
      .then([expect.anything()]);
    expect(event.data).toMatchObject({ departmentId: null });
  });
});
