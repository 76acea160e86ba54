import { isExpired, type DatasetRole, type Department, type OrganizationState, type PartnerAccess, type PendingInvitation, type PendingJoinRequest, type Role } from '@roster/domain';
import type { AsOfAnswer } from './as-of-index';

/**
 * The organization as it stood at `at`. Before its creation the answer is a 200 with
 * `exists: false` (the organization is known, it just did not exist yet); after its
 * deletion `exists: true, status: 'deleted'` with the state it was deleted in.
 */
export type AsOfView =
  | {
      readonly organizationId: string;
      readonly at: string;
      readonly exists: false;
      /** When the organization was created, for the curious. */
      readonly createdAt: string | null;
    }
  | {
      readonly organizationId: string;
      readonly at: string;
      readonly exists: true;
      readonly status: 'active' | 'deleted';
      /** Revision of the last event folded (the state is the one right after it), as a decimal string. */
      readonly revision: string;
      readonly lastEventAt: string;
      readonly profile: { readonly name: string; readonly description: string; readonly createdAt: string | null };
      /** Each member's department (null: organization-wide) and default dataset role at `at`. */
      readonly members: ReadonlyArray<{ userId: string; role: Role; since: string | null; via: string; departmentId: string | null; defaultDatasetRole: DatasetRole }>;
      /** The departments at `at`, by id. */
      readonly departments: readonly Department[];
      /**
       * The partnerships this organization granted, pending or active at `at`, by id. A contact
       * invitation shows the contact's name (never its e-mail address). Whether a partner was
       * deleted by then is in the partner's own record.
       */
      readonly partners: ReadonlyArray<AsOfPartner>;
      /** Pending and still unexpired at `at`. */
      readonly invitations: readonly PendingInvitation[];
      readonly joinRequests: readonly PendingJoinRequest[];
    };

export interface AsOfPartner {
  readonly partnershipId: string;
  /** null while only a contact was known. */
  readonly partnerOrganizationId: string | null;
  readonly contactName: string | null;
  readonly access: PartnerAccess;
  readonly status: 'pending' | 'active';
  readonly invitedBy: string;
  readonly invitedAt: string | null;
  /** When it was accepted (active ones). */
  readonly since: string | null;
}

const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export function asOfView(organizationId: string, at: Date, { point, head, members }: AsOfAnswer): AsOfView {
  const state: OrganizationState = point.state;
  if (state.status === 'none') {
    return { organizationId, at: at.toISOString(), exists: false, createdAt: head.state.createdAt ?? null };
  }
  return {
    organizationId,
    at: at.toISOString(),
    exists: true,
    status: state.status,
    revision: String(point.revision),
    lastEventAt: new Date(point.time).toISOString(),
    profile: { name: state.name, description: state.description, createdAt: state.createdAt ?? null },
    members: members.map(([userId, m]) => ({
      userId,
      role: m.role,
      since: m.since ?? null,
      via: m.via,
      departmentId: m.departmentId,
      defaultDatasetRole: m.defaultDatasetRole,
    })),
    departments: [...state.departments.values()].sort(byKey((d) => d.departmentId)),
    partners: [...state.partnerships.byId.values()]
      .sort(byKey((p) => p.partnershipId))
      .map((p) => ({
        partnershipId: p.partnershipId,
        partnerOrganizationId: p.partnerOrganizationId,
        contactName: p.contact?.name ?? null,
        access: p.access,
        status: p.status,
        invitedBy: p.invitedBy,
        invitedAt: p.invitedAt ?? null,
        since: p.since ?? null,
      })),
    invitations: [...state.invitations.values()]
      .filter((i) => !isExpired(i, at))
      .sort(byKey((i) => i.invitationId)),
    joinRequests: [...state.joinRequests.values()].sort(byKey((r) => r.requestId)),
  };
}
