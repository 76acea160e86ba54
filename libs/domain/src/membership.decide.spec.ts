import { DomainError } from './errors';
import { anOrganization, as, ev, given } from './testing/organization.fixtures';

describe('ChangeRole', () => {
  test('promoting an editor to admin is how admins are made', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.editor, role: 'admin' } }, as(o.admin))
      .then([ev('MemberRoleChanged', { organizationId: o.org, userId: o.editor, from: 'editor', to: 'admin', changedBy: o.admin })]);
  });

  test('a superadmin who is not a member changes a role', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.member, role: 'editor' } }, as(o.superadmin, { superadmin: true }))
      .then([ev('MemberRoleChanged', { organizationId: o.org, userId: o.member, from: 'member', to: 'editor', changedBy: o.superadmin })]);
  });

  test('changing a member to the role they hold records nothing', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.editor, role: 'editor' } }, as(o.admin))
      .then([]);
  });

  test('an admin may demote an admin while another admin remains', () => {
    const o = anOrganization();
    given([...o.history, ...o.joined('second-admin', 'admin')])
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.admin, role: 'member' } }, as(o.admin))
      .then([ev('MemberRoleChanged', { organizationId: o.org, userId: o.admin, from: 'admin', to: 'member', changedBy: o.admin })]);
  });

  test('demoting the last admin is refused, saying the organization must keep an admin', () => {
    const o = anOrganization();
    const error = given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.admin, role: 'editor' } }, as(o.admin))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
    expect(error.message).toMatch(/must keep at least one admin/);
  });

  test('the last admin stays the last admin after the other one left', () => {
    const o = anOrganization();
    given([...o.history, ...o.joined('second-admin', 'admin'), ev('MemberLeft', { organizationId: o.org, userId: 'second-admin', role: 'admin' })])
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.admin, role: 'editor' } }, as(o.superadmin, { superadmin: true }))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
  });

  test('a non-member cannot be given a role', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.outsider, role: 'editor' } }, as(o.admin))
      .thenThrows('not_found', 'MEMBERSHIP.NOT_FOUND');
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not change roles', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.member, role: 'admin' } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('an unknown role is refused', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.member, role: 'owner' as never } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.ROLE');
  });
});

describe('RemoveMember', () => {
  test('an admin removes a member; the user account is not touched', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.editor } }, as(o.admin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.editor, role: 'editor', removedBy: o.admin })]);
  });

  test('a superadmin who is not a member removes a member', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.member } }, as(o.superadmin, { superadmin: true }))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.member, role: 'member', removedBy: o.superadmin })]);
  });

  test('an admin may be removed while another admin remains', () => {
    const o = anOrganization();
    given([...o.history, ...o.joined('second-admin', 'admin')])
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: 'second-admin' } }, as(o.admin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: 'second-admin', role: 'admin', removedBy: o.admin })]);
  });

  test('removing the last admin is refused, even by a superadmin', () => {
    const o = anOrganization();
    const error = given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.admin } }, as(o.superadmin, { superadmin: true }))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
    expect(error.message).toMatch(/must keep at least one admin/);
  });

  test('a non-member cannot be removed', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.outsider } }, as(o.admin))
      .thenThrows('not_found', 'MEMBERSHIP.NOT_FOUND');
  });

  test('a removed member is no longer a member', () => {
    const o = anOrganization();
    given([...o.history, ev('MemberRemoved', { organizationId: o.org, userId: o.member, role: 'member', removedBy: o.admin })])
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.member } }, as(o.admin))
      .thenThrows('not_found', 'MEMBERSHIP.NOT_FOUND');
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not remove members', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.member } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });
});

describe('LeaveOrganization', () => {
  test.each(['member', 'editor'] as const)('a %s leaves', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o[who]))
      .then([ev('MemberLeft', { organizationId: o.org, userId: o[who], role: who })]);
  });

  test('an admin leaves while another admin remains', () => {
    const o = anOrganization();
    given([...o.history, ...o.joined('second-admin', 'admin')])
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o.admin))
      .then([ev('MemberLeft', { organizationId: o.org, userId: o.admin, role: 'admin' })]);
  });

  test('the last admin cannot leave', () => {
    const o = anOrganization();
    const error = given(o.history)
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o.admin))
      .thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN');
    expect(error).toBeInstanceOf(DomainError);
    expect(error.message).toMatch(/must keep at least one admin/);
  });

  test('a non-member cannot leave', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'LeaveOrganization', data: { organizationId: o.org } }, as(o.outsider))
      .thenThrows('not_found', 'MEMBERSHIP.NOT_FOUND');
  });
});

describe('the permission table guards every admin command', () => {
  test.each(['editor', 'member', 'outsider'] as const)('an %s may not update the profile or delete the organization', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: 'Taken over' } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
    given(o.history)
      .when({ type: 'DeleteOrganization', data: { organizationId: o.org } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('a superadmin who is not a member updates the profile', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, description: 'Curated' } }, as(o.superadmin, { superadmin: true }))
      .then([ev('OrganizationProfileUpdated', { organizationId: o.org, description: 'Curated' })]);
  });

  test('the refusal says which role was missing', () => {
    const o = anOrganization();
    const error = given(o.history)
      .when({ type: 'DeleteOrganization', data: { organizationId: o.org } }, as(o.editor))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
    expect(error.message).toContain('role editor lacks organization.delete (needs admin)');
  });
});
