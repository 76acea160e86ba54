import { anOrganization, as, ev, foldOrganization, given, inDays } from './testing/organization.fixtures';

const service = (userId = 'identity-service') => ({ ...as(userId), actor: { userId, platformRoles: ['service'] as const } });

describe('ErasePerson', () => {
  test('ends the membership, withdraws pending invitations to the user id and to a named e-mail, and the pending join request', () => {
    const o = anOrganization();
    given([
      ...o.history,
      o.invited('inv-user', { kind: 'user', userId: 'bob' }),
      o.invited('inv-mail', { kind: 'email', email: 'bob@example.org' }),
      o.invited('inv-other', { kind: 'email', email: 'carol@example.org' }),
      o.requested('req-bob', 'bob', 'please'),
    ])
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: 'bob', emails: ['Bob@Example.org'] } }, service())
      .then([
        ev('PersonErased', {
          organizationId: o.org,
          userId: 'bob',
          invitationIds: ['inv-user', 'inv-mail'],
          requestIds: ['req-bob'],
          erasedBy: 'identity-service',
        }),
      ]);
  });

  test('a member: the event records the role and department of the membership that ended', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.editor } }, as(o.superadmin, { superadmin: true }))
      .then([
        ev('PersonErased', { organizationId: o.org, userId: o.editor, role: 'editor', departmentId: null, invitationIds: [], requestIds: [], erasedBy: o.superadmin }),
      ]);
  });

  test('the person themself erases, with their verified e-mail', () => {
    const o = anOrganization();
    given([...o.history, o.invited('inv-mail', { kind: 'email', email: 'dan@example.org' })])
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: 'dan', emails: ['dan@example.org'] } }, as('dan', { email: 'dan@example.org' }))
      .then([ev('PersonErased', { organizationId: o.org, userId: 'dan', invitationIds: ['inv-mail'], requestIds: [], erasedBy: 'dan' })]);
  });

  test('a person may not name an e-mail their token does not verify', () => {
    const o = anOrganization();
    given([...o.history, o.invited('inv-mail', { kind: 'email', email: 'carol@example.org' })])
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.member, emails: ['carol@example.org'] } }, as(o.member, { email: 'me@example.org' }))
      .thenThrows('forbidden', 'ERASURE.EMAIL_NOT_PROVEN');
  });

  test.each(['admin', 'editor', 'outsider'] as const)('an %s may not erase someone else', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.member } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('an auditor may not erase', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.member } }, { ...as('auditor'), actor: { userId: 'auditor', platformRoles: ['auditor'] } })
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('nothing left to end or withdraw: nothing recorded (a second erasure changes nothing)', () => {
    const o = anOrganization();
    const erased = ev('PersonErased', { organizationId: o.org, userId: o.member, role: 'member', departmentId: null, invitationIds: [], requestIds: [], erasedBy: 'identity-service' });
    given([...o.history, erased]).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.member } }, service()).then([]);
    given(o.history).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: 'stranger' } }, service()).then([]);
  });

  test('a malformed e-mail or too many are refused', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.member, emails: ['not-an-address'] } }, service())
      .thenThrows('validation', 'VALIDATION.EMAIL');
    const many = Array.from({ length: 21 }, (_, i) => `p${i}@example.org`);
    given(o.history).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.member, emails: many } }, service()).thenThrows('validation', 'VALIDATION.EMAILS');
  });

  test('a deleted organization accepts no erasure', () => {
    const o = anOrganization();
    given([...o.history, ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.admin })])
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.member } }, service())
      .thenThrows('conflict', 'ORGANIZATION.DELETED');
  });
});

describe('an organization an erasure leaves without an organization-wide admin', () => {
  const erasedAdmin = (o: ReturnType<typeof anOrganization>) => [
    ev('PersonErased', { organizationId: o.org, userId: o.admin, role: 'admin', departmentId: null, invitationIds: [], requestIds: [], erasedBy: 'identity-service' }),
    ev('OrganizationLeftWithoutAdmin', { organizationId: o.org }),
  ];

  test('the last-admin rule does not block the erasure: the organization is flagged', () => {
    const o = anOrganization();
    given(o.history).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.admin } }, service()).then(erasedAdmin(o));
    const state = foldOrganization([...o.history, ...erasedAdmin(o)]);
    expect({ withoutAdmin: state.withoutAdmin, organizationWideAdminCount: state.organizationWideAdminCount, status: state.status }).toEqual({
      withoutAdmin: true,
      organizationWideAdminCount: 0,
      status: 'active',
    });
  });

  test('a department admin left alone does not keep it from being flagged', () => {
    const o = anOrganization();
    const history = [
      ...o.history,
      ev('DepartmentAdded', { organizationId: o.org, departmentId: 'water', name: 'Water', addedBy: o.admin }),
      ...o.joined('dept-admin', 'admin'),
      ev('MemberDepartmentChanged', { organizationId: o.org, userId: 'dept-admin', from: null, to: 'water', changedBy: o.admin }),
    ];
    given(history).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.admin } }, service()).then(erasedAdmin(o));
  });

  test('another organization-wide admin remaining: no flag', () => {
    const o = anOrganization();
    given([...o.history, ...o.joined('second-admin', 'admin')])
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: o.admin } }, service())
      .then([erasedAdmin(o)[0]]);
  });

  test('a superadmin promotes a member to admin: the flag is lifted', () => {
    const o = anOrganization();
    given([...o.history, ...erasedAdmin(o)])
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.editor, role: 'admin' } }, as(o.superadmin, { superadmin: true }))
      .then([
        ev('MemberRoleChanged', { organizationId: o.org, userId: o.editor, from: 'editor', to: 'admin', changedBy: o.superadmin }),
        ev('OrganizationAdminRestored', { organizationId: o.org }),
      ]);
  });

  test('a superadmin invites an admin; their acceptance lifts the flag', () => {
    const o = anOrganization();
    const expiresAt = inDays(7).toISOString();
    const invited = ev('MemberInvited', {
      organizationId: o.org,
      invitationId: 'inv-admin',
      invitee: { kind: 'user', userId: 'new-admin' },
      role: 'admin',
      invitedBy: o.superadmin,
      expiresAt,
      departmentId: null,
      defaultDatasetRole: 'manager',
    });
    given([...o.history, ...erasedAdmin(o)])
      .when(
        { type: 'InviteMember', data: { organizationId: o.org, invitationId: 'inv-admin', invitee: { userId: 'new-admin' }, role: 'admin' } },
        as(o.superadmin, { superadmin: true }),
      )
      .then([invited]);
    given([...o.history, ...erasedAdmin(o), invited])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId: 'inv-admin' } }, as('new-admin'))
      .then([
        ev('InvitationAccepted', { organizationId: o.org, invitationId: 'inv-admin', userId: 'new-admin', role: 'admin', departmentId: null, defaultDatasetRole: 'manager' }),
        ev('OrganizationAdminRestored', { organizationId: o.org }),
      ]);
  });

  test('an organization without admin keeps accepting its members\' commands', () => {
    const o = anOrganization();
    given([...o.history, ...erasedAdmin(o)])
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o.member))
      .then([ev('MemberLeft', { organizationId: o.org, userId: o.member, role: 'member' })]);
  });
});
