import { actionsOf, PERMISSION_TABLE, type Action } from '@roster/domain/permissions';
import type { DatasetRole } from '@roster/domain/dataset-roles';
import type { ImportSystem, Invitee, OrganizationEvent } from '@roster/domain/events';
import type { ErasedValue } from '@roster/domain/personal-data';
import { recordedPlacement } from '@roster/domain/organization.state';
import { partnerActionsByRole, type PartnerAccess, type PartnershipSide } from '@roster/domain/partners';
import type { Role } from '@roster/domain/roles';

/**
 * The public, versioned contract published on Kafka: the only place where private domain
 * events become integration events. Domain events may change shape (and be upcast); these
 * types may not: a breaking change adds a `.v2` type and keeps publishing `.v1` for a while.
 * Every type is described with its JSON Schema in asyncapi.json (repository root).
 */
export const PUBLIC_EVENT_TYPES = {
  organizationCreated: 'org.roster.organization.created.v1',
  organizationUpdated: 'org.roster.organization.updated.v1',
  organizationDeleted: 'org.roster.organization.deleted.v1',
  memberInvited: 'org.roster.member.invited.v1',
  invitationAccepted: 'org.roster.invitation.accepted.v1',
  invitationDeclined: 'org.roster.invitation.declined.v1',
  invitationRevoked: 'org.roster.invitation.revoked.v1',
  invitationResent: 'org.roster.invitation.resent.v1',
  joinRequestSubmitted: 'org.roster.join-request.submitted.v1',
  joinRequestCancelled: 'org.roster.join-request.cancelled.v1',
  joinRequestApproved: 'org.roster.join-request.approved.v1',
  joinRequestRejected: 'org.roster.join-request.rejected.v1',
  memberJoined: 'org.roster.member.joined.v1',
  memberRoleChanged: 'org.roster.member.role-changed.v1',
  memberRemoved: 'org.roster.member.removed.v1',
  memberLeft: 'org.roster.member.left.v1',
  memberDepartmentChanged: 'org.roster.member.department-changed.v1',
  memberDefaultDatasetRoleChanged: 'org.roster.member.default-dataset-role-changed.v1',
  departmentAdded: 'org.roster.department.added.v1',
  departmentRenamed: 'org.roster.department.renamed.v1',
  departmentRemoved: 'org.roster.department.removed.v1',
  personErased: 'org.roster.person.erased.v1',
  organizationAdminNeeded: 'org.roster.organization.admin-needed.v1',
  organizationAdminRestored: 'org.roster.organization.admin-restored.v1',
  partnershipInvited: 'org.roster.partnership.invited.v1',
  partnershipAccepted: 'org.roster.partnership.accepted.v1',
  partnershipDeclined: 'org.roster.partnership.declined.v1',
  partnershipAccessChanged: 'org.roster.partnership.access-changed.v1',
  partnershipEnded: 'org.roster.partnership.ended.v1',
} as const;

export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[keyof typeof PUBLIC_EVENT_TYPES];

/** An organization action a role grants by default (the DESIGN.md permission table). */
export type Capability = Action;

/**
 * Where a membership (or an invitation) is placed: its department (null: organization-wide)
 * and its default dataset role. Added to the member events in contract 1.1.0 as optional
 * fields; always sent since then, while events published before lack them (read
 * those as organization-wide, with the role's default: member reader, editor contributor,
 * admin manager).
 */
export interface PublicPlacement {
  departmentId?: string | null;
  defaultDatasetRole?: DatasetRole;
}

/**
 * A personal field published after its owner was erased reads `{"erased": true}` (contract
 * 1.3.0): the publisher reads the log through the personal-data vault, like every reader.
 */
export type Personal<T> = T | ErasedValue;

export type PublicInvitee = { kind: 'user'; userId: string } | { kind: 'email'; email: Personal<string> };

export interface OrganizationCreatedV1 {
  organizationId: string;
  name: string;
  description: string;
  createdBy: string;
  /** Since 1.2.0, for an organization `roster import` recorded: its members follow as member.joined `via: import`. */
  importedFrom?: { system: ImportSystem; id: string; createdAt?: string };
}
export interface OrganizationUpdatedV1 {
  organizationId: string;
  /** Only the fields that changed. */
  name?: string;
  description?: string;
}
/** Consumers revoke every access they granted in this organization. */
export interface OrganizationDeletedV1 {
  organizationId: string;
  deletedBy: string;
}
/** For the mailer: whom to tell (a user id or an e-mail address), with which role, until when. */
export interface MemberInvitedV1 extends PublicPlacement {
  organizationId: string;
  invitationId: string;
  invitee: PublicInvitee;
  role: Role;
  capabilities: Capability[];
  invitedBy: string;
  expiresAt: string;
  replacesInvitationId?: string;
}
export interface InvitationAcceptedV1 extends PublicPlacement {
  organizationId: string;
  invitationId: string;
  userId: string;
  role: Role;
}
export interface InvitationDeclinedV1 {
  organizationId: string;
  invitationId: string;
  userId: string;
}
export interface InvitationRevokedV1 {
  organizationId: string;
  invitationId: string;
  revokedBy: string;
}
/**
 * For the mailer: send invitation `invitationId` again (whom to tell, and the role, are those
 * of its member.invited); it now expires at `expiresAt`. Since contract 1.4.0.
 */
export interface InvitationResentV1 {
  organizationId: string;
  invitationId: string;
  expiresAt: string;
  resentBy: string;
}
/**
 * For the mailer: a pending request the organization's reviewers should see. Reviewers are
 * the members holding `reviewerRole`, the role the permission table asks for
 * `membership.approve` (its admins: the members query `?role=admin` or the member.* events
 * give their ids).
 */
export interface JoinRequestSubmittedV1 {
  organizationId: string;
  requestId: string;
  userId: string;
  message?: Personal<string>;
  reviewerRole: typeof REVIEWER_ROLE;
}
export interface JoinRequestCancelledV1 {
  organizationId: string;
  requestId: string;
  userId: string;
}
export interface JoinRequestApprovedV1 extends PublicPlacement {
  organizationId: string;
  requestId: string;
  userId: string;
  role: Role;
  approvedBy: string;
}
export interface JoinRequestRejectedV1 {
  organizationId: string;
  requestId: string;
  userId: string;
  rejectedBy: string;
  reason?: Personal<string>;
}
/**
 * A membership begins, however it came to be (creation, accepted invitation, approved
 * request): the one event a dataset service needs to grant access.
 */
export interface MemberJoinedV1 extends PublicPlacement {
  organizationId: string;
  userId: string;
  role: Role;
  capabilities: Capability[];
  via: 'creation' | 'invitation' | 'join-request' | 'import';
  invitationId?: string;
  requestId?: string;
}
/** `capabilities` is the full set after the change; granted/revoked are the differences. */
export interface MemberRoleChangedV1 {
  organizationId: string;
  userId: string;
  from: Role;
  to: Role;
  capabilities: Capability[];
  capabilitiesGranted: Capability[];
  capabilitiesRevoked: Capability[];
  changedBy: string;
  /** Since contract 1.4.0: why, as the admin wrote it; absent when none was given. */
  reason?: string;
}
/** A membership ends: every capability of the role is revoked. */
export interface MemberRemovedV1 {
  organizationId: string;
  userId: string;
  role: Role;
  capabilitiesRevoked: Capability[];
  removedBy: string;
  /** Since contract 1.4.0: why, as the admin wrote it; absent when none was given. */
  reason?: string;
}
export interface MemberLeftV1 {
  organizationId: string;
  userId: string;
  role: Role;
  capabilitiesRevoked: Capability[];
}
/** A member moved: `departmentId` is where they are now (null: organization-wide). */
export interface MemberDepartmentChangedV1 {
  organizationId: string;
  userId: string;
  departmentId: string | null;
  previousDepartmentId: string | null;
  changedBy: string;
}
/** How the member is now added to the organization's new datasets (`none`: not added). */
export interface MemberDefaultDatasetRoleChangedV1 {
  organizationId: string;
  userId: string;
  defaultDatasetRole: DatasetRole;
  previousDefaultDatasetRole: DatasetRole;
  changedBy: string;
}
export interface DepartmentAddedV1 {
  organizationId: string;
  departmentId: string;
  name: string;
  addedBy: string;
}
/** The id stays: only the name changes. */
export interface DepartmentRenamedV1 {
  organizationId: string;
  departmentId: string;
  name: string;
  previousName: string;
  renamedBy: string;
}
/** Only an empty department is removed: no member or pending invitation is in it. */
export interface DepartmentRemovedV1 {
  organizationId: string;
  departmentId: string;
  removedBy: string;
}

/**
 * RGPD article 17: the person was erased. Consumers erase what they hold about `userId`
 * (copies of e-mail addresses, messages, reasons) and revoke `capabilitiesRevoked` when a
 * membership ended. Ids only; events published after it carry no plaintext of the person.
 */
export interface PersonErasedV1 {
  organizationId: string;
  userId: string;
  /** The membership's role when one ended; absent when the person was not a member. */
  role?: Role;
  capabilitiesRevoked: Capability[];
  invitationIds: string[];
  requestIds: string[];
  /** Pending partnership invitations to them as a partner's contact, withdrawn (nothing was granted). */
  partnershipIds: string[];
  erasedBy: string;
}
/** An erasure took the organization's last organization-wide admin; a superadmin appoints one. */
export interface OrganizationAdminNeededV1 {
  organizationId: string;
}
export interface OrganizationAdminRestoredV1 {
  organizationId: string;
}
/**
 * Partnerships (contract 1.3.0), keyed by the inviting organization (organizationId), whose
 * shared resources the partner organization's members may use. From the topic alone: a
 * partnership grants from partnership.accepted until partnership.ended, with the access of
 * the latest of accepted and access-changed, while neither organization is deleted
 * (organization.deleted of either); what each member of the partner may do follows their
 * role there (member.* events keyed by the partner) through `capabilitiesByPartnerRole`.
 */
export interface PartnerCapabilities {
  member: Capability[];
  editor: Capability[];
  admin: Capability[];
}
/** For the mailer: a partner invited by id (its admins) or by its contact (an e-mail address). */
export interface PartnershipInvitedV1 {
  organizationId: string;
  partnershipId: string;
  /** Exactly one of partnerOrganizationId and contact. */
  partnerOrganizationId?: string;
  contact?: { name: string; contactEmail: string };
  access: PartnerAccess;
  invitedBy: string;
}
/** The partnership grants from now: the partner's members get `capabilitiesByPartnerRole[their role in the partner]`. */
export interface PartnershipAcceptedV1 {
  organizationId: string;
  partnershipId: string;
  partnerOrganizationId: string;
  access: PartnerAccess;
  capabilitiesByPartnerRole: PartnerCapabilities;
  acceptedBy: string;
  /** The accepting user's role in the partner when accepted; null: a superadmin who is not a member. */
  acceptedByRole: Role | null;
}
export interface PartnershipDeclinedV1 {
  organizationId: string;
  partnershipId: string;
  /** null: a partner invited by its contact, declined by them. */
  partnerOrganizationId: string | null;
  declinedBy: string;
}
/** The access now (of a pending or active partnership); an active one grants the new capabilities at once. */
export interface PartnershipAccessChangedV1 {
  organizationId: string;
  partnershipId: string;
  partnerOrganizationId: string | null;
  access: PartnerAccess;
  previousAccess: PartnerAccess;
  capabilitiesByPartnerRole: PartnerCapabilities;
  changedBy: string;
}
/** Consumers revoke what the partnership granted; a pending one ended was withdrawn. */
export interface PartnershipEndedV1 {
  organizationId: string;
  partnershipId: string;
  partnerOrganizationId: string | null;
  endedBy: string;
  /** Whose admin ended it: the inviting organization's or the partner's. */
  side: PartnershipSide;
}

export type PublicEvent =
  | { type: typeof PUBLIC_EVENT_TYPES.organizationCreated; data: OrganizationCreatedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.organizationUpdated; data: OrganizationUpdatedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.organizationDeleted; data: OrganizationDeletedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.memberInvited; data: MemberInvitedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.invitationAccepted; data: InvitationAcceptedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.invitationDeclined; data: InvitationDeclinedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.invitationRevoked; data: InvitationRevokedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.invitationResent; data: InvitationResentV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.joinRequestSubmitted; data: JoinRequestSubmittedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.joinRequestCancelled; data: JoinRequestCancelledV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.joinRequestApproved; data: JoinRequestApprovedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.joinRequestRejected; data: JoinRequestRejectedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.memberJoined; data: MemberJoinedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.memberRoleChanged; data: MemberRoleChangedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.memberRemoved; data: MemberRemovedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.memberLeft; data: MemberLeftV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.memberDepartmentChanged; data: MemberDepartmentChangedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.memberDefaultDatasetRoleChanged; data: MemberDefaultDatasetRoleChangedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.departmentAdded; data: DepartmentAddedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.departmentRenamed; data: DepartmentRenamedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.departmentRemoved; data: DepartmentRemovedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.personErased; data: PersonErasedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.organizationAdminNeeded; data: OrganizationAdminNeededV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.organizationAdminRestored; data: OrganizationAdminRestoredV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.partnershipInvited; data: PartnershipInvitedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.partnershipAccepted; data: PartnershipAcceptedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.partnershipDeclined; data: PartnershipDeclinedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.partnershipAccessChanged; data: PartnershipAccessChangedV1 }
  | { type: typeof PUBLIC_EVENT_TYPES.partnershipEnded; data: PartnershipEndedV1 };

/**
 * A public event derived from a domain event. `idSuffix` is empty for the event's primary
 * public event (CloudEvents id = the domain event id) and set for a second event derived
 * from the same fact (member.joined after a creation, an accepted invitation or an approved
 * request), so its id stays deterministic and consumers can still deduplicate by id.
 */
export type MappedPublicEvent = PublicEvent & { idSuffix: string };

const JOINED_SUFFIX = ':member-joined';

/** One public event of `type`, the fact's primary one unless `idSuffix` is given. */
function published<T extends PublicEventType>(type: T, data: Extract<PublicEvent, { type: T }>['data'], idSuffix = ''): MappedPublicEvent {
  return { idSuffix, type, data } as MappedPublicEvent;
}

const capabilities = (role: Role): Capability[] => [...actionsOf(role)];

/** Who reviews join requests: whoever may approve them, by the permission table. */
const REVIEWER_ROLE = PERMISSION_TABLE['membership.approve'];

const invitee = (value: Invitee): PublicInvitee =>
  value.kind === 'user' ? { kind: 'user', userId: value.userId } : { kind: 'email', email: value.email };

/** Copies only the keys that are defined, so optional fields are absent rather than null. */
function withOptional<T extends object, K extends string, V>(target: T, key: K, value: V | undefined): T {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
}

/**
 * Maps one domain event to its public events, in the order they must be published.
 * Exhaustive: adding a domain event type without a mapping does not compile.
 */
export function toPublicEvents(event: OrganizationEvent): MappedPublicEvent[] {
  switch (event.type) {
    case 'OrganizationCreated': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.organizationCreated, {
          organizationId: d.organizationId,
          name: d.name,
          description: d.description,
          createdBy: d.createdBy,
        }),
        published(PUBLIC_EVENT_TYPES.memberJoined, {
          organizationId: d.organizationId,
          userId: d.createdBy,
          role: 'admin',
          capabilities: capabilities('admin'),
          via: 'creation',
          ...recordedPlacement({ departmentId: null, defaultDatasetRole: d.creatorDefaultDatasetRole }, 'admin'),
        }, JOINED_SUFFIX),
      ];
    }
    case 'OrganizationProfileUpdated': {
      const d = event.data;
      const data: OrganizationUpdatedV1 = { organizationId: d.organizationId };
      withOptional(data, 'name', d.name);
      withOptional(data, 'description', d.description);
      return [published(PUBLIC_EVENT_TYPES.organizationUpdated, data)];
    }
    case 'OrganizationDeleted':
      return [published(PUBLIC_EVENT_TYPES.organizationDeleted, { organizationId: event.data.organizationId, deletedBy: event.data.deletedBy })];
    case 'MemberInvited': {
      const d = event.data;
      const data: MemberInvitedV1 = {
        organizationId: d.organizationId,
        invitationId: d.invitationId,
        invitee: invitee(d.invitee),
        role: d.role,
        capabilities: capabilities(d.role),
        invitedBy: d.invitedBy,
        expiresAt: d.expiresAt,
        ...recordedPlacement(d, d.role),
      };
      withOptional(data, 'replacesInvitationId', d.replacesInvitationId);
      return [published(PUBLIC_EVENT_TYPES.memberInvited, data)];
    }
    case 'InvitationAccepted': {
      const d = event.data;
      const placement = recordedPlacement(d, d.role);
      return [
        published(PUBLIC_EVENT_TYPES.invitationAccepted, {
          organizationId: d.organizationId,
          invitationId: d.invitationId,
          userId: d.userId,
          role: d.role,
          ...placement,
        }),
        published(PUBLIC_EVENT_TYPES.memberJoined, {
          organizationId: d.organizationId,
          userId: d.userId,
          role: d.role,
          capabilities: capabilities(d.role),
          via: 'invitation',
          invitationId: d.invitationId,
          ...placement,
        }, JOINED_SUFFIX),
      ];
    }
    case 'InvitationDeclined': {
      const d = event.data;
      return [published(PUBLIC_EVENT_TYPES.invitationDeclined, { organizationId: d.organizationId, invitationId: d.invitationId, userId: d.userId })];
    }
    case 'InvitationRevoked': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.invitationRevoked, {
          organizationId: d.organizationId,
          invitationId: d.invitationId,
          revokedBy: d.revokedBy,
        }),
      ];
    }
    case 'InvitationResent': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.invitationResent, {
          organizationId: d.organizationId,
          invitationId: d.invitationId,
          expiresAt: d.expiresAt,
          resentBy: d.resentBy,
        }),
      ];
    }
    case 'JoinRequested': {
      const d = event.data;
      const data: JoinRequestSubmittedV1 = {
        organizationId: d.organizationId,
        requestId: d.requestId,
        userId: d.userId,
        reviewerRole: REVIEWER_ROLE,
      };
      withOptional(data, 'message', d.message);
      return [published(PUBLIC_EVENT_TYPES.joinRequestSubmitted, data)];
    }
    case 'JoinRequestCancelled': {
      const d = event.data;
      return [published(PUBLIC_EVENT_TYPES.joinRequestCancelled, { organizationId: d.organizationId, requestId: d.requestId, userId: d.userId })];
    }
    case 'JoinApproved': {
      const d = event.data;
      const placement = recordedPlacement(d, d.role);
      return [
        published(PUBLIC_EVENT_TYPES.joinRequestApproved, {
          organizationId: d.organizationId,
          requestId: d.requestId,
          userId: d.userId,
          role: d.role,
          approvedBy: d.approvedBy,
          ...placement,
        }),
        published(PUBLIC_EVENT_TYPES.memberJoined, {
          organizationId: d.organizationId,
          userId: d.userId,
          role: d.role,
          capabilities: capabilities(d.role),
          via: 'join-request',
          requestId: d.requestId,
          ...placement,
        }, JOINED_SUFFIX),
      ];
    }
    case 'JoinRejected': {
      const d = event.data;
      const data: JoinRequestRejectedV1 = {
        organizationId: d.organizationId,
        requestId: d.requestId,
        userId: d.userId,
        rejectedBy: d.rejectedBy,
      };
      withOptional(data, 'reason', d.reason);
      return [published(PUBLIC_EVENT_TYPES.joinRequestRejected, data)];
    }
    case 'MemberRoleChanged': {
      const d = event.data;
      const before = new Set<Capability>(actionsOf(d.from));
      const after = new Set<Capability>(actionsOf(d.to));
      const data: MemberRoleChangedV1 = {
        organizationId: d.organizationId,
        userId: d.userId,
        from: d.from,
        to: d.to,
        capabilities: capabilities(d.to),
        capabilitiesGranted: [...after].filter((action) => !before.has(action)),
        capabilitiesRevoked: [...before].filter((action) => !after.has(action)),
        changedBy: d.changedBy,
      };
      withOptional(data, 'reason', d.reason);
      return [published(PUBLIC_EVENT_TYPES.memberRoleChanged, data)];
    }
    case 'MemberRemoved': {
      const d = event.data;
      const data: MemberRemovedV1 = {
        organizationId: d.organizationId,
        userId: d.userId,
        role: d.role,
        capabilitiesRevoked: capabilities(d.role),
        removedBy: d.removedBy,
      };
      withOptional(data, 'reason', d.reason);
      return [published(PUBLIC_EVENT_TYPES.memberRemoved, data)];
    }
    case 'MemberLeft': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.memberLeft, {
          organizationId: d.organizationId,
          userId: d.userId,
          role: d.role,
          capabilitiesRevoked: capabilities(d.role),
        }),
      ];
    }
    case 'MemberDepartmentChanged': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.memberDepartmentChanged, {
          organizationId: d.organizationId,
          userId: d.userId,
          departmentId: d.to,
          previousDepartmentId: d.from,
          changedBy: d.changedBy,
        }),
      ];
    }
    case 'DefaultDatasetRoleChanged': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.memberDefaultDatasetRoleChanged, {
          organizationId: d.organizationId,
          userId: d.userId,
          defaultDatasetRole: d.to,
          previousDefaultDatasetRole: d.from,
          changedBy: d.changedBy,
        }),
      ];
    }
    case 'DepartmentAdded': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.departmentAdded, {
          organizationId: d.organizationId,
          departmentId: d.departmentId,
          name: d.name,
          addedBy: d.addedBy,
        }),
      ];
    }
    case 'DepartmentRenamed': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.departmentRenamed, {
          organizationId: d.organizationId,
          departmentId: d.departmentId,
          name: d.to,
          previousName: d.from,
          renamedBy: d.renamedBy,
        }),
      ];
    }
    case 'DepartmentRemoved': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.departmentRemoved, {
          organizationId: d.organizationId,
          departmentId: d.departmentId,
          removedBy: d.removedBy,
        }),
      ];
    }
    case 'PersonErased': {
      const d = event.data;
      const data: PersonErasedV1 = {
        organizationId: d.organizationId,
        userId: d.userId,
        capabilitiesRevoked: d.role === undefined ? [] : capabilities(d.role),
        invitationIds: [...d.invitationIds],
        requestIds: [...d.requestIds],
        partnershipIds: [...(d.partnershipIds ?? [])],
        erasedBy: d.erasedBy,
      };
      withOptional(data, 'role', d.role);
      return [published(PUBLIC_EVENT_TYPES.personErased, data)];
    }
    case 'OrganizationLeftWithoutAdmin':
      return [published(PUBLIC_EVENT_TYPES.organizationAdminNeeded, { organizationId: event.data.organizationId })];
    case 'OrganizationAdminRestored':
      return [published(PUBLIC_EVENT_TYPES.organizationAdminRestored, { organizationId: event.data.organizationId })];
    case 'PartnerInvited': {
      const d = event.data;
      const data: PartnershipInvitedV1 = { organizationId: d.organizationId, partnershipId: d.partnershipId, access: d.access, invitedBy: d.invitedBy };
      withOptional(data, 'partnerOrganizationId', d.partnerOrganizationId);
      withOptional(data, 'contact', d.contact && { name: d.contact.name, contactEmail: d.contact.contactEmail });
      return [published(PUBLIC_EVENT_TYPES.partnershipInvited, data)];
    }
    case 'PartnershipAccepted': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.partnershipAccepted, {
          organizationId: d.organizationId,
          partnershipId: d.partnershipId,
          partnerOrganizationId: d.partnerOrganizationId,
          access: d.access,
          capabilitiesByPartnerRole: partnerActionsByRole(d.access),
          acceptedBy: d.acceptedBy,
          acceptedByRole: d.acceptedByRole,
        }),
      ];
    }
    case 'PartnershipDeclined': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.partnershipDeclined, {
          organizationId: d.organizationId,
          partnershipId: d.partnershipId,
          partnerOrganizationId: d.partnerOrganizationId,
          declinedBy: d.declinedBy,
        }),
      ];
    }
    case 'PartnerAccessChanged': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.partnershipAccessChanged, {
          organizationId: d.organizationId,
          partnershipId: d.partnershipId,
          partnerOrganizationId: d.partnerOrganizationId,
          access: d.to,
          previousAccess: d.from,
          capabilitiesByPartnerRole: partnerActionsByRole(d.to),
          changedBy: d.changedBy,
        }),
      ];
    }
    case 'PartnershipEnded': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.partnershipEnded, {
          organizationId: d.organizationId,
          partnershipId: d.partnershipId,
          partnerOrganizationId: d.partnerOrganizationId,
          endedBy: d.endedBy,
          side: d.by,
        }),
      ];
    }
    case 'OrganizationImported': {
      const d = event.data;
      const importedFrom: NonNullable<OrganizationCreatedV1['importedFrom']> = { system: d.source.system, id: d.source.id };
      withOptional(importedFrom, 'createdAt', d.source.since ?? undefined);
      return [
        published(PUBLIC_EVENT_TYPES.organizationCreated, {
          organizationId: d.organizationId,
          name: d.name,
          description: d.description,
          createdBy: d.importedBy,
          importedFrom,
        }),
      ];
    }
    case 'MemberImported': {
      const d = event.data;
      return [
        published(PUBLIC_EVENT_TYPES.memberJoined, {
          organizationId: d.organizationId,
          userId: d.userId,
          role: d.role,
          capabilities: capabilities(d.role),
          via: 'import',
          ...recordedPlacement(d, d.role),
        }),
      ];
    }
    default: {
      const unhandled: never = event;
      throw new Error(`No public mapping for domain event ${(unhandled as { type: string }).type}`);
    }
  }
}
