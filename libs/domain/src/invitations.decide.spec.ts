import { randomUUID } from 'node:crypto';
import { ORGANIZATION_LIMITS } from './fields';
import { anOrganization, as, ev, given, id, inDays } from './testing/organization.fixtures';

describe('InviteMember', () => {
  test('an admin invites a user by id; the invitation expires in 7 days by default', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId, invitee: { userId: o.outsider }, role: 'editor' } }, as(o.admin))
      .then([
        ev('MemberInvited', {
          organizationId: o.org,
          invitationId,
          invitee: { kind: 'user', userId: o.outsider },
          role: 'editor',
          invitedBy: o.admin,
          expiresAt: inDays(7).toISOString(),
          departmentId: null,
          defaultDatasetRole: 'contributor',
        }),
      ]);
  });

  test('an admin invites by e-mail, normalized to lower case, with a chosen expiry', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given(o.history)
      .when(
        {
          type: 'InviteMember',
          data: { organizationId: o.org, invitationId, invitee: { email: ' Ada@Example.ORG ' }, role: 'member', expiresInDays: 30 },
        },
        as(o.admin),
      )
      .then([
        ev('MemberInvited', {
          organizationId: o.org,
          invitationId,
          invitee: { kind: 'email', email: 'ada@example.org' },
          role: 'member',
          invitedBy: o.admin,
          expiresAt: inDays(30).toISOString(),
          departmentId: null,
          defaultDatasetRole: 'reader',
        }),
      ]);
  });

  test('a superadmin who is not a member may invite', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId, invitee: { userId: o.outsider }, role: 'admin' } }, as(o.superadmin, { superadmin: true }))
      .then([
        ev('MemberInvited', {
          organizationId: o.org,
          invitationId,
          invitee: { kind: 'user', userId: o.outsider },
          role: 'admin',
          invitedBy: o.superadmin,
          expiresAt: inDays(7).toISOString(),
          departmentId: null,
          defaultDatasetRole: 'manager',
        }),
      ]);
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not invite', (who) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: id('x') }, role: 'member' } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('a member cannot be invited', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.member }, role: 'admin' } }, as(o.admin))
      .thenThrows('conflict', 'MEMBERSHIP.ALREADY_MEMBER');
  });

  test('a second invitation to the same user replaces the pending one', () => {
    const o = anOrganization();
    const first = randomUUID();
    const second = randomUUID();
    given([...o.history, o.invited(first, { kind: 'user', userId: o.outsider }, 'member')])
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: second, invitee: { userId: o.outsider }, role: 'editor' } }, as(o.admin))
      .then([
        ev('MemberInvited', {
          organizationId: o.org,
          invitationId: second,
          invitee: { kind: 'user', userId: o.outsider },
          role: 'editor',
          invitedBy: o.admin,
          expiresAt: inDays(7).toISOString(),
          departmentId: null,
          defaultDatasetRole: 'contributor',
          replacesInvitationId: first,
        }),
      ]);
  });

  test('a second invitation to the same e-mail, in another case, replaces the pending one', () => {
    const o = anOrganization();
    const first = randomUUID();
    const second = randomUUID();
    given([...o.history, o.invited(first, { kind: 'email', email: 'ada@example.org' })])
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: second, invitee: { email: 'ADA@example.org' }, role: 'editor' } }, as(o.admin))
      .then([
        ev('MemberInvited', {
          organizationId: o.org,
          invitationId: second,
          invitee: { kind: 'email', email: 'ada@example.org' },
          role: 'editor',
          invitedBy: o.admin,
          expiresAt: inDays(7).toISOString(),
          departmentId: null,
          defaultDatasetRole: 'contributor',
          replacesInvitationId: first,
        }),
      ]);
  });

  test('after a replacement only the new invitation is pending', () => {
    const o = anOrganization();
    const [first, second] = [randomUUID(), randomUUID()];
    const invitee = { kind: 'user' as const, userId: o.outsider };
    const history = [
      ...o.history,
      o.invited(first, invitee),
      ev('MemberInvited', {
        organizationId: o.org,
        invitationId: second,
        invitee,
        role: 'editor',
        invitedBy: o.admin,
        expiresAt: inDays(7).toISOString(),
        replacesInvitationId: first,
      }),
    ];
    given(history)
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId: first } }, as(o.outsider))
      .thenThrows('conflict', 'INVITATION.NOT_PENDING');
    given(history)
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId: second } }, as(o.outsider))
      .then([ev('InvitationAccepted', { organizationId: o.org, invitationId: second, userId: o.outsider, role: 'editor', departmentId: null, defaultDatasetRole: 'contributor' })]);
  });

  test('a user with a pending join request is not invited: approve the request instead', () => {
    const o = anOrganization();
    given([...o.history, o.requested(randomUUID(), o.outsider)])
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'member' } }, as(o.admin))
      .thenThrows('conflict', 'JOIN_REQUEST.PENDING');
  });

  test('an invitation id already used is refused', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'email', email: 'ada@example.org' })])
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId, invitee: { userId: o.outsider }, role: 'member' } }, as(o.admin))
      .thenThrows('conflict', 'INVITATION.ALREADY_EXISTS');
  });

  test.each([
    ['a malformed e-mail', { email: 'not-an-email' }, 'VALIDATION.EMAIL'],
    ['an e-mail with spaces', { email: 'ada lovelace@example.org' }, 'VALIDATION.EMAIL'],
    ['an empty user id', { userId: '' }, 'VALIDATION.USER_ID'],
    ['both a user id and an e-mail', { userId: 'u', email: 'a@b.org' }, 'VALIDATION.INVITEE'],
    ['neither a user id nor an e-mail', {}, 'VALIDATION.INVITEE'],
  ])('%s is refused', (_case, invitee, code) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: invitee as { userId: string }, role: 'member' } }, as(o.admin))
      .thenThrows('validation', code);
  });

  test('an unknown role is refused', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'owner' as never } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.ROLE');
  });

  test.each([0, ORGANIZATION_LIMITS.expiresInDaysMax + 1, 1.5])('an expiry of %s days is refused', (expiresInDays) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'member', expiresInDays } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.EXPIRES_IN_DAYS');
  });
});

describe('AcceptInvitation', () => {
  test('the invited user accepts and becomes a member with the invited role', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider }, 'admin')])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider))
      .then([ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'admin', departmentId: null, defaultDatasetRole: 'manager' })]);
  });

  test('an e-mail invitation is accepted by whoever proves that e-mail, in any case', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'email', email: 'ada@example.org' })])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider, { email: 'Ada@Example.org' }))
      .then([ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'editor', departmentId: null, defaultDatasetRole: 'contributor' })]);
  });

  test('an e-mail invitation is refused to a user whose verified e-mail differs, or who has none', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const history = [...o.history, o.invited(invitationId, { kind: 'email', email: 'ada@example.org' })];
    const command = { type: 'AcceptInvitation' as const, data: { organizationId: o.org, invitationId } };
    given(history).when(command, as(o.outsider, { email: 'eve@example.org' })).thenThrows('forbidden', 'INVITATION.NOT_INVITEE');
    given(history).when(command, as(o.outsider)).thenThrows('forbidden', 'INVITATION.NOT_INVITEE');
  });

  test('an e-mail invitation is refused to an unverified e-mail claim, even the invited one', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const history = [...o.history, o.invited(invitationId, { kind: 'email', email: 'ada@example.org' }, 'admin')];
    for (const type of ['AcceptInvitation', 'DeclineInvitation'] as const) {
      const command = { type, data: { organizationId: o.org, invitationId } };
      given(history).when(command, as(o.outsider, { email: 'ada@example.org', emailVerified: false })).thenThrows('forbidden', 'INVITATION.EMAIL_NOT_VERIFIED');
      given(history).when(command, as(o.outsider, { email: 'eve@example.org', emailVerified: false })).thenThrows('forbidden', 'INVITATION.EMAIL_NOT_VERIFIED');
    }
  });

  test('someone else cannot accept a user invitation, not even an admin or a superadmin', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const history = [...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })];
    const command = { type: 'AcceptInvitation' as const, data: { organizationId: o.org, invitationId } };
    given(history).when(command, as(id('eve'))).thenThrows('forbidden', 'INVITATION.NOT_INVITEE');
    given(history).when(command, as(o.admin)).thenThrows('forbidden', 'INVITATION.NOT_INVITEE');
    given(history).when(command, as(o.superadmin, { superadmin: true })).thenThrows('forbidden', 'INVITATION.NOT_INVITEE');
  });

  test('an invitation is accepted until its expiry, judged against the command time', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const expiresAt = inDays(7);
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider }, 'member', expiresAt.toISOString())])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider, { now: expiresAt }))
      .then([ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'member', departmentId: null, defaultDatasetRole: 'reader' })]);
  });

  test('an expired invitation is refused', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const expiresAt = inDays(7);
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider }, 'member', expiresAt.toISOString())])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider, { now: new Date(expiresAt.getTime() + 1) }))
      .thenThrows('conflict', 'INVITATION.EXPIRED');
  });

  test('an unknown invitation is not found', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId: randomUUID() } }, as(o.outsider))
      .thenThrows('not_found', 'INVITATION.NOT_FOUND');
  });

  test.each([
    ['accepted', 'InvitationAccepted'],
    ['declined', 'InvitationDeclined'],
    ['revoked', 'InvitationRevoked'],
  ] as const)('a %s invitation is no longer pending', (_outcome, type) => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const handled =
      type === 'InvitationAccepted'
        ? ev(type, { organizationId: o.org, invitationId, userId: o.outsider, role: 'editor' })
        : type === 'InvitationDeclined'
          ? ev(type, { organizationId: o.org, invitationId, userId: o.outsider })
          : ev(type, { organizationId: o.org, invitationId, revokedBy: o.admin });
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider }), handled])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider))
      .thenThrows('conflict', 'INVITATION.NOT_PENDING');
  });

  test('an e-mail invitation accepted by someone already a member is refused', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'email', email: 'member@example.org' })])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.member, { email: 'member@example.org' }))
      .thenThrows('conflict', 'MEMBERSHIP.ALREADY_MEMBER');
  });

  test('accepting also cancels the pending join request of the same user', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider), o.invited(invitationId, { kind: 'email', email: 'ada@example.org' })])
      .when({ type: 'AcceptInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider, { email: 'ada@example.org' }))
      .then([
        ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'editor', departmentId: null, defaultDatasetRole: 'contributor' }),
        ev('JoinRequestCancelled', { organizationId: o.org, requestId, userId: o.outsider }),
      ]);
  });
});

describe('DeclineInvitation', () => {
  test('the invitee declines', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when({ type: 'DeclineInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider))
      .then([ev('InvitationDeclined', { organizationId: o.org, invitationId, userId: o.outsider })]);
  });

  test('the owner of an invited e-mail declines', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'email', email: 'ada@example.org' })])
      .when({ type: 'DeclineInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider, { email: 'ADA@example.org' }))
      .then([ev('InvitationDeclined', { organizationId: o.org, invitationId, userId: o.outsider })]);
  });

  test('only the invitee may decline', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when({ type: 'DeclineInvitation', data: { organizationId: o.org, invitationId } }, as(o.admin))
      .thenThrows('forbidden', 'INVITATION.NOT_INVITEE');
  });

  test('an expired invitation cannot be declined', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when({ type: 'DeclineInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider, { now: inDays(8) }))
      .thenThrows('conflict', 'INVITATION.EXPIRED');
  });

  test('a declined invitation cannot be declined again', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([
      ...o.history,
      o.invited(invitationId, { kind: 'user', userId: o.outsider }),
      ev('InvitationDeclined', { organizationId: o.org, invitationId, userId: o.outsider }),
    ])
      .when({ type: 'DeclineInvitation', data: { organizationId: o.org, invitationId } }, as(o.outsider))
      .thenThrows('conflict', 'INVITATION.NOT_PENDING');
  });

  test('an unknown invitation is not found', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'DeclineInvitation', data: { organizationId: o.org, invitationId: randomUUID() } }, as(o.outsider))
      .thenThrows('not_found', 'INVITATION.NOT_FOUND');
  });
});

describe('RevokeInvitation', () => {
  test('an admin revokes a pending invitation, even an expired one', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when({ type: 'RevokeInvitation', data: { organizationId: o.org, invitationId } }, as(o.admin, { now: inDays(30) }))
      .then([ev('InvitationRevoked', { organizationId: o.org, invitationId, revokedBy: o.admin })]);
  });

  test('a superadmin who is not a member revokes', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when({ type: 'RevokeInvitation', data: { organizationId: o.org, invitationId } }, as(o.superadmin, { superadmin: true }))
      .then([ev('InvitationRevoked', { organizationId: o.org, invitationId, revokedBy: o.superadmin })]);
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not revoke', (who) => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([...o.history, o.invited(invitationId, { kind: 'user', userId: o.outsider })])
      .when({ type: 'RevokeInvitation', data: { organizationId: o.org, invitationId } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('an accepted invitation cannot be revoked', () => {
    const o = anOrganization();
    const invitationId = randomUUID();
    given([
      ...o.history,
      o.invited(invitationId, { kind: 'user', userId: o.outsider }),
      ev('InvitationAccepted', { organizationId: o.org, invitationId, userId: o.outsider, role: 'editor' }),
    ])
      .when({ type: 'RevokeInvitation', data: { organizationId: o.org, invitationId } }, as(o.admin))
      .thenThrows('conflict', 'INVITATION.NOT_PENDING');
  });

  test('an unknown invitation is not found', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RevokeInvitation', data: { organizationId: o.org, invitationId: randomUUID() } }, as(o.admin))
      .thenThrows('not_found', 'INVITATION.NOT_FOUND');
  });
});

describe('InviteMember: pending invitations per inviter', () => {
  const MAX = ORGANIZATION_LIMITS.pendingInvitationsPerInviterMax;
  const invite = (org: string, email: string) =>
    ({ type: 'InviteMember', data: { organizationId: org, invitationId: randomUUID(), invitee: { email }, role: 'member' } }) as const;
  /** The organization with MAX pending e-mail invitations sent by its admin. */
  const full = () => {
    const o = anOrganization();
    const sent = Array.from({ length: MAX }, (_, i) => o.invited(randomUUID(), { kind: 'email', email: `p${i}@example.org` }));
    return { o, history: [...o.history, ...sent] };
  };

  test(`an admin with ${MAX} pending invitations in the organization may not leave another one pending (409)`, () => {
    const { o, history } = full();
    given(history).when(invite(o.org, 'one-more@example.org'), as(o.admin)).thenThrows('conflict', 'INVITATION.TOO_MANY_PENDING');
  });

  test('an answered or revoked invitation no longer counts', () => {
    const { o, history } = full();
    const [first] = history.slice(o.history.length) as Array<{ data: { invitationId: string } }>;
    const revoked = ev('InvitationRevoked', { organizationId: o.org, invitationId: first.data.invitationId, revokedBy: o.admin });
    given([...history, revoked]).when(invite(o.org, 'one-more@example.org'), as(o.admin)).then([expect.objectContaining({ type: 'MemberInvited' }) as never]);
  });

  test('replacing one of his own pending invitations leaves the count as it is, so it is allowed', () => {
    const { o, history } = full();
    given(history).when(invite(o.org, 'p0@example.org'), as(o.admin)).then([expect.objectContaining({ type: 'MemberInvited' }) as never]);
  });

  test('the cap is per inviter: another admin of the same organization may still invite', () => {
    const { o, history } = full();
    const other = id('admin');
    const promoted = [...o.joined(other, 'admin')];
    given([...history, ...promoted]).when(invite(o.org, 'one-more@example.org'), as(other)).then([expect.objectContaining({ type: 'MemberInvited' }) as never]);
  });
});
