import { randomUUID } from 'node:crypto';
import type { OrganizationEvent } from './events';
import { evolve, initialState, type DepartmentHeadcount, type OrganizationState } from './organization.state';
import { ROLES } from './roles';
import { anOrganizationWithDepartments } from './testing/department.fixtures';
import { anOrganization, as, ev, foldOrganization, given } from './testing/organization.fixtures';
import { seeded } from './testing/seeded';

describe('AddDepartment', () => {
  test('an organization-wide admin adds a department with a slug id and a name', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'water', name: ' Water ' } }, as(o.admin))
      .then([ev('DepartmentAdded', { organizationId: o.org, departmentId: 'water', name: 'Water', addedBy: o.admin })]);
  });

  test('a superadmin who is not a member adds a department', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'roads-2', name: 'Roads' } }, as(o.superadmin, { superadmin: true }))
      .then([ev('DepartmentAdded', { organizationId: o.org, departmentId: 'roads-2', name: 'Roads', addedBy: o.superadmin })]);
  });

  test('an id of 64 characters is accepted', () => {
    const o = anOrganization();
    const departmentId = 'a'.repeat(64);
    given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId, name: 'Long' } }, as(o.admin))
      .then([ev('DepartmentAdded', { organizationId: o.org, departmentId, name: 'Long', addedBy: o.admin })]);
  });

  test.each(['', 'Water', '-water', 'wa ter', 'eau_potable', 'é', 'a'.repeat(65)])('id %p is not a slug: refused', (departmentId) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId, name: 'Water' } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.DEPARTMENT_ID');
  });

  test('a blank name is refused', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'water', name: '  ' } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.NAME');
  });

  test('a department id already in use is a conflict', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'water', name: 'Water again' } }, as(o.admin))
      .thenThrows('conflict', 'DEPARTMENT.ALREADY_EXISTS');
  });

  test('the id of a removed department may be used again', () => {
    const o = anOrganization();
    const history = [
      ...o.history,
      ev('DepartmentAdded', { organizationId: o.org, departmentId: 'water', name: 'Water', addedBy: o.admin }),
      ev('DepartmentRemoved', { organizationId: o.org, departmentId: 'water', removedBy: o.admin }),
    ];
    given(history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'water', name: 'Eau' } }, as(o.admin))
      .then([ev('DepartmentAdded', { organizationId: o.org, departmentId: 'water', name: 'Eau', addedBy: o.admin })]);
  });

  test('a department admin may not add departments', () => {
    const o = anOrganizationWithDepartments();
    const error = given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'parks', name: 'Parks' } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
    expect(error.message).toMatch(/restricted to department water/);
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not add departments', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'AddDepartment', data: { organizationId: o.org, departmentId: 'parks', name: 'Parks' } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });
});

describe('RenameDepartment', () => {
  test('an organization-wide admin renames; the id stays', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RenameDepartment', data: { organizationId: o.org, departmentId: 'water', name: 'Eau et assainissement' } }, as(o.admin))
      .then([ev('DepartmentRenamed', { organizationId: o.org, departmentId: 'water', from: 'Water', to: 'Eau et assainissement', renamedBy: o.admin })]);
  });

  test('the same name again records nothing', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RenameDepartment', data: { organizationId: o.org, departmentId: 'water', name: 'Water' } }, as(o.admin))
      .then([]);
  });

  test('an unknown department is not found', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RenameDepartment', data: { organizationId: o.org, departmentId: 'parks', name: 'Parks' } }, as(o.admin))
      .thenThrows('not_found', 'DEPARTMENT.NOT_FOUND');
  });

  test('a department admin may not rename even their own department', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RenameDepartment', data: { organizationId: o.org, departmentId: 'water', name: 'Eau' } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('the new name is folded', () => {
    const o = anOrganizationWithDepartments();
    const state = foldOrganization([
      ...o.history,
      ev('DepartmentRenamed', { organizationId: o.org, departmentId: 'water', from: 'Water', to: 'Eau', renamedBy: o.admin }),
    ]);
    expect(state.departments.get('water')).toEqual({ departmentId: 'water', name: 'Eau' });
  });
});

describe('RemoveDepartment', () => {
  test('an empty department is removed', () => {
    const o = anOrganizationWithDepartments();
    given([...o.history, o.departmentAdded('parks', 'Parks')])
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'parks' } }, as(o.admin))
      .then([ev('DepartmentRemoved', { organizationId: o.org, departmentId: 'parks', removedBy: o.admin })]);
  });

  test('a department with members is not removed, and the message says what is left', () => {
    const o = anOrganizationWithDepartments();
    const error = given(o.history)
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'roads' } }, as(o.admin))
      .thenThrows('conflict', 'DEPARTMENT.NOT_EMPTY');
    expect(error.message).toMatch(/2 member\(s\) and 0 pending invitation\(s\)/);
  });

  test('a department with only a pending invitation is not removed', () => {
    const o = anOrganizationWithDepartments();
    given([...o.history, o.departmentAdded('parks', 'Parks'), o.invitedIn(randomUUID(), o.outsider, 'parks')])
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'parks' } }, as(o.admin))
      .thenThrows('conflict', 'DEPARTMENT.NOT_EMPTY');
  });

  test('once its members moved out, left or were removed and its invitations were answered, it is removed', () => {
    const o = anOrganizationWithDepartments();
    const [accepted, revoked, declined] = [randomUUID(), randomUUID(), randomUUID()];
    const newcomer = 'newcomer-' + randomUUID();
    const history: OrganizationEvent[] = [
      ...o.history,
      o.departmentAdded('parks', 'Parks'),
      ...o.joinedIn('p1', 'editor', 'parks'),
      ...o.joinedIn('p2', 'member', 'parks'),
      ...o.joinedIn('p3', 'admin', 'parks'),
      o.invitedIn(accepted, newcomer, 'parks'),
      o.invitedIn(revoked, 'r-' + randomUUID(), 'parks'),
      o.invitedIn(declined, 'd-' + randomUUID(), 'parks'),
    ];
    const nonEmpty = [
      ...history,
      ev('MemberDepartmentChanged', { organizationId: o.org, userId: 'p1', from: 'parks', to: null, changedBy: o.admin }),
      ev('MemberLeft', { organizationId: o.org, userId: 'p2', role: 'member' }),
      ev('MemberRemoved', { organizationId: o.org, userId: 'p3', role: 'admin', removedBy: o.admin }),
      ev('InvitationAccepted', { organizationId: o.org, invitationId: accepted, userId: newcomer, role: 'editor', departmentId: 'parks', defaultDatasetRole: 'contributor' }),
      ev('InvitationRevoked', { organizationId: o.org, invitationId: revoked, revokedBy: o.admin }),
      ev('InvitationDeclined', { organizationId: o.org, invitationId: declined, userId: 'whoever' }),
    ];
    // The accepted invitation made a member of parks.
    given(nonEmpty)
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'parks' } }, as(o.admin))
      .thenThrows('conflict', 'DEPARTMENT.NOT_EMPTY');
    const empty = [...nonEmpty, ev('MemberDepartmentChanged', { organizationId: o.org, userId: newcomer, from: 'parks', to: 'water', changedBy: o.admin })];
    given(empty)
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'parks' } }, as(o.admin))
      .then([ev('DepartmentRemoved', { organizationId: o.org, departmentId: 'parks', removedBy: o.admin })]);
  });

  test('a replaced invitation no longer counts, its replacement does', () => {
    const o = anOrganizationWithDepartments();
    const [first, second] = [randomUUID(), randomUUID()];
    const history = [
      ...o.history,
      o.departmentAdded('parks', 'Parks'),
      o.invitedIn(first, o.outsider, 'parks'),
      { ...o.invitedIn(second, o.outsider, 'water'), data: { ...o.invitedIn(second, o.outsider, 'water').data, replacesInvitationId: first } } as OrganizationEvent,
    ];
    given(history)
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'parks' } }, as(o.admin))
      .then([ev('DepartmentRemoved', { organizationId: o.org, departmentId: 'parks', removedBy: o.admin })]);
    expect(foldOrganization(history).headcountByDepartment.get('water')).toEqual({ members: 3, pendingInvitations: 1 });
  });

  test('an unknown department is not found', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'parks' } }, as(o.admin))
      .thenThrows('not_found', 'DEPARTMENT.NOT_FOUND');
  });

  test('a department admin may not remove a department', () => {
    const o = anOrganizationWithDepartments();
    given([...o.history, o.departmentAdded('parks', 'Parks')])
      .when({ type: 'RemoveDepartment', data: { organizationId: o.org, departmentId: 'parks' } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });
});

describe('ChangeMemberDepartment', () => {
  test('an organization-wide admin moves an organization-wide member into a department', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.editor, departmentId: 'water' } }, as(o.admin))
      .then([ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.editor, from: null, to: 'water', changedBy: o.admin })]);
  });

  test('from one department to another', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.waterEditor, departmentId: 'roads' } }, as(o.admin))
      .then([ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.waterEditor, from: 'water', to: 'roads', changedBy: o.admin })]);
  });

  test('back to organization-wide (null); a department admin so becomes an organization-wide admin', () => {
    const o = anOrganizationWithDepartments();
    const moved = ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.waterAdmin, from: 'water', to: null, changedBy: o.admin });
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.waterAdmin, departmentId: null } }, as(o.admin))
      .then([moved]);
    // Now the original admin is no longer the last organization-wide admin.
    given([...o.history, moved])
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o.admin))
      .then([ev('MemberLeft', { organizationId: o.org, userId: o.admin, role: 'admin' })]);
  });

  test('a superadmin who is not a member moves a member', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.member, departmentId: 'roads' } }, as(o.superadmin, { superadmin: true }))
      .then([ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.member, from: null, to: 'roads', changedBy: o.superadmin })]);
  });

  test('into the department the member is in records nothing', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.waterMember, departmentId: 'water' } }, as(o.admin))
      .then([]);
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.member, departmentId: null } }, as(o.admin))
      .then([]);
  });

  test('the move is folded: role and default dataset role stay, the department headcounts follow', () => {
    const o = anOrganizationWithDepartments();
    const state = foldOrganization([
      ...o.history,
      ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.waterEditor, from: 'water', to: 'roads', changedBy: o.admin }),
    ]);
    expect(state.members.get(o.waterEditor)).toMatchObject({ role: 'editor', departmentId: 'roads', defaultDatasetRole: 'contributor', via: 'join-request' });
    expect(state.headcountByDepartment.get('water')).toEqual({ members: 2, pendingInvitations: 0 });
    expect(state.headcountByDepartment.get('roads')).toEqual({ members: 3, pendingInvitations: 0 });
  });

  test('into an unknown department: not found', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.member, departmentId: 'parks' } }, as(o.admin))
      .thenThrows('not_found', 'DEPARTMENT.NOT_FOUND');
  });

  test('a non-member: not found', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.outsider, departmentId: 'water' } }, as(o.admin))
      .thenThrows('not_found', 'MEMBERSHIP.NOT_FOUND');
  });

  test.each([['Water'], [''], [42], [undefined]])('departmentId %p: refused', (departmentId) => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.member, departmentId: departmentId as never } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.DEPARTMENT_ID');
  });

  test.each([
    ['within their own department', 'waterMember', 'water'],
    ['into their own department', 'member', 'water'],
    ['out to organization-wide', 'waterMember', null],
  ] as const)('a department admin may not move members, even %s', (_, who, departmentId) => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o[who], departmentId } }, as(o.waterAdmin))
      .thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test.each(['editor', 'waterEditor', 'outsider'] as const)('an %s may not move members', (who) => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.member, departmentId: 'water' } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('the last organization-wide admin is not moved into a department', () => {
    const o = anOrganizationWithDepartments();
    const error = given(o.history)
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.admin, departmentId: 'water' } }, as(o.admin))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
    expect(error.message).toMatch(/must keep at least one admin not restricted to a department/);
  });

  test('an organization-wide admin is moved into a department while another organization-wide admin remains', () => {
    const o = anOrganizationWithDepartments();
    given([...o.history, ...o.joinedIn('second-admin', 'admin', null)])
      .when({ type: 'ChangeMemberDepartment', data: { organizationId: o.org, userId: o.admin, departmentId: 'water' } }, as(o.admin))
      .then([ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.admin, from: null, to: 'water', changedBy: o.admin })]);
  });
});

describe('the last-admin rule counts organization-wide admins only', () => {
  // anOrganizationWithDepartments has one organization-wide admin and two department admins.
  test('demoting the last organization-wide admin is refused though department admins remain', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.admin, role: 'editor' } }, as(o.admin))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
  });

  test('removing the last organization-wide admin is refused though department admins remain', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.admin } }, as(o.superadmin, { superadmin: true }))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
  });

  test('the last organization-wide admin may not leave though department admins remain', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o.admin))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
  });

  test('a department admin who is the only admin of their department may leave, be demoted or removed', () => {
    const o = anOrganizationWithDepartments();
    given(o.history)
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o.waterAdmin))
      .then([ev('MemberLeft', { organizationId: o.org, userId: o.waterAdmin, role: 'admin' })]);
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.roadsAdmin, role: 'editor' } }, as(o.admin))
      .then([ev('MemberRoleChanged', { organizationId: o.org, userId: o.roadsAdmin, from: 'admin', to: 'editor', changedBy: o.admin })]);
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.roadsAdmin } }, as(o.admin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.roadsAdmin, role: 'admin', removedBy: o.admin })]);
  });

  test('promoting a department member to admin makes a department admin, who does not count', () => {
    const o = anOrganizationWithDepartments();
    const state = foldOrganization([
      ...o.history,
      ev('MemberRoleChanged', { organizationId: o.org, userId: o.waterEditor, from: 'editor', to: 'admin', changedBy: o.admin }),
    ]);
    expect(state.adminCount).toBe(4);
    expect(state.organizationWideAdminCount).toBe(1);
    expect(state.members.get(o.waterEditor)).toMatchObject({ role: 'admin', departmentId: 'water' });
  });
});

/** The counts evolve keeps, as a scan of the members and pending invitations finds them. */
function scannedCounts(state: OrganizationState) {
  const headcounts: Record<string, DepartmentHeadcount> = {};
  const bump = (departmentId: string | null, field: keyof DepartmentHeadcount) => {
    if (departmentId === null) return;
    const before = headcounts[departmentId] ?? { members: 0, pendingInvitations: 0 };
    headcounts[departmentId] = { ...before, [field]: before[field] + 1 };
  };
  for (const member of state.members.values()) bump(member.departmentId, 'members');
  for (const invitation of state.invitations.values()) bump(invitation.departmentId, 'pendingInvitations');
  const organizationWideAdmins = [...state.members.values()].filter((m) => m.role === 'admin' && m.departmentId === null).length;
  return { organizationWideAdmins, headcounts };
}

const keptCounts = (state: OrganizationState) => ({
  organizationWideAdmins: state.organizationWideAdminCount,
  headcounts: Object.fromEntries(state.headcountByDepartment.entries()),
});

describe('evolve keeps the department counts', () => {
  test.each([1, 2, 3])('true to a scan on any sequence of membership and department events, in any order (seed %i)', (seed) => {
    const pick = seeded(seed);
    const organizationId = 'org';
    const department = () => pick([null, 'water', 'roads']);
    let state = initialState;
    for (let i = 0; i < 1500; i++) {
      const userId = pick(['u1', 'u2', 'u3', 'u4']);
      const invitationId = pick(['i1', 'i2', 'i3']);
      const requestId = pick(['r1', 'r2']);
      const role = pick(ROLES);
      const event = pick<OrganizationEvent>([
        ev('OrganizationCreated', { organizationId, name: 'n', description: '', createdBy: userId }),
        ev('MemberInvited', {
          organizationId,
          invitationId,
          invitee: { kind: 'user', userId },
          role,
          invitedBy: 'u1',
          expiresAt: '2026-03-08T12:00:00.000Z',
          departmentId: department(),
          ...(pick([true, false]) ? { replacesInvitationId: pick(['i1', 'i2', 'i3']) } : {}),
        }),
        ev('InvitationAccepted', { organizationId, invitationId, userId, role, departmentId: department(), defaultDatasetRole: 'reader' }),
        ev('InvitationRevoked', { organizationId, invitationId, revokedBy: 'u1' }),
        ev('InvitationDeclined', { organizationId, invitationId, userId }),
        ev('JoinApproved', { organizationId, requestId, userId, role, approvedBy: 'u1', departmentId: department() }),
        ev('MemberRoleChanged', { organizationId, userId, from: pick(ROLES), to: role, changedBy: 'u1' }),
        ev('MemberDepartmentChanged', { organizationId, userId, from: department(), to: department(), changedBy: 'u1' }),
        ev('DefaultDatasetRoleChanged', { organizationId, userId, from: 'reader', to: 'none', changedBy: 'u1' }),
        ev('MemberRemoved', { organizationId, userId, role, removedBy: 'u1' }),
        ev('MemberLeft', { organizationId, userId, role }),
        ev('DepartmentAdded', { organizationId, departmentId: pick(['water', 'roads']), name: 'd', addedBy: 'u1' }),
        ev('DepartmentRemoved', { organizationId, departmentId: pick(['water', 'roads']), removedBy: 'u1' }),
      ]);
      const previous = state;
      expect(() => (state = evolve(previous, event))).not.toThrow();
      expect(keptCounts(state)).toEqual(scannedCounts(state));
    }
  });
});
