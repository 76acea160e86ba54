import type { DatasetRole } from './dataset-roles';
import type { PartnerAccess, PartnerContact, PartnershipSide } from './partners';
import type { Role } from './roles';

/**
 * The organization's events: past-tense facts, one per change. Their `type` and `data`
 * are the recorded contract read by auditors; once recorded, a type is never changed in
 * place (a new version is added and upcast on read). Who did it, when and why travel in
 * the event's metadata (EventMetadata), not in the data.
 */

export type Invitee = { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'email'; readonly email: string };

/** How a membership came to be. */
export type MembershipSource = 'creation' | 'invitation' | 'join-request' | 'import';

/** The portals `roster import` reads. */
export const IMPORT_SYSTEMS = ['udata', 'ckan', 'data-fair'] as const;
export type ImportSystem = (typeof IMPORT_SYSTEMS)[number];

/**
 * Where an imported organization or membership comes from: the portal, the id it has there
 * and the source's own date for it (null when the source gives none).
 */
export interface ImportProvenance {
  readonly system: ImportSystem;
  /** The organization's id in the source. */
  readonly id: string;
  /** The source's creation date of the organization, or of the membership for MemberImported. */
  readonly since: string | null;
}

/**
 * Where a membership or an invitation is placed (schema version 2 of the events that make
 * them): its department (null: organization-wide) and its default dataset role. Optional in
 * the types because version-1 events lack them; `upcast` fills them with DESIGN.md's defaults.
 */
export interface Placement {
  departmentId?: string | null;
  defaultDatasetRole?: DatasetRole;
}

export type OrganizationEvent =
  | {
      type: 'OrganizationCreated';
      data: {
        organizationId: string;
        name: string;
        description: string;
        createdBy: string;
        /** The creator's (an organization-wide admin's) default dataset role; since version 2. */
        creatorDefaultDatasetRole?: DatasetRole;
      };
    }
  | {
      type: 'OrganizationProfileUpdated';
      data: { organizationId: string; name?: string; description?: string };
    }
  | {
      type: 'MemberInvited';
      data: {
        organizationId: string;
        invitationId: string;
        invitee: Invitee;
        role: Role;
        invitedBy: string;
        /** ISO time after which the invitation can no longer be accepted. */
        expiresAt: string;
        /** A pending invitation to the same person that this one replaces. */
        replacesInvitationId?: string;
      } & Placement;
    }
  | {
      type: 'InvitationAccepted';
      data: { organizationId: string; invitationId: string; userId: string; role: Role } & Placement;
    }
  | {
      type: 'InvitationDeclined';
      data: { organizationId: string; invitationId: string; userId: string };
    }
  | {
      type: 'InvitationRevoked';
      data: { organizationId: string; invitationId: string; revokedBy: string };
    }
  | {
      /** Same invitation, new expiry: the mailer sends it again. */
      type: 'InvitationResent';
      data: { organizationId: string; invitationId: string; expiresAt: string; resentBy: string };
    }
  | {
      type: 'JoinRequested';
      data: { organizationId: string; requestId: string; userId: string; message?: string };
    }
  | {
      type: 'JoinRequestCancelled';
      data: { organizationId: string; requestId: string; userId: string };
    }
  | {
      type: 'JoinApproved';
      data: { organizationId: string; requestId: string; userId: string; role: Role; approvedBy: string } & Placement;
    }
  | {
      type: 'JoinRejected';
      data: { organizationId: string; requestId: string; userId: string; rejectedBy: string; reason?: string };
    }
  | {
      type: 'MemberRoleChanged';
      /** `reason` since version 3: why, as the admin wrote it (optional). */
      data: { organizationId: string; userId: string; from: Role; to: Role; changedBy: string; reason?: string };
    }
  | {
      type: 'MemberRemoved';
      /** `reason` since version 3: why, as the admin wrote it (optional). */
      data: { organizationId: string; userId: string; role: Role; removedBy: string; reason?: string };
    }
  | {
      type: 'MemberLeft';
      data: { organizationId: string; userId: string; role: Role };
    }
  | {
      type: 'OrganizationDeleted';
      data: { organizationId: string; deletedBy: string };
    }
  | {
      type: 'DepartmentAdded';
      data: { organizationId: string; departmentId: string; name: string; addedBy: string };
    }
  | {
      type: 'DepartmentRenamed';
      data: { organizationId: string; departmentId: string; from: string; to: string; renamedBy: string };
    }
  | {
      type: 'DepartmentRemoved';
      data: { organizationId: string; departmentId: string; removedBy: string };
    }
  | {
      /** `from`/`to` null: organization-wide. */
      type: 'MemberDepartmentChanged';
      data: { organizationId: string; userId: string; from: string | null; to: string | null; changedBy: string };
    }
  | {
      type: 'DefaultDatasetRoleChanged';
      data: { organizationId: string; userId: string; from: DatasetRole; to: DatasetRole; changedBy: string };
    }
  // Partnerships: recorded in the inviting organization's stream (organizationId); the
  // partner organization is named by partnerOrganizationId (null while only a contact is known).
  | {
      /** Exactly one of partnerOrganizationId and contact. */
      type: 'PartnerInvited';
      data: {
        organizationId: string;
        partnershipId: string;
        partnerOrganizationId?: string;
        contact?: PartnerContact;
        access: PartnerAccess;
        invitedBy: string;
      };
    }
  | {
      /** Decided on the accepting admin's role in the partner, folded from its stream just before (acceptedByRole; null: a superadmin who is not a member). */
      type: 'PartnershipAccepted';
      data: {
        organizationId: string;
        partnershipId: string;
        partnerOrganizationId: string;
        access: PartnerAccess;
        acceptedBy: string;
        acceptedByRole: Role | null;
      };
    }
  | {
      type: 'PartnershipDeclined';
      data: { organizationId: string; partnershipId: string; partnerOrganizationId: string | null; declinedBy: string };
    }
  | {
      type: 'PartnerAccessChanged';
      data: { organizationId: string; partnershipId: string; partnerOrganizationId: string | null; from: PartnerAccess; to: PartnerAccess; changedBy: string };
    }
  | {
      /** A pending partnership ended is withdrawn; `by`: the side whose admin ended it. */
      type: 'PartnershipEnded';
      data: { organizationId: string; partnershipId: string; partnerOrganizationId: string | null; endedBy: string; by: PartnershipSide };
    }
  | {
      /**
       * The person was erased (RGPD article 17): their membership ended (`role` and
       * `departmentId` are the membership's, absent when they were not a member) and their
       * pending invitations and join requests were withdrawn, and the pending partnership
       * invitations to them as a partner's contact (`partnershipIds`, absent when none).
       * Ids only: nothing personal.
       */
      type: 'PersonErased';
      data: {
        organizationId: string;
        userId: string;
        role?: Role;
        departmentId?: string | null;
        invitationIds: string[];
        requestIds: string[];
        partnershipIds?: string[];
        erasedBy: string;
      };
    }
  | {
      /** An erasure took the last organization-wide admin: a superadmin must appoint one. */
      type: 'OrganizationLeftWithoutAdmin';
      data: { organizationId: string };
    }
  | {
      /** The organization has an organization-wide admin again. */
      type: 'OrganizationAdminRestored';
      data: { organizationId: string };
    }
  | {
      /** The organization came from another portal (`roster import`): it starts with no members; MemberImported follow. */
      type: 'OrganizationImported';
      data: { organizationId: string; name: string; description: string; importedBy: string; source: ImportProvenance };
    }
  | {
      /** A membership the source portal had, recorded by `roster import` (source.since: the source's membership date). */
      type: 'MemberImported';
      data: { organizationId: string; userId: string; role: Role; importedBy: string; source: ImportProvenance } & Placement;
    };

export type OrganizationEventType = OrganizationEvent['type'];
export type EventOfType<T extends OrganizationEventType> = Extract<OrganizationEvent, { type: T }>;

export const ORGANIZATION_EVENT_TYPES: readonly OrganizationEventType[] = [
  'OrganizationCreated',
  'OrganizationProfileUpdated',
  'MemberInvited',
  'InvitationAccepted',
  'InvitationDeclined',
  'InvitationRevoked',
  'InvitationResent',
  'JoinRequested',
  'JoinRequestCancelled',
  'JoinApproved',
  'JoinRejected',
  'MemberRoleChanged',
  'MemberRemoved',
  'MemberLeft',
  'OrganizationDeleted',
  'DepartmentAdded',
  'DepartmentRenamed',
  'DepartmentRemoved',
  'MemberDepartmentChanged',
  'DefaultDatasetRoleChanged',
  'PersonErased',
  'OrganizationLeftWithoutAdmin',
  'OrganizationAdminRestored',
  'PartnerInvited',
  'PartnershipAccepted',
  'PartnershipDeclined',
  'PartnerAccessChanged',
  'PartnershipEnded',
  'OrganizationImported',
  'MemberImported',
];

export function isOrganizationEventType(value: unknown): value is OrganizationEventType {
  return typeof value === 'string' && (ORGANIZATION_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Current schema version of every event type's data. 2: departments and the default dataset
 * role (the Placement fields, OrganizationCreated's creatorDefaultDatasetRole). 3: the
 * optional `reason` of MemberRoleChanged and MemberRemoved. Types added later (the
 * partnership events) start at the version current when they were added.
 */
export const EVENT_SCHEMA_VERSION = 3;

/** Metadata recorded with every event. */
export interface EventMetadata {
  readonly actor: { readonly userId: string; readonly platformRoles?: readonly string[] };
  /** ISO time of the command that caused the event. */
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly schemaVersion: number;
  /** The command's name, e.g. `ApproveJoin`. */
  readonly command: string;
  /** Idempotency-Key of the request, with a fingerprint of the request it answered. */
  readonly idempotencyKey?: string;
  readonly requestFingerprint?: string;
  /** The caller's W3C trace context (traceparent, tracestate), when its request carried a valid one. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** Hash chain (see libs/event-store hash-chain.ts). */
  readonly previousHash?: string;
  readonly hash?: string;
}

/** One stream per organization. */
export const organizationStreamId = (organizationId: string): string => `organization-${organizationId}`;
export const ORGANIZATION_STREAM_PREFIX = 'organization-';
