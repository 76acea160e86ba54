import { defaultDatasetRoleFor, type DatasetRole } from './dataset-roles';
import type { EventOfType, Invitee, MembershipSource, OrganizationEvent, Placement } from './events';
import type { PartnerAccess, PartnerContact } from './partners';
import { PersistentMap } from './persistent-map';
import type { Role } from './roles';

export interface Membership {
  readonly role: Role;
  /** ISO time of the event that made the membership, when the fold knew it. */
  readonly since?: string;
  readonly via: MembershipSource;
  /** null: organization-wide. */
  readonly departmentId: string | null;
  readonly defaultDatasetRole: DatasetRole;
}

export interface PendingInvitation {
  readonly invitationId: string;
  readonly invitee: Invitee;
  readonly role: Role;
  readonly invitedBy: string;
  readonly expiresAt: string;
  /** Where the invitee will be placed on acceptance; null: organization-wide. */
  readonly departmentId: string | null;
  readonly defaultDatasetRole: DatasetRole;
}

export interface Department {
  readonly departmentId: string;
  readonly name: string;
}

/** Who is in a department: what keeps it from being removed. */
export interface DepartmentHeadcount {
  readonly members: number;
  readonly pendingInvitations: number;
}

export interface PendingJoinRequest {
  readonly requestId: string;
  readonly userId: string;
  readonly message?: string;
  readonly requestedAt?: string;
}

/** A pending or active partnership of this organization (the inviting one). */
export interface Partnership {
  readonly partnershipId: string;
  /** null while only a contact is known: set when the contact accepts for an organization. */
  readonly partnerOrganizationId: string | null;
  /** A partner invited by its contact; `contactEmail` is personal data. */
  readonly contact?: PartnerContact;
  readonly access: PartnerAccess;
  readonly status: 'pending' | 'active';
  readonly invitedBy: string;
  /** ISO time of the invitation, and of the acceptance once active, when the fold knew them. */
  readonly invitedAt?: string;
  readonly since?: string;
}

/** withdrawn: an erasure of the contact it invited (PersonErased). */
export type PartnershipOutcome = 'declined' | 'ended' | 'withdrawn';

/**
 * The organization's partnerships (it is the inviting side), with the indexes decide needs
 * to refuse a second one to the same partner or contact without a scan. Only open() and
 * close() below write it.
 */
export interface PartnershipsState {
  /** Pending and active partnerships by id. */
  readonly byId: PersistentMap<Partnership>;
  /** Declined and ended ones by id: told apart (409 not pending) from unknown ones (404). */
  readonly handled: PersistentMap<PartnershipOutcome>;
  /** The id of the pending or active partnership with each partner organization. */
  readonly idByPartner: PersistentMap<string>;
  /** The id of the pending contact invitation by contact e-mail. */
  readonly idByContact: PersistentMap<string>;
}

/**
 * What the last import of an organization recorded, as the source had it: the base that a
 * later import compares the source with (import.ts). Kept by the import's own events only.
 */
export interface ImportSnapshot {
  readonly system: string;
  readonly sourceId: string;
  readonly name: string;
  readonly description: string;
  readonly members: PersistentMap<{ readonly role: Role; readonly departmentId: string | null }>;
  /** Department names by id. */
  readonly departments: PersistentMap<string>;
}

/** `withdrawn`: the person was erased while it was pending. */
export type InvitationOutcome = 'accepted' | 'declined' | 'revoked' | 'replaced' | 'withdrawn';
export type JoinRequestOutcome = 'approved' | 'rejected' | 'cancelled' | 'withdrawn';

/**
 * What decide needs to know about one organization. Handled invitations and requests are
 * remembered by id, so a handled one is told apart (409 not pending) from an unknown one (404).
 */
export interface OrganizationState {
  readonly status: 'none' | 'active' | 'deleted';
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly createdAt?: string;
  readonly members: PersistentMap<Membership>;
  /** Kept alongside `members` so the last-admin rule costs nothing to check. */
  readonly adminCount: number;
  readonly invitations: PersistentMap<PendingInvitation>;
  readonly joinRequests: PersistentMap<PendingJoinRequest>;
  readonly handledInvitations: PersistentMap<InvitationOutcome>;
  readonly handledJoinRequests: PersistentMap<JoinRequestOutcome>;
  /**
   * Ids of the pending invitations by invitee (`inviteeKey`) and of the pending join requests
   * by user, kept by evolve beside `invitations` and `joinRequests` so that decide finds a
   * person's pending invitation or request without a scan. Usually one id per key; a list,
   * so that even an odd history keeps them exact.
   */
  readonly pendingInvitationsByInvitee: PersistentMap<readonly string[]>;
  readonly pendingJoinRequestsByUser: PersistentMap<readonly string[]>;
  readonly departments: PersistentMap<Department>;
  /**
   * Admins who are not restricted to a department: the last-admin rule counts these only (a
   * department admin never keeps an organization alive alone). Kept by withMember/withoutMember.
   */
  readonly organizationWideAdminCount: number;
  /** Members and pending invitations by department id, kept beside them so a removal check costs nothing. */
  readonly headcountByDepartment: PersistentMap<DepartmentHeadcount>;
  /** How many pending invitations each inviter has sent (for the per-inviter cap). */
  readonly pendingInvitationCountByInviter: PersistentMap<number>;
  /** An erasure took its last organization-wide admin, and no superadmin appointed one since. */
  readonly withoutAdmin: boolean;
  readonly partnerships: PartnershipsState;
  /** Set for an organization that `roster import` recorded. */
  readonly imported: ImportSnapshot | undefined;
}

/** The key of an invitee in `pendingInvitationsByInvitee`. */
export function inviteeKey(invitee: Invitee): string {
  return invitee.kind === 'user' ? `user:${invitee.userId}` : `email:${invitee.email}`;
}

export const initialState: OrganizationState = Object.freeze({
  status: 'none',
  id: '',
  name: '',
  description: '',
  createdAt: undefined,
  members: PersistentMap.empty<Membership>(),
  adminCount: 0,
  invitations: PersistentMap.empty<PendingInvitation>(),
  joinRequests: PersistentMap.empty<PendingJoinRequest>(),
  handledInvitations: PersistentMap.empty<InvitationOutcome>(),
  handledJoinRequests: PersistentMap.empty<JoinRequestOutcome>(),
  pendingInvitationsByInvitee: PersistentMap.empty<readonly string[]>(),
  pendingJoinRequestsByUser: PersistentMap.empty<readonly string[]>(),
  departments: PersistentMap.empty<Department>(),
  organizationWideAdminCount: 0,
  headcountByDepartment: PersistentMap.empty<DepartmentHeadcount>(),
  pendingInvitationCountByInviter: PersistentMap.empty<number>(),
  withoutAdmin: false,
  partnerships: Object.freeze({
    byId: PersistentMap.empty<Partnership>(),
    handled: PersistentMap.empty<PartnershipOutcome>(),
    idByPartner: PersistentMap.empty<string>(),
    idByContact: PersistentMap.empty<string>(),
  }),
  imported: undefined,
});

export interface EvolveMeta {
  /** The event's time as readRecordedEvent reads it (occurredAt, else recordedAt); dates memberships and requests. */
  readonly occurredAt?: string;
  /** The command that recorded the event (metadata.command): an import's changes also move its snapshot. */
  readonly command?: string | null;
}

/** The command name `roster import` records its events under. */
export const IMPORT_COMMAND = 'ImportOrganization';

// Every state is built here with the same fields in the same order: one object shape keeps
// V8 on its fast paths when folding long histories.
function next(state: OrganizationState, changes: Partial<OrganizationState>): OrganizationState {
  return {
    status: changes.status !== undefined ? changes.status : state.status,
    id: changes.id !== undefined ? changes.id : state.id,
    name: changes.name !== undefined ? changes.name : state.name,
    description: changes.description !== undefined ? changes.description : state.description,
    createdAt: changes.createdAt !== undefined ? changes.createdAt : state.createdAt,
    members: changes.members !== undefined ? changes.members : state.members,
    adminCount: changes.adminCount !== undefined ? changes.adminCount : state.adminCount,
    invitations: changes.invitations !== undefined ? changes.invitations : state.invitations,
    joinRequests: changes.joinRequests !== undefined ? changes.joinRequests : state.joinRequests,
    handledInvitations: changes.handledInvitations !== undefined ? changes.handledInvitations : state.handledInvitations,
    handledJoinRequests: changes.handledJoinRequests !== undefined ? changes.handledJoinRequests : state.handledJoinRequests,
    pendingInvitationsByInvitee:
      changes.pendingInvitationsByInvitee !== undefined ? changes.pendingInvitationsByInvitee : state.pendingInvitationsByInvitee,
    pendingJoinRequestsByUser: changes.pendingJoinRequestsByUser !== undefined ? changes.pendingJoinRequestsByUser : state.pendingJoinRequestsByUser,
    departments: changes.departments !== undefined ? changes.departments : state.departments,
    organizationWideAdminCount:
      changes.organizationWideAdminCount !== undefined ? changes.organizationWideAdminCount : state.organizationWideAdminCount,
    headcountByDepartment: changes.headcountByDepartment !== undefined ? changes.headcountByDepartment : state.headcountByDepartment,
    pendingInvitationCountByInviter:
      changes.pendingInvitationCountByInviter !== undefined ? changes.pendingInvitationCountByInviter : state.pendingInvitationCountByInviter,
    withoutAdmin: changes.withoutAdmin !== undefined ? changes.withoutAdmin : state.withoutAdmin,
    partnerships: changes.partnerships !== undefined ? changes.partnerships : state.partnerships,
    imported: changes.imported !== undefined ? changes.imported : state.imported,
  };
}

function withId(index: PersistentMap<readonly string[]>, key: string, id: string): PersistentMap<readonly string[]> {
  const ids = index.get(key);
  return ids?.includes(id) ? index : index.set(key, ids ? [...ids, id] : [id]);
}

function withoutId(index: PersistentMap<readonly string[]>, key: string, id: string): PersistentMap<readonly string[]> {
  const ids = index.get(key);
  if (!ids?.includes(id)) return index;
  return ids.length === 1 ? index.delete(key) : index.set(key, ids.filter((other) => other !== id));
}

const isOrganizationWideAdmin = (membership: Membership | undefined) => membership?.role === 'admin' && membership.departmentId === null;

/** Adds `delta` members or pending invitations to a department's headcount (none: organization-wide). */
function counted(
  headcounts: PersistentMap<DepartmentHeadcount>,
  departmentId: string | null | undefined,
  field: keyof DepartmentHeadcount,
  delta: number,
): PersistentMap<DepartmentHeadcount> {
  if (departmentId === null || departmentId === undefined || delta === 0) return headcounts;
  const before = headcounts.get(departmentId) ?? { members: 0, pendingInvitations: 0 };
  const after = { ...before, [field]: before[field] + delta };
  return after.members === 0 && after.pendingInvitations === 0 ? headcounts.delete(departmentId) : headcounts.set(departmentId, after);
}

// Members are only ever written through these two, which keep adminCount,
// organizationWideAdminCount and the departments' headcounts right.

function countedBy(counts: PersistentMap<number>, key: string, delta: number): PersistentMap<number> {
  const count = (counts.get(key) ?? 0) + delta;
  return count > 0 ? counts.set(key, count) : counts.delete(key);
}
function withMember(state: OrganizationState, userId: string, membership: Membership): OrganizationState {
  const before = state.members.get(userId);
  const adminCount =
    state.adminCount - (before?.role === 'admin' ? 1 : 0) + (membership.role === 'admin' ? 1 : 0);
  const organizationWideAdminCount =
    state.organizationWideAdminCount - (isOrganizationWideAdmin(before) ? 1 : 0) + (isOrganizationWideAdmin(membership) ? 1 : 0);
  const headcountByDepartment = counted(counted(state.headcountByDepartment, before?.departmentId, 'members', -1), membership.departmentId, 'members', 1);
  return next(state, { members: state.members.set(userId, membership), adminCount, organizationWideAdminCount, headcountByDepartment });
}

function withoutMember(state: OrganizationState, userId: string): OrganizationState {
  const before = state.members.get(userId);
  if (!before) return state;
  return next(state, {
    members: state.members.delete(userId),
    adminCount: state.adminCount - (before.role === 'admin' ? 1 : 0),
    organizationWideAdminCount: state.organizationWideAdminCount - (isOrganizationWideAdmin(before) ? 1 : 0),
    headcountByDepartment: counted(state.headcountByDepartment, before.departmentId, 'members', -1),
  });
}

// Pending invitations and join requests are only ever written through these four, which
// keep the by-invitee and by-user indexes (and the count by inviter) right.
function openInvitation(state: OrganizationState, invitation: PendingInvitation): OrganizationState {
  const { invitationId } = invitation;
  const before = state.invitations.get(invitationId);
  const index = before ? withoutId(state.pendingInvitationsByInvitee, inviteeKey(before.invitee), invitationId) : state.pendingInvitationsByInvitee;
  const headcounts = counted(state.headcountByDepartment, before?.departmentId, 'pendingInvitations', -1);
  const counts = before ? countedBy(state.pendingInvitationCountByInviter, before.invitedBy, -1) : state.pendingInvitationCountByInviter;
  return next(state, {
    invitations: state.invitations.set(invitationId, invitation),
    pendingInvitationsByInvitee: withId(index, inviteeKey(invitation.invitee), invitationId),
    headcountByDepartment: counted(headcounts, invitation.departmentId, 'pendingInvitations', 1),
    pendingInvitationCountByInviter: countedBy(counts, invitation.invitedBy, 1),
  });
}

function closeInvitation(state: OrganizationState, invitationId: string, outcome: InvitationOutcome): OrganizationState {
  const before = state.invitations.get(invitationId);
  return next(state, {
    invitations: state.invitations.delete(invitationId),
    handledInvitations: state.handledInvitations.set(invitationId, outcome),
    pendingInvitationsByInvitee: before
      ? withoutId(state.pendingInvitationsByInvitee, inviteeKey(before.invitee), invitationId)
      : state.pendingInvitationsByInvitee,
    headcountByDepartment: counted(state.headcountByDepartment, before?.departmentId, 'pendingInvitations', -1),
    pendingInvitationCountByInviter: before
      ? countedBy(state.pendingInvitationCountByInviter, before.invitedBy, -1)
      : state.pendingInvitationCountByInviter,
  });
}

function openJoinRequest(state: OrganizationState, request: PendingJoinRequest): OrganizationState {
  const { requestId } = request;
  const before = state.joinRequests.get(requestId);
  const index = before ? withoutId(state.pendingJoinRequestsByUser, before.userId, requestId) : state.pendingJoinRequestsByUser;
  return next(state, {
    joinRequests: state.joinRequests.set(requestId, request),
    pendingJoinRequestsByUser: withId(index, request.userId, requestId),
  });
}

function closeJoinRequest(state: OrganizationState, requestId: string, outcome: JoinRequestOutcome): OrganizationState {
  const before = state.joinRequests.get(requestId);
  return next(state, {
    joinRequests: state.joinRequests.delete(requestId),
    handledJoinRequests: state.handledJoinRequests.set(requestId, outcome),
    pendingJoinRequestsByUser: before ? withoutId(state.pendingJoinRequestsByUser, before.userId, requestId) : state.pendingJoinRequestsByUser,
  });
}

// Partnerships are only ever written through these two, which keep the indexes by partner
// and by contact right (a contact invitation leaves the contact index once accepted).
function openPartnership(state: OrganizationState, partnership: Partnership): OrganizationState {
  const { partnershipId } = partnership;
  const { byId, handled, idByPartner, idByContact } = state.partnerships;
  const before = byId.get(partnershipId);
  let byPartner = before?.partnerOrganizationId ? withoutKeyFor(idByPartner, before.partnerOrganizationId, partnershipId) : idByPartner;
  let byContact = contactKey(before) !== undefined ? withoutKeyFor(idByContact, contactKey(before)!, partnershipId) : idByContact;
  if (partnership.partnerOrganizationId !== null) byPartner = byPartner.set(partnership.partnerOrganizationId, partnershipId);
  else if (contactKey(partnership) !== undefined) byContact = byContact.set(contactKey(partnership)!, partnershipId);
  return next(state, { partnerships: { byId: byId.set(partnershipId, partnership), handled, idByPartner: byPartner, idByContact: byContact } });
}

function closePartnership(state: OrganizationState, partnershipId: string, outcome: PartnershipOutcome): OrganizationState {
  const { byId, handled, idByPartner, idByContact } = state.partnerships;
  const before = byId.get(partnershipId);
  return next(state, {
    partnerships: {
      byId: byId.delete(partnershipId),
      handled: handled.set(partnershipId, outcome),
      idByPartner: before?.partnerOrganizationId ? withoutKeyFor(idByPartner, before.partnerOrganizationId, partnershipId) : idByPartner,
      idByContact: contactKey(before) !== undefined ? withoutKeyFor(idByContact, contactKey(before)!, partnershipId) : idByContact,
    },
  });
}

/** A contact's e-mail as an index key; none once erased (personal-data.ts: it reads as ERASED, not text). */
function contactKey(partnership: Partnership | undefined): string | undefined {
  const address: unknown = partnership?.contact?.contactEmail;
  return typeof address === 'string' ? address : undefined;
}

/** Removes `key` only when it still points at `id` (an odd history may have pointed it elsewhere since). */
function withoutKeyFor(index: PersistentMap<string>, key: string, id: string): PersistentMap<string> {
  return index.get(key) === id ? index.delete(key) : index;
}

/**
 * Folds one recorded event into the state. Pure (the input is never changed) and total:
 * it never throws on a recorded event, even an odd or out-of-order one, because business
 * rules live only in decide.
 */
export function evolve(state: OrganizationState, event: OrganizationEvent, meta?: EvolveMeta): OrganizationState {
  const evolved = evolveMembership(state, event, meta?.occurredAt);
  // A MemberImported is an import's event whoever folds it; the ordinary events only under the import's command.
  return meta?.command === IMPORT_COMMAND || event.type === 'MemberImported' ? withImportSnapshot(evolved, event) : evolved;
}

function evolveMembership(state: OrganizationState, event: OrganizationEvent, at: string | undefined): OrganizationState {
  switch (event.type) {
    case 'OrganizationCreated': {
      const { organizationId, name, description, createdBy } = event.data;
      const created: OrganizationState = next(state, {
        status: state.status === 'deleted' ? 'deleted' : 'active',
        id: organizationId,
        name,
        description: description ?? '',
        createdAt: at ?? state.createdAt,
      });
      const defaultDatasetRole = event.data.creatorDefaultDatasetRole ?? defaultDatasetRoleFor('admin');
      return withMember(created, createdBy, { role: 'admin', since: at, via: 'creation', departmentId: null, defaultDatasetRole });
    }
    case 'OrganizationProfileUpdated': {
      const { name, description } = event.data;
      return next(state, {
        name: name ?? state.name,
        description: description ?? state.description,
      });
    }
    case 'MemberInvited':
      return invited(state, event);
    case 'InvitationAccepted': {
      const { invitationId, userId, role } = event.data;
      const membership: Membership = { role, since: at, via: 'invitation', ...recordedPlacement(event.data, role) };
      return withMember(closeInvitation(state, invitationId, 'accepted'), userId, membership);
    }
    case 'InvitationDeclined':
      return closeInvitation(state, event.data.invitationId, 'declined');
    case 'InvitationRevoked':
      return closeInvitation(state, event.data.invitationId, 'revoked');
    case 'InvitationResent': {
      const before = state.invitations.get(event.data.invitationId);
      // Only a pending invitation is resent; anything else changes nothing.
      return before ? openInvitation(state, { ...before, expiresAt: event.data.expiresAt }) : state;
    }
    case 'JoinRequested': {
      const { requestId, userId, message } = event.data;
      const request: PendingJoinRequest = { requestId, userId, ...(message !== undefined ? { message } : {}), requestedAt: at };
      return openJoinRequest(state, request);
    }
    case 'JoinRequestCancelled':
      return closeJoinRequest(state, event.data.requestId, 'cancelled');
    case 'JoinApproved': {
      const { requestId, userId, role } = event.data;
      const membership: Membership = { role, since: at, via: 'join-request', ...recordedPlacement(event.data, role) };
      return withMember(closeJoinRequest(state, requestId, 'approved'), userId, membership);
    }
    case 'JoinRejected':
      return closeJoinRequest(state, event.data.requestId, 'rejected');
    case 'MemberRoleChanged': {
      const { userId, to } = event.data;
      const member = state.members.get(userId);
      // A role change for someone the fold does not know as a member changes nothing.
      return member ? withMember(state, userId, { ...member, role: to }) : state;
    }
    case 'MemberRemoved':
    case 'MemberLeft':
      return withoutMember(state, event.data.userId);
    case 'OrganizationDeleted':
      return next(state, { status: 'deleted' });
    case 'DepartmentAdded':
    case 'DepartmentRenamed': {
      const { departmentId } = event.data;
      const name = event.type === 'DepartmentAdded' ? event.data.name : event.data.to;
      return next(state, { departments: state.departments.set(departmentId, { departmentId, name }) });
    }
    case 'DepartmentRemoved':
      return next(state, { departments: state.departments.delete(event.data.departmentId) });
    case 'MemberDepartmentChanged': {
      const { userId, to } = event.data;
      const member = state.members.get(userId);
      return member ? withMember(state, userId, { ...member, departmentId: to ?? null }) : state;
    }
    case 'DefaultDatasetRoleChanged': {
      const { userId, to } = event.data;
      const member = state.members.get(userId);
      return member ? withMember(state, userId, { ...member, defaultDatasetRole: to }) : state;
    }
    case 'PersonErased': {
      const { userId, invitationIds, requestIds, partnershipIds = [] } = event.data;
      const withdrawn = invitationIds.reduce((folded, invitationId) => closeInvitation(folded, invitationId, 'withdrawn'), state);
      const requestsClosed = requestIds.reduce((folded, requestId) => closeJoinRequest(folded, requestId, 'withdrawn'), withdrawn);
      const closed = partnershipIds.reduce((folded, partnershipId) => closePartnership(folded, partnershipId, 'withdrawn'), requestsClosed);
      return withoutMember(closed, userId);
    }
    case 'OrganizationLeftWithoutAdmin':
      return next(state, { withoutAdmin: true });
    case 'OrganizationAdminRestored':
      return next(state, { withoutAdmin: false });
    case 'PartnerInvited': {
      const { partnershipId, partnerOrganizationId, contact, access, invitedBy } = event.data;
      const partnership: Partnership = {
        partnershipId,
        partnerOrganizationId: partnerOrganizationId ?? null,
        ...(contact !== undefined ? { contact } : {}),
        access,
        status: 'pending',
        invitedBy,
        invitedAt: at,
      };
      return openPartnership(state, partnership);
    }
    case 'PartnershipAccepted': {
      const { partnershipId, partnerOrganizationId, access } = event.data;
      const before = state.partnerships.byId.get(partnershipId);
      if (!before) return state;
      return openPartnership(state, { ...before, partnerOrganizationId, access, status: 'active', since: at });
    }
    case 'PartnerAccessChanged': {
      const before = state.partnerships.byId.get(event.data.partnershipId);
      return before ? openPartnership(state, { ...before, access: event.data.to }) : state;
    }
    case 'PartnershipDeclined':
      return closePartnership(state, event.data.partnershipId, 'declined');
    case 'PartnershipEnded':
      return closePartnership(state, event.data.partnershipId, 'ended');
    case 'OrganizationImported': {
      const { organizationId, name, description, source } = event.data;
      return next(state, {
        status: state.status === 'deleted' ? 'deleted' : 'active',
        id: organizationId,
        name,
        description,
        createdAt: at ?? state.createdAt,
        imported: {
          system: source.system,
          sourceId: source.id,
          name,
          description,
          members: PersistentMap.empty(),
          departments: PersistentMap.empty(),
        },
      });
    }
    case 'MemberImported': {
      const { userId, role, source } = event.data;
      // The source's membership date when it has one: as-of and the member list date it so.
      const membership: Membership = { role, since: source.since ?? at, via: 'import', ...recordedPlacement(event.data, role) };
      return withMember(state, userId, membership);
    }
    default: {
      // An event type this version does not know (written by a newer one) is skipped.
      const unknown: never = event;
      void unknown;
      return state;
    }
  }
}

function invited(state: OrganizationState, event: EventOfType<'MemberInvited'>): OrganizationState {
  const { invitationId, invitee, role, invitedBy, expiresAt, replacesInvitationId } = event.data;
  const base =
    replacesInvitationId !== undefined && replacesInvitationId !== invitationId
      ? closeInvitation(state, replacesInvitationId, 'replaced')
      : state;
  const invitation: PendingInvitation = { invitationId, invitee, role, invitedBy, expiresAt, ...recordedPlacement(event.data, role) };
  return openInvitation(base, invitation);
}

/**
 * The placement an event records; version-1 events given without upcast read with the same
 * defaults as upcast gives them. Shared with the projections, so both read it alike.
 */
export function recordedPlacement(data: Placement, role: Role): { departmentId: string | null; defaultDatasetRole: DatasetRole } {
  return { departmentId: data.departmentId ?? null, defaultDatasetRole: data.defaultDatasetRole ?? defaultDatasetRoleFor(role) };
}


/** What an import's event tells of the source: the snapshot the next import compares with. */
function withImportSnapshot(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  const snapshot = state.imported;
  if (snapshot === undefined) return state;
  const members = snapshot.members;
  let changes: Partial<ImportSnapshot> | undefined;
  switch (event.type) {
    case 'OrganizationProfileUpdated':
      changes = { name: event.data.name ?? snapshot.name, description: event.data.description ?? snapshot.description };
      break;
    case 'DepartmentAdded':
      changes = { departments: snapshot.departments.set(event.data.departmentId, event.data.name) };
      break;
    case 'DepartmentRenamed':
      changes = { departments: snapshot.departments.set(event.data.departmentId, event.data.to) };
      break;
    case 'MemberImported':
      changes = { members: members.set(event.data.userId, { role: event.data.role, departmentId: event.data.departmentId ?? null }) };
      break;
    case 'MemberRoleChanged': {
      const before = members.get(event.data.userId);
      if (before) changes = { members: members.set(event.data.userId, { ...before, role: event.data.to }) };
      break;
    }
    case 'MemberDepartmentChanged': {
      const before = members.get(event.data.userId);
      if (before) changes = { members: members.set(event.data.userId, { ...before, departmentId: event.data.to ?? null }) };
      break;
    }
    case 'MemberRemoved':
      changes = { members: members.delete(event.data.userId) };
      break;
    default:
      break;
  }
  return changes === undefined ? state : next(state, { imported: { ...snapshot, ...changes } });
}
