import { randomUUID } from 'node:crypto';
import { isExpired } from './invitation-expiry';
import { anOrganizationWithDepartments } from './testing/department.fixtures';
import { anOrganization, as, ev, given, id, inDays } from './testing/organization.fixtures';

describe('ResendInvitation', () => {
  const resend = (org: string, invitationId: string, expiresInDays?: number) =>
    ({ type: 'ResendInvitation', data: { organizationId: org, invitationId, ...(expiresInDays !== undefined ? { expiresInDays } : {}) } }) as const;

  test('an admin resends a pending invitation: same invitation, expiring 7 days from now by default', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'email', email: 'ada@example.org' }, 'editor', inDays(2).toISOString())])
      .when(resend(o.org, invitationId), as(o.admin))
      .then([ev('InvitationResent', { organizationId: o.org, invitationId, expiresAt: inDays(7).toISOString(), resentBy: o.admin })]);
  });

  test('an expired invitation can be resent, with a chosen expiry, and is then accepted', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const invited = o.invited(invitationId, { kind: 'user', userId: o.outsider }, 'member', inDays(-3).toISOString());
    const later = inDays(10);
    const resent = ev('InvitationResent', { organizationId: o.org, invitationId, expiresAt: inDays(14).toISOString(), resentBy: o.admin });
    given([...o.history, invited]).when(resend(o.org, invitationId, 14), as(o.admin)).then([resent]);
    // The new expiry is the one decide judges by: accepted ten days later.
    given([...o.history, invited, resent])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider, { now: later }))
      .then([
        ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'member', departmentId: null, defaultDatasetRole: 'reader' }),
      ]);
    expect(isExpired({ expiresAt: inDays(14).toISOString() }, later)).toBe(false);
  });

  test('a superadmin who is not a member may resend', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when(resend(o.org, invitationId), as(o.superadmin, { superadmin: true }))
      .then([ev('InvitationResent', { organizationId: o.org, invitationId, expiresAt: inDays(7).toISOString(), resentBy: o.superadmin })]);
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not resend', (who) => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: id('x') })])
      .when(resend(o.org, invitationId), as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test.each([
    ['accepted', (org: string, invitationId: string, userId: string) => ev('InvitationAccepted', { organizationId: org, invitationId, userId, role: 'editor' })],
    ['declined', (org: string, invitationId: string, userId: string) => ev('InvitationDeclined', { organizationId: org, invitationId, userId })],
    ['revoked', (org: string, invitationId: string, _userId: string) => ev('InvitationRevoked', { organizationId: org, invitationId, revokedBy: 'someone' })],
  ] as const)('a handled (%s) invitation cannot be resent: 409 INVITATION.NOT_PENDING', (_outcome, handled) => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider }), handled(o.org, invitationId, o.outsider)])
      .when(resend(o.org, invitationId), as(o.admin))
      .thenThrows('conflict', 'INVITATION.NOT_PENDING');
  });

  test('a replaced invitation cannot be resent; an unknown one is 404', () => {
    const o = anOrganization();
    const first = randomUUID();
    const second = randomUUID();
    const invitee = { kind: 'email', email: 'ada@example.org' } as const;
    const replacing = ev('MemberInvited', {
      organizationId: o.org, invitationId: second, invitee, role: 'member', invitedBy: o.admin, expiresAt: inDays(7).toISOString(), replacesInvitationId: first,
    });
    given([...o.history, o.invited(first, invitee), replacing]).when(resend(o.org, first), as(o.admin)).thenThrows('conflict', 'INVITATION.NOT_PENDING');
    given(o.history).when(resend(o.org, randomUUID()), as(o.admin)).thenThrows('not_found', 'INVITATION.NOT_FOUND');
  });

  test.each([0, 31, 1.5, '7'])('expiresInDays %p is refused with VALIDATION.EXPIRES_IN_DAYS', (days) => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when(resend(o.org, invitationId, days as number), as(o.admin))
      .thenThrows('validation', 'VALIDATION.EXPIRES_IN_DAYS');
  });

  test('an invitee who became a member by another path is not invited again (409 MEMBERSHIP.ALREADY_MEMBER)', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider }), ...o.joined(o.outsider, 'member')])
      .when(resend(o.org, invitationId), as(o.admin))
      .thenThrows('conflict', 'MEMBERSHIP.ALREADY_MEMBER');
  });

  test('a department admin resends invitations into their department only', () => {
    const d = anOrganizationWithDepartments();
    const water = randomUUID();
    const roads = randomUUID();
    const history = [...d.history, d.invitedIn(water, id('w'), 'water'), d.invitedIn(roads, id('r'), 'roads'), d.invitedIn(randomUUID(), id('o'), null)];
    given(history)
      .when(resend(d.org, water), as(d.waterAdmin))
      .then([ev('InvitationResent', { organizationId: d.org, invitationId: water, expiresAt: inDays(7).toISOString(), resentBy: d.waterAdmin })]);
    given(history).when(resend(d.org, roads), as(d.waterAdmin)).thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('a deleted organization accepts no resend', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider }), ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.admin })])
      .when(resend(o.org, invitationId), as(o.admin))
      .thenThrows('conflict', 'ORGANIZATION.DELETED');
  });
});
