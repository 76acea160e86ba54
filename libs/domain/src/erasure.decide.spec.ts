import { decide } from './organization.decide';
import { anOrganization, as, ev, foldOrganization, given, inDays } from './testing/organization.fixtures';

const service = (userId = 'identity-service') => ({ ...as(userId), actor: { userId, platformRoles: ['service'] as const } });


/** The organization with `dept-admin`, an admin restricted to the department `water`. */
const withDepartmentAdmin = (o: ReturnType<typeof anOrganization>) => [
  ...o.history,
  ev('DepartmentAdded', { organizationId: o.org, departmentId: 'water', name: 'Water', addedBy: o.admin }),
  ...o.joined('dept-admin', 'admin'),
  ev('MemberDepartmentChanged', { organizationId: o.org, userId: 'dept-admin', from: null, to: 'water', changedBy: o.admin }),
];

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
    const history = withDepartmentAdmin(o);
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

describe('erasure and what main added since: partners, departments, imports', () => {
  const contactInvited = (o: ReturnType<typeof anOrganization>, partnershipId: string, contactEmail: string) =>
    ev('PartnerInvited', { organizationId: o.org, partnershipId, contact: { name: 'Hydro', contactEmail }, access: 'read', invitedBy: o.admin });

  test("a pending partnership invitation to the person's address as a partner's contact is withdrawn; one to another contact stays", () => {
    const o = anOrganization();
    const history = [...o.history, contactInvited(o, 'p-bob', 'bob@example.org'), contactInvited(o, 'p-carol', 'carol@example.org')];
    const erased = ev('PersonErased', { organizationId: o.org, userId: 'bob', invitationIds: [], requestIds: [], partnershipIds: ['p-bob'], erasedBy: 'identity-service' });
    given(history).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: 'bob', emails: ['BOB@example.org'] } }, service()).then([erased]);
    const state = foldOrganization([...history, erased]);
    expect({ pending: [...state.partnerships.byId.keys()], withdrawn: state.partnerships.handled.get('p-bob'), byContact: state.partnerships.idByContact.get('bob@example.org') }).toEqual({
      pending: ['p-carol'],
      withdrawn: 'withdrawn',
      byContact: undefined,
    });
    // The contact can no longer answer it, and a second erasure finds nothing.
    given([...history, erased])
      .when({ type: 'AcceptPartnership', data: { organizationId: o.org, partnershipId: 'p-bob' } }, as('bob', { email: 'bob@example.org' }))
      .thenThrows('conflict', 'PARTNERSHIP.CLOSED');
    given([...history, erased]).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: 'bob', emails: ['bob@example.org'] } }, service()).then([]);
  });

  test('an active partnership the contact accepted is between organizations: the erasure of the contact leaves it', () => {
    const o = anOrganization();
    const history = [
      ...o.history,
      contactInvited(o, 'p-bob', 'bob@example.org'),
      ev('PartnershipAccepted', { organizationId: o.org, partnershipId: 'p-bob', partnerOrganizationId: 'org-b', access: 'read', acceptedBy: 'bob', acceptedByRole: 'admin' }),
    ];
    given(history).when({ type: 'ErasePerson', data: { organizationId: o.org, userId: 'bob', emails: ['bob@example.org'] } }, service()).then([]);
  });

  test('a department admin erased while an organization-wide admin stays: no flag', () => {
    const o = anOrganization();
    const history = withDepartmentAdmin(o);
    given(history)
      .when({ type: 'ErasePerson', data: { organizationId: o.org, userId: 'dept-admin' } }, service())
      .then([ev('PersonErased', { organizationId: o.org, userId: 'dept-admin', role: 'admin', departmentId: 'water', invitationIds: [], requestIds: [], erasedBy: 'identity-service' })]);
  });

  describe('an imported organization', () => {
    const source = (members: Array<{ userId: string; role: 'admin' | 'editor' | 'member' }>, name = 'Etalab') => ({
      organizationId: 'c0ffee00-0000-4000-8000-000000000001',
      source: { system: 'udata' as const, id: '534fff75a3a7292c64a77de4', since: '2014-04-17T18:21:09.000Z' },
      name,
      description: 'Mission Etalab',
      departments: [],
      members: members.map((m) => ({ ...m, departmentId: null, since: null })),
    });
    const importer = as('roster-import', { superadmin: true });
    const org = source([]).organizationId;
    const first = source([
      { userId: 'imported-admin', role: 'admin' },
      { userId: 'imported-editor', role: 'editor' },
    ]);
    const importedHistory = () => decide({ type: 'ImportOrganization', data: first }, foldOrganization([]), importer);
    const erasedAdmin = [
      ev('PersonErased', { organizationId: org, userId: 'imported-admin', role: 'admin', departmentId: null, invitationIds: [], requestIds: [], erasedBy: 'identity-service' }),
      ev('OrganizationLeftWithoutAdmin', { organizationId: org }),
    ];

    test('an imported member is erased like any member; its only imported admin leaves it flagged', () => {
      const history = importedHistory();
      given(history)
        .when({ type: 'ErasePerson', data: { organizationId: org, userId: 'imported-editor' } }, service())
        .then([ev('PersonErased', { organizationId: org, userId: 'imported-editor', role: 'editor', departmentId: null, invitationIds: [], requestIds: [], erasedBy: 'identity-service' })]);
      given(history).when({ type: 'ErasePerson', data: { organizationId: org, userId: 'imported-admin' } }, service()).then(erasedAdmin);
    });

    test('importing the same file again does not add the erased person back, and a changed profile is still taken', () => {
      const history = [...importedHistory(), ...erasedAdmin];
      given(history).when({ type: 'ImportOrganization', data: first }, importer).then([]);
      given(history)
        .when({ type: 'ImportOrganization', data: { ...first, name: 'Etalab (DINUM)' } }, importer)
        .then([ev('OrganizationProfileUpdated', { organizationId: org, name: 'Etalab (DINUM)' })]);
    });

    test('an import that brings a new organization-wide admin lifts the flag', () => {
      const history = [...importedHistory(), ...erasedAdmin];
      const withNewAdmin = { ...first, members: [...first.members, { userId: 'new-admin', role: 'admin' as const, departmentId: null, since: null }] };
      const appended = decide({ type: 'ImportOrganization', data: withNewAdmin }, foldOrganization(history), importer);
      expect(appended.map((e) => e.type)).toEqual(['MemberImported', 'OrganizationAdminRestored']);
    });
  });
});
