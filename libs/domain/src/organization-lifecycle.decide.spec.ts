import { randomUUID } from 'node:crypto';
import type { OrganizationCommand } from './commands';
import { ORGANIZATION_LIMITS } from './fields';
import { anOrganization, as, ev, given, id } from './testing/organization.fixtures';

describe('CreateOrganization', () => {
  test('the creator becomes its first admin', () => {
    const org = randomUUID();
    const creator = id('user');
    given([])
      .when({ type: 'CreateOrganization', data: { organizationId: org, name: '  Open Data Sud ', description: 'Région Sud' } }, as(creator))
      .then([ev('OrganizationCreated', { organizationId: org, name: 'Open Data Sud', description: 'Région Sud', createdBy: creator, creatorDefaultDatasetRole: 'manager' })]);
  });

  test('an existing organization cannot be created again', () => {
    const o = anOrganization();
    given([o.created])
      .when({ type: 'CreateOrganization', data: { organizationId: o.org, name: 'Again' } }, as(o.outsider))
      .thenThrows('conflict', 'ORGANIZATION.ALREADY_EXISTS');
  });

  test.each([
    ['blank', '   '],
    ['too long', 'x'.repeat(ORGANIZATION_LIMITS.nameMaxLength + 1)],
  ])('a %s name is refused', (_case, name) => {
    given([])
      .when({ type: 'CreateOrganization', data: { organizationId: randomUUID(), name } }, as(id('user')))
      .thenThrows('validation', 'VALIDATION.NAME');
  });

  test('a name of exactly the maximum length is accepted', () => {
    const org = randomUUID();
    const creator = id('user');
    const name = 'x'.repeat(ORGANIZATION_LIMITS.nameMaxLength);
    given([])
      .when({ type: 'CreateOrganization', data: { organizationId: org, name } }, as(creator))
      .then([ev('OrganizationCreated', { organizationId: org, name, description: '', createdBy: creator, creatorDefaultDatasetRole: 'manager' })]);
  });

  test('an over-long description is refused', () => {
    given([])
      .when(
        {
          type: 'CreateOrganization',
          data: { organizationId: randomUUID(), name: 'ok', description: 'x'.repeat(ORGANIZATION_LIMITS.descriptionMaxLength + 1) },
        },
        as(id('user')),
      )
      .thenThrows('validation', 'VALIDATION.DESCRIPTION');
  });

  test('an empty organization id is refused', () => {
    given([])
      .when({ type: 'CreateOrganization', data: { organizationId: '', name: 'ok' } }, as(id('user')))
      .thenThrows('validation', 'VALIDATION.ID');
  });
});

describe('UpdateOrganizationProfile', () => {
  test('an admin updates name and description', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: 'DataSud', description: 'New' } }, as(o.admin))
      .then([ev('OrganizationProfileUpdated', { organizationId: o.org, name: 'DataSud', description: 'New' })]);
  });

  test('only the fields that change are recorded', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: 'Open Data Sud', description: 'New' } }, as(o.admin))
      .then([ev('OrganizationProfileUpdated', { organizationId: o.org, description: 'New' })]);
  });

  test('setting the current values records nothing', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: 'Open Data Sud' } }, as(o.admin))
      .then([]);
  });

  test('an update with no field is refused', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.NO_CHANGES');
  });

  test('a blank name is refused', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: ' ' } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.NAME');
  });
});

describe('DeleteOrganization', () => {
  test('an admin deletes the organization', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'DeleteOrganization', data: { organizationId: o.org } }, as(o.admin))
      .then([ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.admin })]);
  });

  test('a superadmin who is not a member deletes the organization', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'DeleteOrganization', data: { organizationId: o.org } }, as(o.superadmin, { superadmin: true }))
      .then([ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.superadmin })]);
  });
});

describe('an unknown or deleted organization', () => {
  // Every command but CreateOrganization, built for one organization and its people.
  function everyCommand(o: ReturnType<typeof anOrganization>): OrganizationCommand[] {
    const organizationId = o.org;
    return [
      { type: 'UpdateOrganizationProfile', data: { organizationId, name: 'x' } },
      { type: 'InviteMember', data: { organizationId, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'member' } },
      { type: 'AcceptInvitation', data: { organizationId, invitationId: randomUUID() } },
      { type: 'DeclineInvitation', data: { organizationId, invitationId: randomUUID() } },
      { type: 'RevokeInvitation', data: { organizationId, invitationId: randomUUID() } },
      { type: 'RequestJoin', data: { organizationId, requestId: randomUUID() } },
      { type: 'CancelJoinRequest', data: { organizationId, requestId: randomUUID() } },
      { type: 'ApproveJoin', data: { organizationId, requestId: randomUUID() } },
      { type: 'RejectJoin', data: { organizationId, requestId: randomUUID() } },
      { type: 'ChangeRole', data: { organizationId, userId: o.member, role: 'admin' } },
      { type: 'RemoveMember', data: { organizationId, userId: o.member } },
      { type: 'LeaveOrganization', data: { organizationId } },
      { type: 'DeleteOrganization', data: { organizationId } },
    ];
  }
  const commandTypes = everyCommand(anOrganization()).map((c) => c.type);

  test.each(commandTypes)('an unknown organization refuses %s with 404', (type) => {
    const o = anOrganization();
    const command = everyCommand(o).find((c) => c.type === type)!;
    given([]).when(command, as(o.admin)).thenThrows('not_found', 'ORGANIZATION.NOT_FOUND');
  });

  test.each([...commandTypes, 'CreateOrganization' as const])('a deleted organization refuses %s, even from a superadmin', (type) => {
    const o = anOrganization();
    const command: OrganizationCommand =
      type === 'CreateOrganization'
        ? { type, data: { organizationId: o.org, name: 'Again' } }
        : everyCommand(o).find((c) => c.type === type)!;
    const deleted = [...o.history, ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.admin })];
    given(deleted).when(command, as(o.admin, { superadmin: true })).thenThrows('conflict', 'ORGANIZATION.DELETED');
    given(deleted).when(command, as(o.member)).thenThrows('conflict', 'ORGANIZATION.DELETED');
  });
});
