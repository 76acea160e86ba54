import type { Actor, CommandContext, OrganizationCommand } from './commands';
import { defaultDatasetRoleFor, type DatasetRole } from './dataset-roles';
import { DEPARTMENT_SCOPES, departmentRefusal, type MemberPlacement } from './departments';
import { conflict, forbidden, gone, notFound, validation } from './errors';
import {
  assertValidId,
  normalizedEmail,
  ORGANIZATION_LIMITS as LIMITS,
  validDatasetRole,
  validDepartmentId,
  validDescription,
  validEmail,
  validExpiresInDays,
  validInvitee,
  validMessage,
  validName,
  validOrganizationId,
  validPartner,
  validPartnerAccess,
  validReason,
  validRole,
  validUserId,
} from './fields';
import { isServiceId } from './ids';
import type { PartnerContact, PartnerOrganizationFacts } from './partners';
import type { EventOfType, Invitee, OrganizationEvent } from './events';
import { importOrganization } from './import';
import { isExpired } from './invitation-expiry';
import { checkPermission, platformRoleAllowing, type Action } from './permissions';
import type { Role } from './roles';
import {
  evolve,
  inviteeKey,
  type Department,
  type Membership,
  type OrganizationState,
  type PendingInvitation,
  type PendingJoinRequest,
  type Partnership,
} from './organization.state';

type Command<T extends OrganizationCommand['type']> = Extract<OrganizationCommand, { type: T }>;
type Data<T extends OrganizationCommand['type']> = Command<T>['data'];

/**
 * Decides what a command means for an organization: the events to record, or a refusal
 * (a thrown DomainError). Pure: time and ids come in with the command and its context,
 * so a decision re-run after a concurrency conflict is the same decision.
 */
export function decide(command: OrganizationCommand, state: OrganizationState, context: CommandContext): OrganizationEvent[] {
  if (command.type === 'CreateOrganization') return createOrganization(command.data, state, context);
  // An import creates, or leaves a deleted organization as it is (import.ts).
  if (command.type === 'ImportOrganization') return withAdminFlag(state, importOrganization(command.data, state, context));
  assertOrganizationAcceptsCommands(state);
  return withAdminFlag(state, decideCommand(command, state, context));
}

/**
 * Only an erasure may take an organization's last organization-wide admin (the last-admin
 * rule refuses every other way): the organization is then flagged, and the flag is lifted
 * by whatever command gives it an organization-wide admin again (a superadmin's ChangeRole,
 * an accepted invitation, an approved request, a move out of a department, an import).
 */
function withAdminFlag(state: OrganizationState, events: OrganizationEvent[]): OrganizationEvent[] {
  if (events.length === 0) return events;
  const after = events.reduce((folded, recorded) => evolve(folded, recorded), state);
  if (after.status !== 'active') return events;
  const organizationId = state.id;
  if (!state.withoutAdmin && after.organizationWideAdminCount === 0) return [...events, event('OrganizationLeftWithoutAdmin', { organizationId })];
  if (state.withoutAdmin && after.organizationWideAdminCount > 0) return [...events, event('OrganizationAdminRestored', { organizationId })];
  return events;
}

function decideCommand(command: Exclude<OrganizationCommand, { type: 'CreateOrganization' | 'ImportOrganization' }>, state: OrganizationState, context: CommandContext): OrganizationEvent[] {
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
    case 'ResendInvitation':
      return resendInvitation(command.data, state, context);
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
    case 'AddDepartment':
      return addDepartment(command.data, state, context);
    case 'RenameDepartment':
      return renameDepartment(command.data, state, context);
    case 'RemoveDepartment':
      return removeDepartment(command.data, state, context);
    case 'ChangeMemberDepartment':
      return changeMemberDepartment(command.data, state, context);
    case 'ChangeDefaultDatasetRole':
      return changeDefaultDatasetRole(command.data, state, context);
    case 'ErasePerson':
      return erasePerson(command.data, state, context);
    case 'InvitePartner':
      return invitePartner(command.data, state, context);
    case 'AcceptPartnership':
      return acceptPartnership(command.data, state, context);
    case 'DeclinePartnership':
      return declinePartnership(command.data, state, context);
    case 'ChangePartnerAccess':
      return changePartnerAccess(command.data, state, context);
    case 'EndPartnership':
      return endPartnership(command.data, state, context);
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
    event('OrganizationCreated', {
      organizationId: data.organizationId,
      name,
      description,
      createdBy: actor.userId,
      creatorDefaultDatasetRole: defaultDatasetRoleFor('admin'),
    }),
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
  const expiresInDays = data.expiresInDays === undefined ? LIMITS.expiresInDaysDefault : validExpiresInDays(data.expiresInDays);
  const defaultDatasetRole = validDefaultDatasetRole(data.defaultDatasetRole, role);
  const departmentId = placementOf(state, context, data.departmentId);
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
  if (replaced) assertManagesPeopleOf(state, context, replaced.departmentId, `replace invitation ${replaced.invitationId}`);
  if (replaced?.invitedBy !== context.actor.userId) assertMayLeaveAnotherInvitationPending(state, context);
  const expiresAt = expiryFrom(context.now, expiresInDays);
  return [
    event('MemberInvited', {
      organizationId: state.id,
      invitationId: data.invitationId,
      invitee,
      role,
      invitedBy: context.actor.userId,
      expiresAt,
      departmentId,
      defaultDatasetRole,
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
    event('InvitationAccepted', {
      organizationId: state.id,
      invitationId: invitation.invitationId,
      userId,
      role: invitation.role,
      departmentId: invitation.departmentId,
      defaultDatasetRole: invitation.defaultDatasetRole,
    }),
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
  assertManagesPeopleOf(state, context, invitation.departmentId, `revoke invitation ${invitation.invitationId}`);
  return [
    event('InvitationRevoked', {
      organizationId: state.id,
      invitationId: invitation.invitationId,
      revokedBy: context.actor.userId,
    }),
  ];
}

/** Same invitation, new expiry from now: a pending one, expired or not; a handled one is 409. */
function resendInvitation(data: Data<'ResendInvitation'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.invite');
  const expiresInDays = data.expiresInDays === undefined ? LIMITS.expiresInDaysDefault : validExpiresInDays(data.expiresInDays);
  const invitation = pendingInvitation(state, data.invitationId);
  assertManagesPeopleOf(state, context, invitation.departmentId, `resend invitation ${invitation.invitationId}`);
  // Someone who joined meanwhile (another path in) would only be refused on acceptance.
  if (invitation.invitee.kind === 'user') assertNotAMember(state, invitation.invitee.userId);
  return [
    event('InvitationResent', {
      organizationId: state.id,
      invitationId: invitation.invitationId,
      expiresAt: expiryFrom(context.now, expiresInDays),
      resentBy: context.actor.userId,
    }),
  ];
}

function requestJoin(data: Data<'RequestJoin'>, state: OrganizationState, context: CommandContext) {
  assertValidId(data.requestId, 'requestId');
  const message = data.message === undefined ? undefined : validMessage(data.message);
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
  const defaultDatasetRole = validDefaultDatasetRole(data.defaultDatasetRole, role);
  const departmentId = placementOf(state, context, data.departmentId);
  const request = pendingJoinRequest(state, data.requestId);
  assertNotAMember(state, request.userId);
  return [
    event('JoinApproved', {
      organizationId: state.id,
      requestId: request.requestId,
      userId: request.userId,
      role,
      approvedBy: context.actor.userId,
      departmentId,
      defaultDatasetRole,
    }),
  ];
}

function rejectJoin(data: Data<'RejectJoin'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.reject');
  const reason = data.reason === undefined ? undefined : validReason(data.reason);
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
  const reason = data.reason === undefined ? undefined : validReason(data.reason);
  const from = memberRole(state, data.userId);
  assertManagesMember(state, context, data.userId);
  // Giving a member the role they hold is a no-op: 2xx, nothing recorded.
  if (from === to) return [];
  if (from === 'admin') assertKeepsAnAdmin(state, data.userId, 'demote');
  return [
    event('MemberRoleChanged', {
      organizationId: state.id,
      userId: data.userId,
      from,
      to,
      changedBy: context.actor.userId,
      ...(reason !== undefined ? { reason } : {}),
    }),
  ];
}

function removeMember(data: Data<'RemoveMember'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.remove');
  const reason = data.reason === undefined ? undefined : validReason(data.reason);
  const role = memberRole(state, data.userId);
  assertManagesMember(state, context, data.userId);
  if (role === 'admin') assertKeepsAnAdmin(state, data.userId, 'remove');
  // Ends the membership only: the user's account belongs to the portal, not to Roster.
  return [
    event('MemberRemoved', {
      organizationId: state.id,
      userId: data.userId,
      role,
      removedBy: context.actor.userId,
      ...(reason !== undefined ? { reason } : {}),
    }),
  ];
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

// Departments are the organization's settings: organization.update, which a department admin
// never holds (departments.ts), so only organization-wide admins define them.

function addDepartment(data: Data<'AddDepartment'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'organization.update');
  const departmentId = validDepartmentId(data.departmentId);
  const name = validName(data.name);
  if (state.departments.has(departmentId)) throw conflict('DEPARTMENT.ALREADY_EXISTS', `Department ${departmentId} already exists`);
  return [event('DepartmentAdded', { organizationId: state.id, departmentId, name, addedBy: context.actor.userId })];
}

function renameDepartment(data: Data<'RenameDepartment'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'organization.update');
  const departmentId = validDepartmentId(data.departmentId);
  const name = validName(data.name);
  const before = department(state, departmentId);
  // The id stays (other services store it); the same name again is a no-op.
  if (before.name === name) return [];
  return [event('DepartmentRenamed', { organizationId: state.id, departmentId, from: before.name, to: name, renamedBy: context.actor.userId })];
}

function removeDepartment(data: Data<'RemoveDepartment'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'organization.update');
  const departmentId = validDepartmentId(data.departmentId);
  department(state, departmentId);
  const headcount = state.headcountByDepartment.get(departmentId);
  if (headcount) {
    throw conflict(
      'DEPARTMENT.NOT_EMPTY',
      `Department ${departmentId} still has ${headcount.members} member(s) and ${headcount.pendingInvitations} pending invitation(s), expired ones included: move the members and revoke the invitations first`,
    );
  }
  return [event('DepartmentRemoved', { organizationId: state.id, departmentId, removedBy: context.actor.userId })];
}

function changeMemberDepartment(data: Data<'ChangeMemberDepartment'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.change-role');
  assertOrganizationWide(state, context, 'move members between departments');
  const to = data.departmentId === null ? null : validDepartmentId(data.departmentId);
  const from = membershipOf(state, data.userId).departmentId;
  if (to !== null) department(state, to);
  if (from === to) return [];
  if (to !== null) assertKeepsAnAdmin(state, data.userId, 'restrict');
  return [event('MemberDepartmentChanged', { organizationId: state.id, userId: data.userId, from, to, changedBy: context.actor.userId })];
}

function changeDefaultDatasetRole(data: Data<'ChangeDefaultDatasetRole'>, state: OrganizationState, context: CommandContext) {
  assertMayAct(state, context, 'membership.change-role');
  const to = validDatasetRole(data.defaultDatasetRole);
  const from = membershipOf(state, data.userId).defaultDatasetRole;
  assertManagesMember(state, context, data.userId);
  if (from === to) return [];
  return [event('DefaultDatasetRoleChanged', { organizationId: state.id, userId: data.userId, from, to, changedBy: context.actor.userId })];
}

/**
 * Erasure (RGPD article 17) in one organization. The last-admin rule does not hold it back:
 * the organization is flagged instead (withAdminFlag). Nothing left to end or withdraw is a
 * no-op, so an erasure is safe to repeat. Only the person themself, or a platform role
 * granting `person.erase`, erases; the person names no e-mail but their verified one.
 */
function erasePerson(data: Data<'ErasePerson'>, state: OrganizationState, context: CommandContext) {
  const { userId, emails } = validErasure(data.userId, data.emails, context.actor);
  const membership = state.members.get(userId);
  const invitees: Invitee[] = [{ kind: 'user', userId }, ...emails.map((email): Invitee => ({ kind: 'email', email }))];
  const invitationIds = [...new Set(invitees.flatMap((invitee) => pendingInvitationsTo(state, invitee).map((invitation) => invitation.invitationId)))];
  const requestIds = [...(state.pendingJoinRequestsByUser.get(userId) ?? [])];
  // A partner invited by its contact (Data Fair): the invitation is to the person's address.
  const partnershipIds = emails.flatMap((email) => state.partnerships.idByContact.get(email) ?? []);
  if (!membership && invitationIds.length === 0 && requestIds.length === 0 && partnershipIds.length === 0) return [];
  return [
    event('PersonErased', {
      organizationId: state.id,
      userId,
      ...(membership ? { role: membership.role, departmentId: membership.departmentId } : {}),
      invitationIds,
      requestIds,
      ...(partnershipIds.length > 0 ? { partnershipIds } : {}),
      erasedBy: context.actor.userId,
    }),
  ];
}

/**
 * Who may erase whom, with which e-mail addresses: the person themself (only the address
 * their token verifies), or a platform role granting `person.erase`. Also checked before an
 * erasure starts, so a refusal comes before any organization is touched. Returns the
 * addresses normalized as invitations record them.
 */
export function validErasure(userIdGiven: unknown, emailsGiven: readonly unknown[] | undefined, actor: Actor): { userId: string; emails: string[] } {
  const userId = validUserId(userIdGiven);
  if (emailsGiven !== undefined && (!Array.isArray(emailsGiven) || emailsGiven.length > LIMITS.erasureEmailsMax)) {
    throw validation('VALIDATION.EMAILS', `emails must be a list of at most ${LIMITS.erasureEmailsMax} e-mail addresses`);
  }
  const emails = [...new Set((emailsGiven ?? []).map(validEmail))];
  if (platformRoleAllowing(actor.platformRoles, 'person.erase')) return { userId, emails };
  if (actor.userId !== userId) throw forbidden('PERMISSION.DENIED', 'Only the person themself, a superadmin or a service erases a person');
  const own = verifiedEmail(actor);
  if (emails.some((email) => email !== own)) {
    throw forbidden('ERASURE.EMAIL_NOT_PROVEN', 'A person erases only the e-mail address their token verifies; a superadmin or a service names others');
  }
  return { userId, emails };
}

// ---------------------------------------------------------------------------------------
// Partners (DESIGN.md "Partners", partners.ts). Decided in the inviting organization's
// stream; what the other organization says (it exists, the actor's role there) comes in the
// command as partnerFacts, folded from its stream just before the decision.

/**
 * The other organization whose facts a partnership command needs, or undefined when it needs
 * none: the command handler folds that organization's stream and passes the facts in the
 * command (withPartnerFacts) before deciding. Only well-formed ids are named: a malformed one
 * is refused by decide, never loaded.
 */
export function partnerOrganizationToLoad(command: OrganizationCommand, state: OrganizationState): string | undefined {
  const named = (value: unknown) => (isServiceId(value) ? value.toLowerCase() : undefined);
  switch (command.type) {
    case 'InvitePartner':
      return named((command.data.partner as { organizationId?: unknown } | undefined)?.organizationId);
    case 'AcceptPartnership':
      return state.partnerships.byId.get(command.data.partnershipId)?.partnerOrganizationId ?? named(command.data.partnerOrganizationId);
    case 'DeclinePartnership':
    case 'EndPartnership':
      return state.partnerships.byId.get(command.data.partnershipId)?.partnerOrganizationId ?? undefined;
    default:
      return undefined;
  }
}

/** The command with the other organization's facts, for the commands that take them. */
export function withPartnerFacts(command: OrganizationCommand, partnerFacts: PartnerOrganizationFacts): OrganizationCommand {
  switch (command.type) {
    case 'InvitePartner':
    case 'AcceptPartnership':
    case 'DeclinePartnership':
    case 'EndPartnership':
      return { ...command, data: { ...command.data, partnerFacts } } as OrganizationCommand;
    default:
      return command;
  }
}

function invitePartner(data: Data<'InvitePartner'>, state: OrganizationState, context: CommandContext) {
  assertMayManagePartners(state, context);
  assertValidId(data.partnershipId, 'partnershipId');
  const access = validPartnerAccess(data.access);
  const partner = validPartner(data.partner);
  if (state.partnerships.byId.has(data.partnershipId) || state.partnerships.handled.has(data.partnershipId)) {
    throw conflict('PARTNERSHIP.ALREADY_EXISTS', `Partnership ${data.partnershipId} already exists`);
  }
  const base = { organizationId: state.id, partnershipId: data.partnershipId };
  if ('organizationId' in partner) {
    const partnerOrganizationId = partner.organizationId;
    assertNotItself(state, partnerOrganizationId);
    assertPartnerAcceptsPartnerships(partnerFactsFor(data.partnerFacts, partnerOrganizationId));
    assertNoOpenPartnershipWith(state, partnerOrganizationId);
    return [event('PartnerInvited', { ...base, partnerOrganizationId, access, invitedBy: context.actor.userId })];
  }
  const pending = state.partnerships.idByContact.get(partner.contactEmail);
  if (pending !== undefined) {
    throw conflict('PARTNERSHIP.ALREADY_EXISTS', `A partnership invitation to this contact is already pending (${pending})`);
  }
  return [event('PartnerInvited', { ...base, contact: { name: partner.name, contactEmail: partner.contactEmail }, access, invitedBy: context.actor.userId })];
}

function acceptPartnership(data: Data<'AcceptPartnership'>, state: OrganizationState, context: CommandContext) {
  const partnership = pendingPartnership(state, data.partnershipId);
  const partnerOrganizationId = acceptingOrganization(state, partnership, data.partnerOrganizationId);
  const facts = partnerFactsFor(data.partnerFacts, partnerOrganizationId);
  assertPartnerAcceptsPartnerships(facts);
  if (partnership.contact) assertIsContact(partnership.contact, context);
  assertAdminOfPartner(facts, context, 'accept this partnership');
  // A contact invitation meets the organization only now: it must not be a second partnership with it.
  if (partnership.partnerOrganizationId === null) assertNoOpenPartnershipWith(state, partnerOrganizationId);
  return [
    event('PartnershipAccepted', {
      organizationId: state.id,
      partnershipId: partnership.partnershipId,
      partnerOrganizationId,
      access: partnership.access,
      acceptedBy: context.actor.userId,
      // The role folded from the partner's stream just before this decision (null: a superadmin who is not a member).
      acceptedByRole: facts.actor?.role ?? null,
    }),
  ];
}

function declinePartnership(data: Data<'DeclinePartnership'>, state: OrganizationState, context: CommandContext) {
  const partnership = pendingPartnership(state, data.partnershipId);
  if (partnership.contact) {
    // A pending contact invitation knows no organization yet: the contact declines.
    assertIsContact(partnership.contact, context);
  } else {
    // Invited by id: the facts of that organization (an invitation naming none is a wiring bug).
    const facts = partnerFactsFor(data.partnerFacts, partnership.partnerOrganizationId ?? '');
    assertPartnerAcceptsPartnerships(facts);
    assertAdminOfPartner(facts, context, 'decline this partnership');
  }
  return [
    event('PartnershipDeclined', {
      organizationId: state.id,
      partnershipId: partnership.partnershipId,
      partnerOrganizationId: partnership.partnerOrganizationId,
      declinedBy: context.actor.userId,
    }),
  ];
}

function changePartnerAccess(data: Data<'ChangePartnerAccess'>, state: OrganizationState, context: CommandContext) {
  assertMayManagePartners(state, context);
  const to = validPartnerAccess(data.access);
  const partnership = openPartnershipOf(state, data.partnershipId);
  if (partnership.access === to) return [];
  return [
    event('PartnerAccessChanged', {
      organizationId: state.id,
      partnershipId: partnership.partnershipId,
      partnerOrganizationId: partnership.partnerOrganizationId,
      from: partnership.access,
      to,
      changedBy: context.actor.userId,
    }),
  ];
}

/** An admin of the inviting organization ends it (a pending one is withdrawn), or an admin of the partner. */
function endPartnership(data: Data<'EndPartnership'>, state: OrganizationState, context: CommandContext) {
  const partnership = openPartnershipOf(state, data.partnershipId);
  const ended = (by: 'organization' | 'partner') => [
    event('PartnershipEnded', {
      organizationId: state.id,
      partnershipId: partnership.partnershipId,
      partnerOrganizationId: partnership.partnerOrganizationId,
      endedBy: context.actor.userId,
      by,
    }),
  ];
  const asOrganization = refusalOf(() => assertMayManagePartners(state, context));
  if (asOrganization === undefined) return ended('organization');
  const partnerOrganizationId = partnership.partnerOrganizationId;
  // A member of the partner is judged by the partner's facts; anyone else gets the inviting organization's refusal.
  const facts = partnerOrganizationId === null ? undefined : partnerFactsFor(data.partnerFacts, partnerOrganizationId);
  if (facts?.actor === undefined) throw asOrganization;
  assertPartnerAcceptsPartnerships(facts);
  assertAdminOfPartner(facts, context, 'end this partnership');
  return ended('partner');
}

/** Partners are the organization's settings (organization.update): organization-wide admins only. */
function assertMayManagePartners(state: OrganizationState, context: CommandContext): void {
  assertMemberMayAct(state.members.get(context.actor.userId), context, 'organization.update', 'manage partners');
}

/** The actor acts for the partner organization: an organization-wide admin there (or a superadmin), from the folded facts. */
function assertAdminOfPartner(facts: PartnerOrganizationFacts, context: CommandContext, what: string): void {
  assertMemberMayAct(facts.actor, context, 'organization.update', `${what} for organization ${facts.organizationId}`);
}

/** The facts the handler folded for `organizationId`; their absence is a wiring bug, not a refusal. */
function partnerFactsFor(facts: PartnerOrganizationFacts | undefined, organizationId: string): PartnerOrganizationFacts {
  if (facts?.organizationId !== organizationId) {
    throw new Error(`The facts of organization ${organizationId} were not folded before the decision (partnerOrganizationToLoad)`);
  }
  return facts;
}

/** Not an unknown (404) or deleted (410) organization: a deleted one accepts nothing and is granted nothing. */
function assertPartnerAcceptsPartnerships(facts: PartnerOrganizationFacts): void {
  if (facts.status === 'none') throw notFound('PARTNER.NOT_FOUND', `No organization ${facts.organizationId}`);
  if (facts.status === 'deleted') throw gone('PARTNER.DELETED', `Organization ${facts.organizationId} was deleted`);
}

function assertNotItself(state: OrganizationState, partnerOrganizationId: string): void {
  if (partnerOrganizationId === state.id) throw validation('PARTNER.SELF', 'An organization cannot be its own partner');
}

/** Never two pending or active partnerships from this organization to the same partner (see partners.ts: they are directed). */
function assertNoOpenPartnershipWith(state: OrganizationState, partnerOrganizationId: string): void {
  const open = state.partnerships.idByPartner.get(partnerOrganizationId);
  if (open !== undefined) {
    const status = state.partnerships.byId.get(open)?.status ?? 'pending';
    throw conflict('PARTNERSHIP.ALREADY_EXISTS', `Organization ${partnerOrganizationId} already has a ${status} partnership with this one (${open})`);
  }
}

/**
 * The organization that becomes the partner on acceptance: the one invited by id (naming
 * another is refused), or for a contact invitation the one the accepting admin names.
 */
function acceptingOrganization(state: OrganizationState, partnership: Partnership, named: unknown): string {
  const invited = partnership.partnerOrganizationId;
  if (invited !== null) {
    if (named !== undefined && validOrganizationId(named) !== invited) {
      throw validation('VALIDATION.ORGANIZATION_ID', `This partnership invites organization ${invited}, not another one`);
    }
    return invited;
  }
  if (named === undefined) {
    throw validation('VALIDATION.ORGANIZATION_ID', 'organizationId must name the organization that becomes the partner (a contact invitation)');
  }
  const organizationId = validOrganizationId(named);
  assertNotItself(state, organizationId);
  return organizationId;
}

/** Only the contact answers a contact invitation, proved by a verified e-mail (a superadmin may answer for anyone). */
function assertIsContact(contact: PartnerContact, context: CommandContext): void {
  if (platformRoleAllowing(context.actor.platformRoles, 'organization.update')) return;
  const { actor } = context;
  if (actor.email !== undefined && actor.emailVerified !== true) {
    throw forbidden('PARTNERSHIP.EMAIL_NOT_VERIFIED', 'A contact invitation is answered only with a verified e-mail: the token must say `email_verified: true`');
  }
  if (verifiedEmail(actor) !== contact.contactEmail) throw forbidden('PARTNERSHIP.NOT_CONTACT', 'Only the contact this partnership invites may answer it');
}

function openPartnershipOf(state: OrganizationState, partnershipId: string): Partnership {
  const partnership = state.partnerships.byId.get(partnershipId);
  if (partnership) return partnership;
  const outcome = state.partnerships.handled.get(partnershipId);
  if (outcome) throw conflict('PARTNERSHIP.CLOSED', `Partnership ${partnershipId} was ${outcome}`);
  throw notFound('PARTNERSHIP.NOT_FOUND', `No partnership ${partnershipId}`);
}

function pendingPartnership(state: OrganizationState, partnershipId: string): Partnership {
  const partnership = openPartnershipOf(state, partnershipId);
  if (partnership.status !== 'pending') throw conflict('PARTNERSHIP.NOT_PENDING', `Partnership ${partnershipId} was already accepted`);
  return partnership;
}

/** The refusal `assert` throws, or undefined when it passes. */
function refusalOf(assert: () => void): unknown {
  try {
    assert();
    return undefined;
  } catch (error) {
    return error;
  }
}

// ---------------------------------------------------------------------------------------
// Invariants and lookups, named so a reader finds them in one guess.

const DAY_MS = 24 * 60 * 60 * 1000;

/** When an invitation made or resent at `now` expires (see isExpired for the boundary). */
const expiryFrom = (now: Date, days: number): string => new Date(now.getTime() + days * DAY_MS).toISOString();
const DEFAULT_APPROVED_ROLE: Role = 'editor';

function event<T extends OrganizationEvent['type']>(type: T, data: EventOfType<T>['data']): OrganizationEvent {
  return { type, data } as OrganizationEvent;
}

const organizationDeleted = () => conflict('ORGANIZATION.DELETED', 'The organization was deleted and accepts no more commands');

/** An unknown organization accepts nothing but its creation; a deleted one accepts nothing at all. */
function assertOrganizationAcceptsCommands(state: OrganizationState): void {
  if (state.status === 'none') throw notFound('ORGANIZATION.NOT_FOUND', 'No such organization');
  if (state.status === 'deleted') throw organizationDeleted();
}

/**
 * Who may act: the platform-role policy (a superadmin may do anything an admin may), then
 * the permission table from the actor's role. A department admin is also refused the actions that need an
 * organization-wide role (departments.ts); which people they manage is judged once the
 * person is known (assertManagesPeopleOf).
 */
function assertMayAct(state: OrganizationState, context: CommandContext, action: Action): void {
  assertMemberMayAct(state.members.get(context.actor.userId), context, action, action);
}

/** The same rule for a member placement known otherwise (the actor's in a partner organization, from its facts); `what` names the act. */
function assertMemberMayAct(member: MemberPlacement | undefined, { actor }: CommandContext, action: Action, what: string): void {
  if (platformRoleAllowing(actor.platformRoles, action)) return;
  const decision = checkPermission(member?.role, action);
  if (!decision.allowed) throw forbidden('PERMISSION.DENIED', `Not allowed to ${what}: ${decision.reason}`);
  if (DEPARTMENT_SCOPES[action] === 'organization') {
    const refusal = departmentRefusal(member?.departmentId ?? null, action);
    if (refusal !== undefined) throw forbidden('PERMISSION.DEPARTMENT', `Not allowed to ${what}: ${refusal}`);
  }
}

/** The actor's department: null when organization-wide (a superadmin acts as an organization-wide admin). */
function actorDepartment(state: OrganizationState, { actor }: CommandContext): string | null {
  // A platform role that manages every organization's members (superadmin) acts organization-wide.
  if (platformRoleAllowing(actor.platformRoles, 'membership.change-role')) return null;
  return state.members.get(actor.userId)?.departmentId ?? null;
}

/**
 * A department admin manages the people of their department only: its members and the
 * invitations into it. Organization-wide people (null) stay with organization-wide admins.
 */
function assertManagesPeopleOf(state: OrganizationState, context: CommandContext, departmentId: string | null, what: string): void {
  const own = actorDepartment(state, context);
  if (own === null || own === departmentId) return;
  const theirs = departmentId === null ? 'organization-wide' : `in department ${departmentId}`;
  throw forbidden('PERMISSION.DEPARTMENT', `Not allowed to ${what}: restricted to department ${own}, and that is ${theirs}`);
}

function assertManagesMember(state: OrganizationState, context: CommandContext, userId: string): void {
  const member = state.members.get(userId);
  if (member) assertManagesPeopleOf(state, context, member.departmentId, `manage member ${userId}`);
}

function assertOrganizationWide(state: OrganizationState, context: CommandContext, what: string): void {
  const own = actorDepartment(state, context);
  if (own !== null) {
    throw forbidden('PERMISSION.DEPARTMENT', `Not allowed to ${what}: restricted to department ${own}, it needs an organization-wide admin`);
  }
}

/**
 * Where an invitation or an approval places the person: the department named (null:
 * organization-wide), else a department admin's own department, else organization-wide.
 */
function placementOf(state: OrganizationState, context: CommandContext, requested: unknown): string | null {
  if (requested === undefined) return actorDepartment(state, context);
  const departmentId = requested === null ? null : validDepartmentId(requested);
  assertManagesPeopleOf(state, context, departmentId, departmentId === null ? 'place someone organization-wide' : `place someone in department ${departmentId}`);
  if (departmentId !== null) department(state, departmentId);
  return departmentId;
}

function department(state: OrganizationState, departmentId: string): Department {
  const found = state.departments.get(departmentId);
  if (!found) throw notFound('DEPARTMENT.NOT_FOUND', `No department ${departmentId}`);
  return found;
}

/**
 * An organization always keeps at least one organization-wide admin: a department admin
 * never keeps it alive alone.
 */
function assertKeepsAnAdmin(state: OrganizationState, userId: string, change: 'demote' | 'remove' | 'leave' | 'restrict'): void {
  const member = state.members.get(userId);
  if (member?.role === 'admin' && member.departmentId === null && state.organizationWideAdminCount <= 1) {
    const what = { demote: 'demote', remove: 'remove', leave: 'leave as', restrict: 'restrict to a department' }[change];
    throw conflict(
      'MEMBERSHIP.LAST_ADMIN',
      `Cannot ${what} the last organization-wide admin: the organization must keep at least one admin not restricted to a department (promote another member to organization-wide admin first)`,
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
  return membershipOf(state, userId).role;
}

function membershipOf(state: OrganizationState, userId: string): Membership {
  const member = state.members.get(userId);
  if (!member) throw notFound('MEMBERSHIP.NOT_FOUND', `User ${userId} is not a member`);
  return member;
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
  if (invitee.kind === 'user') {
    if (invitee.userId !== actor.userId) throw forbidden('INVITATION.NOT_INVITEE', 'Only the invitee may answer this invitation');
    return;
  }
  if (actor.email !== undefined && actor.emailVerified !== true) {
    throw forbidden(
      'INVITATION.EMAIL_NOT_VERIFIED',
      'An e-mail invitation is answered only with a verified e-mail: the token must say `email_verified: true`',
    );
  }
  if (verifiedEmail(actor) !== invitee.email) throw forbidden('INVITATION.NOT_INVITEE', 'Only the invitee may answer this invitation');
}

/** The actor's e-mail, normalized as invitations store it, when the token vouches for it; else undefined. */
function verifiedEmail(actor: Actor): string | undefined {
  return actor.emailVerified === true && actor.email !== undefined ? normalizedEmail(actor.email) : undefined;
}

/** Expiry is judged against the command's time, never the clock. */
function assertNotExpired(invitation: PendingInvitation, { now }: CommandContext): void {
  if (isExpired(invitation, now)) {
    throw conflict('INVITATION.EXPIRED', `Invitation ${invitation.invitationId} expired at ${invitation.expiresAt}`);
  }
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

/** The actor's own pending, unexpired invitation: to their user id first, then to their verified e-mail. */
function openInvitationFor(state: OrganizationState, { actor, now }: CommandContext): PendingInvitation | undefined {
  const email = verifiedEmail(actor);
  const mine = [
    ...pendingInvitationsTo(state, { kind: 'user', userId: actor.userId }),
    ...(email === undefined ? [] : pendingInvitationsTo(state, { kind: 'email', email })),
  ];
  return mine.find((invitation) => !isExpired(invitation, now));
}

/** Given, or following the organization role at that moment, recorded as such. */
function validDefaultDatasetRole(datasetRole: unknown, role: Role): DatasetRole {
  return datasetRole === undefined ? defaultDatasetRoleFor(role) : validDatasetRole(datasetRole);
}
