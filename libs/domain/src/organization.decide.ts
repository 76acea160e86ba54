import type { CommandContext, OrganizationCommand } from './commands';
import { conflict, forbidden, notFound, validation } from './errors';
import type { EventOfType, Invitee, OrganizationEvent } from './events';
import { checkPermission, type Action } from './permissions';
import { isRole, type Role } from './roles';
import { inviteeKey, ORGANIZATION_LIMITS as LIMITS, type OrganizationState, type PendingInvitation, type PendingJoinRequest } from './organization.state';

type Command<T extends OrganizationCommand['type']> = Extract<OrganizationCommand, { type: T }>;
type Data<T extends OrganizationCommand['type']> = Command<T>['data'];

/**
 * Decides what a command means for an organization: the events to record, or a refusal
 * (a thrown DomainError). Pure: time and ids come in with the command and its context,
 * so a decision re-run after a concurrency conflict is the same decision.
 */
export function decide(command: OrganizationCommand, state: OrganizationState, context: CommandContext): OrganizationEvent[] {
  if (command.type === 'CreateOrganization') return createOrganization(command.data, state, context);
  assertOrganizationAcceptsCommands(state);
  switch (command.type) {
    case 'UpdateOrganizationProfile':
      return updateOrganizationProfile(command.data, state, context);
    case 'InviteMember':
      return inviteMember(command.data, state, context);
    case 'AcceptInvitation':
      return acceptInvitation(command.data, state, context);
    case 'DeclineInvitation':
      return declineInvitation(command.data, state, context);
    case 'RevokeInvitation':
      return revokeInvitation(command.data, state, context);
    case 'RequestJoin':
      return requestJoin(command.data, state, context);
    case 'CancelJoinRequest':
      return cancelJoinRequest(command.data, state, context);
    case 'ApproveJoin':
      return approveJoin(command.data, state, context);
    case 'RejectJoin':
      return rejectJoin(command.data, state, context);
    case 'ChangeRole':
      return changeRole(command.data, state, context);
    case 'RemoveMember':
      return removeMember(command.data, state, context);
    case 'LeaveOrganization':
      return leaveOrganization(command.data, state, context);
    case 'DeleteOrganization':
      return deleteOrganization(command.data, state, context);
    default: {
      const unhandled: never = command;
      throw validation('VALIDATION.COMMAND', `Unknown command ${(unhandled as { type?: unknown }).type}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Commands

function createOrganization(data: Data<'CreateOrganization'>, state: OrganizationState, { actor }: CommandContext) {
  assertValidId(data.organizationId, 'organizationId');
  const name = validName(data.name);
  const description = validDescription(data.description ?? '');
  if (state.status === 'deleted') throw organizationDeleted();
  if (state.status !== 'none') {
    throw conflict('ORGANIZATION.ALREADY_EXISTS', `Organization ${data.organizationId} already exists`);
  }
  return [
    event('OrganizationCreated', { organizationId: data.organizationId, name, description, createdBy: actor.userId }),
  ];
}

function updateOrganizationProfile(data: Data<'UpdateOrganizationProfile'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'organization.update');
  const name = data.name === undefined ? undefined : validName(data.name);
  const description = data.description === undefined ? undefined : validDescription(data.description);
  if (name === undefined && description === undefined) {
    throw validation('VALIDATION.NO_CHANGES', 'Give a name or a description to update');
  }
  const changes: { name?: string; description?: string } = {};
  if (name !== undefined && name !== state.name) changes.name = name;
  if (description !== undefined && description !== state.description) changes.description = description;
  // Setting the values the organization already has is a no-op: nothing to record.
  if (Object.keys(changes).length === 0) return [];
  return [event('OrganizationProfileUpdated', { organizationId: state.id, ...changes })];
}

function inviteMember(data: Data<'InviteMember'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.invite');
  assertValidId(data.invitationId, 'invitationId');
  const role = validRole(data.role);
  const invitee = validInvitee(data.invitee);
  const expiresInDays = validExpiresInDays(data.expiresInDays);
  assertInvitationIdUnused(state, data.invitationId);
  if (invitee.kind === 'user') {
    assertNotAMember(state, invitee.userId);
    const request = pendingJoinRequestOf(state, invitee.userId);
    if (request) {
      throw conflict(
        'JOIN_REQUEST.PENDING',
        `User ${invitee.userId} has a pending join request (${request.requestId}): approve it instead of inviting`,
      );
    }
  }
  // A second invitation to the same person replaces the pending one: never two open.
  const replaced = pendingInvitationTo(state, invitee);
  if (replaced?.invitedBy !== context.actor.userId) assertMayLeaveAnotherInvitationPending(state, context);
  const expiresAt = new Date(context.now.getTime() + expiresInDays * DAY_MS).toISOString();
  return [
    event('MemberInvited', {
      organizationId: state.id,
      invitationId: data.invitationId,
      invitee,
      role,
      invitedBy: context.actor.userId,
      expiresAt,
      ...(replaced ? { replacesInvitationId: replaced.invitationId } : {}),
    }),
  ];
}

function acceptInvitation(data: Data<'AcceptInvitation'>, state: OrganizationState, context: CommandContext) {
  const invitation = pendingInvitation(state, data.invitationId);
  assertIsInvitee(invitation, context);
  assertNotExpired(invitation, context);
  const userId = context.actor.userId;
  assertNotAMember(state, userId);
  const events: OrganizationEvent[] = [
    event('InvitationAccepted', { organizationId: state.id, invitationId: invitation.invitationId, userId, role: invitation.role }),
  ];
  // Joining closes the user's other path in: no join request is left open for a member.
  const request = pendingJoinRequestOf(state, userId);
  if (request) events.push(event('JoinRequestCancelled', { organizationId: state.id, requestId: request.requestId, userId }));
  return events;
}

function declineInvitation(data: Data<'DeclineInvitation'>, state: OrganizationState, context: CommandContext) {
  const invitation = pendingInvitation(state, data.invitationId);
  assertIsInvitee(invitation, context);
  assertNotExpired(invitation, context);
  return [
    event('InvitationDeclined', {
      organizationId: state.id,
      invitationId: invitation.invitationId,
      userId: context.actor.userId,
    }),
  ];
}

function revokeInvitation(data: Data<'RevokeInvitation'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.invite');
  const invitation = pendingInvitation(state, data.invitationId);
  return [
    event('InvitationRevoked', {
      organizationId: state.id,
      invitationId: invitation.invitationId,
      revokedBy: context.actor.userId,
    }),
  ];
}

function requestJoin(data: Data<'RequestJoin'>, state: OrganizationState, context: CommandContext) {
  assertValidId(data.requestId, 'requestId');
  const message = data.message === undefined ? undefined : validText(data.message, LIMITS.messageMaxLength, 'VALIDATION.MESSAGE', 'message');
  const userId = context.actor.userId;
  assertNotAMember(state, userId);
  if (state.joinRequests.has(data.requestId) || state.handledJoinRequests.has(data.requestId)) {
    throw conflict('JOIN_REQUEST.ALREADY_EXISTS', `Join request ${data.requestId} already exists`);
  }
  const pending = pendingJoinRequestOf(state, userId);
  if (pending) {
    throw conflict('JOIN_REQUEST.ALREADY_PENDING', `User ${userId} already has a pending join request (${pending.requestId})`);
  }
  const invitation = openInvitationFor(state, context);
  if (invitation) {
    throw conflict(
      'INVITATION.PENDING',
      `User ${userId} has a pending invitation (${invitation.invitationId}): accept it instead of requesting to join`,
    );
  }
  return [
    event('JoinRequested', {
      organizationId: state.id,
      requestId: data.requestId,
      userId,
      ...(message !== undefined ? { message } : {}),
    }),
  ];
}

function cancelJoinRequest(data: Data<'CancelJoinRequest'>, state: OrganizationState, context: CommandContext) {
  const request = pendingJoinRequest(state, data.requestId);
  if (request.userId !== context.actor.userId) {
    throw forbidden('JOIN_REQUEST.NOT_REQUESTER', 'Only the user who made a join request may cancel it');
  }
  return [event('JoinRequestCancelled', { organizationId: state.id, requestId: request.requestId, userId: request.userId })];
}

function approveJoin(data: Data<'ApproveJoin'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.approve');
  const role = validRole(data.role ?? DEFAULT_APPROVED_ROLE);
  const request = pendingJoinRequest(state, data.requestId);
  assertNotAMember(state, request.userId);
  return [
    event('JoinApproved', {
      organizationId: state.id,
      requestId: request.requestId,
      userId: request.userId,
      role,
      approvedBy: context.actor.userId,
    }),
  ];
}

function rejectJoin(data: Data<'RejectJoin'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.reject');
  const reason = data.reason === undefined ? undefined : validText(data.reason, LIMITS.reasonMaxLength, 'VALIDATION.REASON', 'reason');
  const request = pendingJoinRequest(state, data.requestId);
  return [
    event('JoinRejected', {
      organizationId: state.id,
      requestId: request.requestId,
      userId: request.userId,
      rejectedBy: context.actor.userId,
      ...(reason !== undefined ? { reason } : {}),
    }),
  ];
}

function changeRole(data: Data<'ChangeRole'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.change-role');
  const to = validRole(data.role);
  const from = memberRole(state, data.userId);
  // Giving a member the role they hold is a no-op: 2xx, nothing recorded.
  if (from === to) return [];
  if (from === 'admin') assertKeepsAnAdmin(state, data.userId, 'demote');
  return [
    event('MemberRoleChanged', { organizationId: state.id, userId: data.userId, from, to, changedBy: context.actor.userId }),
  ];
}

function removeMember(data: Data<'RemoveMember'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.remove');
  const role = memberRole(state, data.userId);
  if (role === 'admin') assertKeepsAnAdmin(state, data.userId, 'remove');
  // Ends the membership only: the user's account belongs to the portal, not to Roster.
  return [event('MemberRemoved', { organizationId: state.id, userId: data.userId, role, removedBy: context.actor.userId })];
}

function leaveOrganization(_data: Data<'LeaveOrganization'>, state: OrganizationState, context: CommandContext) {
  const userId = context.actor.userId;
  const role = memberRole(state, userId);
  if (role === 'admin') assertKeepsAnAdmin(state, userId, 'leave');
  return [event('MemberLeft', { organizationId: state.id, userId, role })];
}

function deleteOrganization(_data: Data<'DeleteOrganization'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'organization.delete');
  return [event('OrganizationDeleted', { organizationId: state.id, deletedBy: context.actor.userId })];
}

// ---------------------------------------------------------------------------------------
// Invariants and lookups, named so a reader finds them in one guess.

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_APPROVED_ROLE: Role = 'editor';
// Shape only (something@domain.tld, no spaces); ownership is proved by the token's claim.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

function event<T extends OrganizationEvent['type']>(type: T, data: EventOfType<T>['data']): OrganizationEvent {
  return { type, data } as OrganizationEvent;
}

const organizationDeleted = () => conflict('ORGANIZATION.DELETED', 'The organization was deleted and accepts no more commands');

/** An unknown organization accepts nothing but its creation; a deleted one accepts nothing at all. */
function assertOrganizationAcceptsCommands(state: OrganizationState): void {
  if (state.status === 'none') throw notFound('ORGANIZATION.NOT_FOUND', 'No such organization');
  if (state.status === 'deleted') throw organizationDeleted();
}

/** Who may act: the permission table decides from the actor's role; a superadmin may do anything an admin may. */
function assertMayAct(state: OrganizationState, { actor }: CommandContext, action: Action): void {
  if (actor.platformRoles.includes('superadmin')) return;
  const decision = checkPermission(state.members.get(actor.userId)?.role, action);
  if (!decision.allowed) throw forbidden('PERMISSION.DENIED', `Not allowed to ${action}: ${decision.reason}`);
}

/** An organization always keeps at least one admin. */
function assertKeepsAnAdmin(state: OrganizationState, userId: string, change: 'demote' | 'remove' | 'leave'): void {
  if (state.members.get(userId)?.role === 'admin' && state.adminCount <= 1) {
    const what = { demote: 'demote', remove: 'remove', leave: 'leave as' }[change];
    throw conflict(
      'MEMBERSHIP.LAST_ADMIN',
      `Cannot ${what} the last admin: the organization must keep at least one admin (promote another member to admin first)`,
    );
  }
}

/** No one holds two memberships in one organization. */
function assertMayLeaveAnotherInvitationPending(state: OrganizationState, { actor }: CommandContext): void {
  const pending = state.pendingInvitationCountByInviter.get(actor.userId) ?? 0;
  if (pending >= LIMITS.pendingInvitationsPerInviterMax) {
    throw conflict(
      'INVITATION.TOO_MANY_PENDING',
      `${pending} invitations you sent in this organization are still pending (at most ${LIMITS.pendingInvitationsPerInviterMax}): revoke some, or wait for answers`,
    );
  }
}

function assertNotAMember(state: OrganizationState, userId: string): void {
  if (state.members.has(userId)) throw conflict('MEMBERSHIP.ALREADY_MEMBER', `User ${userId} is already a member`);
}

function memberRole(state: OrganizationState, userId: string): Role {
  const member = state.members.get(userId);
  if (!member) throw notFound('MEMBERSHIP.NOT_FOUND', `User ${userId} is not a member`);
  return member.role;
}

function pendingInvitation(state: OrganizationState, invitationId: string): PendingInvitation {
  const invitation = state.invitations.get(invitationId);
  if (invitation) return invitation;
  const outcome = state.handledInvitations.get(invitationId);
  if (outcome) throw conflict('INVITATION.NOT_PENDING', `Invitation ${invitationId} is not pending (${outcome})`);
  throw notFound('INVITATION.NOT_FOUND', `No invitation ${invitationId}`);
}

function pendingJoinRequest(state: OrganizationState, requestId: string) {
  const request = state.joinRequests.get(requestId);
  if (request) return request;
  const outcome = state.handledJoinRequests.get(requestId);
  if (outcome) throw conflict('JOIN_REQUEST.NOT_PENDING', `Join request ${requestId} is not pending (${outcome})`);
  throw notFound('JOIN_REQUEST.NOT_FOUND', `No join request ${requestId}`);
}

/** Only the invitee answers: the invited user id, or whoever proves the invited e-mail with a verified claim. */
function assertIsInvitee(invitation: PendingInvitation, { actor }: CommandContext): void {
  const { invitee } = invitation;
  const isInvitee =
    invitee.kind === 'user'
      ? invitee.userId === actor.userId
      : actor.email !== undefined && actor.email.trim().toLowerCase() === invitee.email;
  if (!isInvitee) throw forbidden('INVITATION.NOT_INVITEE', 'Only the invitee may answer this invitation');
}

/** Expiry is judged against the command's time, never the clock. */
function assertNotExpired(invitation: PendingInvitation, { now }: CommandContext): void {
  if (isExpired(invitation, now)) {
    throw conflict('INVITATION.EXPIRED', `Invitation ${invitation.invitationId} expired at ${invitation.expiresAt}`);
  }
}

function isExpired(invitation: PendingInvitation, now: Date): boolean {
  return now.getTime() > Date.parse(invitation.expiresAt);
}

function assertInvitationIdUnused(state: OrganizationState, invitationId: string): void {
  if (state.invitations.has(invitationId) || state.handledInvitations.has(invitationId)) {
    throw conflict('INVITATION.ALREADY_EXISTS', `Invitation ${invitationId} already exists`);
  }
}

function pendingJoinRequestOf(state: OrganizationState, userId: string): PendingJoinRequest | undefined {
  const [requestId] = state.pendingJoinRequestsByUser.get(userId) ?? [];
  return requestId === undefined ? undefined : state.joinRequests.get(requestId);
}

/** The pending invitations to this invitee, oldest first (one, unless the history is odd), from evolve's index. */
function pendingInvitationsTo(state: OrganizationState, invitee: Invitee): PendingInvitation[] {
  return (state.pendingInvitationsByInvitee.get(inviteeKey(invitee)) ?? []).flatMap((id) => state.invitations.get(id) ?? []);
}

function pendingInvitationTo(state: OrganizationState, invitee: Invitee): PendingInvitation | undefined {
  return pendingInvitationsTo(state, invitee)[0];
}

/** The actor's own pending, unexpired invitation: to their user id first, then to their e-mail. */
function openInvitationFor(state: OrganizationState, { actor, now }: CommandContext): PendingInvitation | undefined {
  const email = actor.email?.trim().toLowerCase();
  const mine = [
    ...pendingInvitationsTo(state, { kind: 'user', userId: actor.userId }),
    ...(email === undefined ? [] : pendingInvitationsTo(state, { kind: 'email', email })),
  ];
  return mine.find((invitation) => !isExpired(invitation, now));
}

// ---------------------------------------------------------------------------------------
// Validation (kind 'validation', codes VALIDATION.*); the HTTP DTOs use the same limits.

function assertValidId(id: unknown, field: string): void {
  if (typeof id !== 'string' || id.trim().length === 0 || id.length > LIMITS.idMaxLength) {
    throw validation('VALIDATION.ID', `${field} must be a non-empty id of at most ${LIMITS.idMaxLength} characters`);
  }
}

function validName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length < LIMITS.nameMinLength || trimmed.length > LIMITS.nameMaxLength) {
    throw validation('VALIDATION.NAME', `name must be ${LIMITS.nameMinLength} to ${LIMITS.nameMaxLength} characters, not blank`);
  }
  return trimmed;
}

function validDescription(description: unknown): string {
  return validText(description, LIMITS.descriptionMaxLength, 'VALIDATION.DESCRIPTION', 'description');
}

function validText(text: unknown, max: number, code: string, field: string): string {
  if (typeof text !== 'string' || text.length > max) throw validation(code, `${field} must be text of at most ${max} characters`);
  return text;
}

function validRole(role: unknown): Role {
  if (!isRole(role)) throw validation('VALIDATION.ROLE', `role must be one of member, editor, admin`);
  return role;
}

function validInvitee(invitee: unknown): Invitee {
  const given = (invitee ?? {}) as { userId?: unknown; email?: unknown };
  const hasUser = given.userId !== undefined;
  const hasEmail = given.email !== undefined;
  if (hasUser === hasEmail) throw validation('VALIDATION.INVITEE', 'Invite either a userId or an email');
  if (hasUser) {
    if (typeof given.userId !== 'string' || given.userId.trim().length === 0 || given.userId.length > LIMITS.idMaxLength) {
      throw validation('VALIDATION.USER_ID', `userId must be a non-empty id of at most ${LIMITS.idMaxLength} characters`);
    }
    return { kind: 'user', userId: given.userId };
  }
  const email = typeof given.email === 'string' ? given.email.trim().toLowerCase() : '';
  if (email.length > LIMITS.emailMaxLength || !EMAIL_SHAPE.test(email)) {
    throw validation('VALIDATION.EMAIL', 'email must be an e-mail address');
  }
  return { kind: 'email', email };
}

function validExpiresInDays(days: unknown): number {
  if (days === undefined) return LIMITS.expiresInDaysDefault;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < LIMITS.expiresInDaysMin || days > LIMITS.expiresInDaysMax) {
    throw validation(
      'VALIDATION.EXPIRES_IN_DAYS',
      `expiresInDays must be a whole number from ${LIMITS.expiresInDaysMin} to ${LIMITS.expiresInDaysMax}`,
    );
  }
  return days;
}
