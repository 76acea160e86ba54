import type { DatasetRole } from './dataset-roles';
import type { PartnerAccess, PartnerOrganizationFacts } from './partners';
import type { ImportProvenance } from './events';
import type { PlatformRole, Role } from './roles';

/** Who sends a command, from the verified token. */
export interface Actor {
  readonly userId: string;
  /** The token's `email` claim. */
  readonly email?: string;
  /**
   * True only when the token said `email_verified: true`: an e-mail nobody verified proves
   * nothing, so only a verified one answers an e-mail invitation.
   */
  readonly emailVerified?: boolean;
  readonly platformRoles: readonly PlatformRole[];
}

/**
 * Everything a decision needs comes in with the command: the actor, the time, and the ids
 * the service made for what the command creates. So a retried decision is the same decision.
 */
export interface CommandContext {
  readonly actor: Actor;
  readonly now: Date;
}

export type OrganizationCommand =
  | { type: 'CreateOrganization'; data: { organizationId: string; name: string; description?: string } }
  | { type: 'UpdateOrganizationProfile'; data: { organizationId: string; name?: string; description?: string } }
  | {
      type: 'InviteMember';
      data: {
        organizationId: string;
        invitationId: string;
        invitee: { userId: string } | { email: string };
        role: Role;
        /** Default 7 days. */
        expiresInDays?: number;
        /** Absent: a department admin's own department, else organization-wide (null). */
        departmentId?: string | null;
        /** Absent: follows `role` (member -> reader, editor -> contributor, admin -> manager). */
        defaultDatasetRole?: DatasetRole;
      };
    }
  | { type: 'AcceptInvitation'; data: { organizationId: string; invitationId: string } }
  | { type: 'DeclineInvitation'; data: { organizationId: string; invitationId: string } }
  | { type: 'RevokeInvitation'; data: { organizationId: string; invitationId: string } }
  /** Same invitation, new expiry (default 7 days from now); an expired one too. */
  | { type: 'ResendInvitation'; data: { organizationId: string; invitationId: string; expiresInDays?: number } }
  | { type: 'RequestJoin'; data: { organizationId: string; requestId: string; message?: string } }
  | { type: 'CancelJoinRequest'; data: { organizationId: string; requestId: string } }
  | {
      type: 'ApproveJoin';
      /** departmentId and defaultDatasetRole as for InviteMember. */
      data: { organizationId: string; requestId: string; role?: Role; departmentId?: string | null; defaultDatasetRole?: DatasetRole };
    }
  | { type: 'RejectJoin'; data: { organizationId: string; requestId: string; reason?: string } }
  /** `reason`: why, recorded in the event (personal data, like a rejection reason). */
  | { type: 'ChangeRole'; data: { organizationId: string; userId: string; role: Role; reason?: string } }
  | { type: 'RemoveMember'; data: { organizationId: string; userId: string; reason?: string } }
  | { type: 'LeaveOrganization'; data: { organizationId: string } }
  | { type: 'DeleteOrganization'; data: { organizationId: string } }
  | { type: 'AddDepartment'; data: { organizationId: string; departmentId: string; name: string } }
  | { type: 'RenameDepartment'; data: { organizationId: string; departmentId: string; name: string } }
  | { type: 'RemoveDepartment'; data: { organizationId: string; departmentId: string } }
  /** departmentId null: back to organization-wide. */
  | { type: 'ChangeMemberDepartment'; data: { organizationId: string; userId: string; departmentId: string | null } }
  | { type: 'ChangeDefaultDatasetRole'; data: { organizationId: string; userId: string; defaultDatasetRole: DatasetRole } }
  /**
   * RGPD article 17, in one organization: ends the person's membership and withdraws their
   * pending invitations (to their user id or to one of `emails`) and join requests.
   */
  | { type: 'ErasePerson'; data: { organizationId: string; userId: string; emails?: readonly string[] } }
  /**
   * Partnership commands are decided in the inviting organization's stream (organizationId);
   * `partnerFacts` is what the command handler folded from the other organization's stream
   * just before the decision (partnerOrganizationToLoad says which one); never from a request.
   */
  | {
      type: 'InvitePartner';
      data: {
        organizationId: string;
        partnershipId: string;
        /** By the partner's id, or by a name and a contact e-mail when it is not known yet. */
        partner: { organizationId: string } | { name: string; contactEmail: string };
        access: PartnerAccess;
        partnerFacts?: PartnerOrganizationFacts;
      };
    }
  | {
      type: 'AcceptPartnership';
      data: {
        organizationId: string;
        partnershipId: string;
        /** For a contact invitation: the accepting admin's organization that becomes the partner. */
        partnerOrganizationId?: string;
        partnerFacts?: PartnerOrganizationFacts;
      };
    }
  | { type: 'DeclinePartnership'; data: { organizationId: string; partnershipId: string; partnerFacts?: PartnerOrganizationFacts } }
  | { type: 'ChangePartnerAccess'; data: { organizationId: string; partnershipId: string; access: PartnerAccess } }
  | { type: 'EndPartnership'; data: { organizationId: string; partnershipId: string; partnerFacts?: PartnerOrganizationFacts } }
  /** An organization as another portal has it now (`roster import`); see import.ts. */
  | { type: 'ImportOrganization'; data: SourceOrganization };

/** A member as the source portal has it, its role already mapped to Roster's. */
export interface SourceMember {
  readonly userId: string;
  readonly role: Role;
  /** null: organization-wide. */
  readonly departmentId: string | null;
  /** The source's membership date, or null. */
  readonly since: string | null;
}

export interface SourceOrganization {
  /** Made from source.system and source.id (importedOrganizationId), so a second import finds it. */
  readonly organizationId: string;
  readonly source: ImportProvenance;
  readonly name: string;
  readonly description: string;
  readonly departments: readonly { readonly departmentId: string; readonly name: string }[];
  readonly members: readonly SourceMember[];
}
