import { randomUUID } from 'node:crypto';
import { ORGANIZATION_LIMITS } from './fields';
import { anOrganization, as, ev, given, id, inDays } from './testing/organization.fixtures';

describe('RequestJoin', () => {
  test('a signed-in non-member asks to join, with a message', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given(o.history)
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId, message: 'I publish the bus timetables' } }, as(o.outsider))
      .then([ev('JoinRequested', { organizationId: o.org, requestId, userId: o.outsider, message: 'I publish the bus timetables' })]);
  });

  test('the message is optional', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given(o.history)
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId } }, as(o.outsider))
      .then([ev('JoinRequested', { organizationId: o.org, requestId, userId: o.outsider })]);
  });

  test('a member cannot ask to join', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId: randomUUID() } }, as(o.member))
      .thenThrows('conflict', 'MEMBERSHIP.ALREADY_MEMBER');
  });

  test('one pending request per user', () => {
    const o = anOrganization();
    given([...o.history, o.requested(randomUUID(), o.outsider)])
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId: randomUUID() } }, as(o.outsider))
      .thenThrows('conflict', 'JOIN_REQUEST.ALREADY_PENDING');
  });

  test('a user may ask again once the previous request was rejected', () => {
    const o = anOrganization();
    const first = randomUUID();
    const second = randomUUID();
    given([...o.history, o.requested(first, o.outsider), ev('JoinRejected', { organizationId: o.org, requestId: first, userId: o.outsider, rejectedBy: o.admin })])
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId: second } }, as(o.outsider))
      .then([ev('JoinRequested', { organizationId: o.org, requestId: second, userId: o.outsider })]);
  });

  test('a user with a pending invitation accepts it instead of asking', () => {
    const o = anOrganization();
    given([...o.history, o.invited(randomUUID(), { kind: 'user', userId: o.outsider })])
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId: randomUUID() } }, as(o.outsider))
      .thenThrows('conflict', 'INVITATION.PENDING');
  });

  test('an invitation to the e-mail stands in the way only when the e-mail is verified (else it is not theirs to accept)', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    const history = [...o.history, o.invited(randomUUID(), { kind: 'email', email: 'ada@example.org' })];
    const command = { type: 'RequestJoin' as const, data: { organizationId: o.org, requestId } };
    given(history).when(command, as(o.outsider, { email: 'ada@example.org' })).thenThrows('conflict', 'INVITATION.PENDING');
    given(history)
      .when(command, as(o.outsider, { email: 'ada@example.org', emailVerified: false }))
      .then([ev('JoinRequested', { organizationId: o.org, requestId, userId: o.outsider })]);
  });

  test('an expired invitation does not stand in the way', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.invited(randomUUID(), { kind: 'user', userId: o.outsider })])
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId } }, as(o.outsider, { now: inDays(8) }))
      .then([ev('JoinRequested', { organizationId: o.org, requestId, userId: o.outsider })]);
  });

  test('a request id already used is refused', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, id('someone'))])
      .when({ type: 'RequestJoin', data: { organizationId: o.org, requestId } }, as(o.outsider))
      .thenThrows('conflict', 'JOIN_REQUEST.ALREADY_EXISTS');
  });

  test('an over-long message is refused', () => {
    const o = anOrganization();
    given(o.history)
      .when(
        { type: 'RequestJoin', data: { organizationId: o.org, requestId: randomUUID(), message: 'x'.repeat(ORGANIZATION_LIMITS.messageMaxLength + 1) } },
        as(o.outsider),
      )
      .thenThrows('validation', 'VALIDATION.MESSAGE');
  });
});

describe('CancelJoinRequest', () => {
  test('the requester cancels', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'CancelJoinRequest', data: { organizationId: o.org, requestId } }, as(o.outsider))
      .then([ev('JoinRequestCancelled', { organizationId: o.org, requestId, userId: o.outsider })]);
  });

  test.each(['admin', 'editor', 'superadmin'] as const)('an %s may not cancel somebody else’s request', (who) => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'CancelJoinRequest', data: { organizationId: o.org, requestId } }, as(o[who], { superadmin: who === 'superadmin' }))
      .thenThrows('forbidden', 'JOIN_REQUEST.NOT_REQUESTER');
  });

  test('a cancelled request cannot be cancelled again', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider), ev('JoinRequestCancelled', { organizationId: o.org, requestId, userId: o.outsider })])
      .when({ type: 'CancelJoinRequest', data: { organizationId: o.org, requestId } }, as(o.outsider))
      .thenThrows('conflict', 'JOIN_REQUEST.NOT_PENDING');
  });

  test('an unknown request is not found', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'CancelJoinRequest', data: { organizationId: o.org, requestId: randomUUID() } }, as(o.outsider))
      .thenThrows('not_found', 'JOIN_REQUEST.NOT_FOUND');
  });
});

describe('ApproveJoin', () => {
  test('an admin approves; the role defaults to editor', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId } }, as(o.admin))
      .then([ev('JoinApproved', { organizationId: o.org, requestId, userId: o.outsider, role: 'editor', approvedBy: o.admin, departmentId: null, defaultDatasetRole: 'contributor' })]);
  });

  test('an admin approves with a chosen role', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, role: 'member' } }, as(o.admin))
      .then([ev('JoinApproved', { organizationId: o.org, requestId, userId: o.outsider, role: 'member', approvedBy: o.admin, departmentId: null, defaultDatasetRole: 'reader' })]);
  });

  test('a superadmin who is not a member approves', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, role: 'admin' } }, as(o.superadmin, { superadmin: true }))
      .then([ev('JoinApproved', { organizationId: o.org, requestId, userId: o.outsider, role: 'admin', approvedBy: o.superadmin, departmentId: null, defaultDatasetRole: 'manager' })]);
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not approve', (who) => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, id('someone'))])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('an approved request cannot be approved again', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider), o.approved(requestId, o.outsider, 'editor')])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId } }, as(o.admin))
      .thenThrows('conflict', 'JOIN_REQUEST.NOT_PENDING');
  });

  test('an unknown request is not found', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId: randomUUID() } }, as(o.admin))
      .thenThrows('not_found', 'JOIN_REQUEST.NOT_FOUND');
  });

  test('an unknown role is refused', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'ApproveJoin', data: { organizationId: o.org, requestId, role: 'owner' as never } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.ROLE');
  });
});

describe('RejectJoin', () => {
  test('an admin rejects with a reason shown to the requester', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'RejectJoin', data: { organizationId: o.org, requestId, reason: 'Staff only' } }, as(o.admin))
      .then([ev('JoinRejected', { organizationId: o.org, requestId, userId: o.outsider, rejectedBy: o.admin, reason: 'Staff only' })]);
  });

  test('the reason is optional', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'RejectJoin', data: { organizationId: o.org, requestId } }, as(o.admin))
      .then([ev('JoinRejected', { organizationId: o.org, requestId, userId: o.outsider, rejectedBy: o.admin })]);
  });

  test.each(['editor', 'member', 'outsider'] as const)('an %s may not reject', (who) => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, id('someone'))])
      .when({ type: 'RejectJoin', data: { organizationId: o.org, requestId } }, as(o[who]))
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('a rejected request cannot be rejected again', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider), ev('JoinRejected', { organizationId: o.org, requestId, userId: o.outsider, rejectedBy: o.admin })])
      .when({ type: 'RejectJoin', data: { organizationId: o.org, requestId } }, as(o.admin))
      .thenThrows('conflict', 'JOIN_REQUEST.NOT_PENDING');
  });

  test('an unknown request is not found', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RejectJoin', data: { organizationId: o.org, requestId: randomUUID() } }, as(o.admin))
      .thenThrows('not_found', 'JOIN_REQUEST.NOT_FOUND');
  });

  test('an over-long reason is refused', () => {
    const o = anOrganization();
    const requestId = randomUUID();
    given([...o.history, o.requested(requestId, o.outsider)])
      .when({ type: 'RejectJoin', data: { organizationId: o.org, requestId, reason: 'x'.repeat(ORGANIZATION_LIMITS.reasonMaxLength + 1) } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.REASON');
  });
});
