import type { Actor } from './commands';
import { checkMemberPermission, type DepartmentPermissionDecision, type MemberPlacement } from './departments';
import type { OrganizationState } from './organization.state';
import { ACTIONS, type Action } from './permissions';
import { ROLES, roleAtLeast, type Role } from './roles';

/**
 * Partners (Data Fair, DESIGN.md "Partners"): organization A invites organization B so that
 * B's members may read (access `read`) or read and change (access `write`) the resources A
 * shares with partners. The partnership lives in A's stream; B's stream records nothing of
 * it (the events in A's stream name B, so B's "partner-of" list and the check read B's side
 * from them, and B's own deletion, in B's stream, ends every grant at once).
 *
 * A partnership is directed: "A shares with B". B inviting A is another partnership (B
 * sharing its own resources with A's members), so both may exist; what is refused (409) is a
 * second pending or active partnership from the same organization to the same partner.
 */

export const PARTNER_ACCESSES = ['read', 'write'] as const;
/** The partnership's ceiling: which resources are shared stays with the service that owns them. */
export type PartnerAccess = (typeof PARTNER_ACCESSES)[number];

export function isPartnerAccess(value: unknown): value is PartnerAccess {
  return typeof value === 'string' && (PARTNER_ACCESSES as readonly string[]).includes(value);
}

/** A partner known only by its contact (Data Fair invites this way). `contactEmail` is personal data. */
export interface PartnerContact {
  readonly name: string;
  readonly contactEmail: string;
}

/** Which side of a partnership acted: the inviting organization (A) or the partner (B). */
export type PartnershipSide = 'organization' | 'partner';

// ---------------------------------------------------------------------------------------
// The permission rule for partners.

/**
 * What a member of an active partner may do in the inviting organization: the action, the
 * access the partnership needs and the lowest role in the partner organization. Nothing else:
 * never create, administer or membership actions.
 */
export const PARTNER_GRANTS: Readonly<Partial<Record<Action, { readonly access: PartnerAccess; readonly role: Role }>>> = {
  'organization.read': { access: 'read', role: 'member' },
  'dataset.read': { access: 'read', role: 'member' },
  'dataset.update': { access: 'write', role: 'editor' },
  'visualization.update': { access: 'write', role: 'editor' },
};

/** `write` includes `read`. */
export const accessAtLeast = (access: PartnerAccess, minimum: PartnerAccess): boolean =>
  PARTNER_ACCESSES.indexOf(access) >= PARTNER_ACCESSES.indexOf(minimum);

/** What a member of an active partner with `role` there may do in the inviting organization, in table order. */
export function partnerActionsOf(access: PartnerAccess, role: Role): readonly Action[] {
  return ACTIONS.filter((action) => {
    const grant = PARTNER_GRANTS[action];
    return grant !== undefined && accessAtLeast(access, grant.access) && roleAtLeast(role, grant.role);
  });
}

/** partnerActionsOf for every role in the partner (published with the partnership events). */
export function partnerActionsByRole(access: PartnerAccess): Record<Role, Action[]> {
  return Object.fromEntries(ROLES.map((role) => [role, [...partnerActionsOf(access, role)]])) as Record<Role, Action[]>;
}

/**
 * A user's standing in organization A through one partnership: A's partnership with B (its
 * status and access), B's status, and the user's role in B (undefined: not a member of B).
 * Whoever answers the check gathers these from its read models; the rule below judges them.
 */
export interface PartnerStanding {
  readonly partnerOrganizationId: string;
  readonly partnershipStatus: 'pending' | 'active';
  readonly partnerOrganizationStatus: 'active' | 'deleted';
  readonly access: PartnerAccess;
  readonly role: Role | undefined;
}

/** The check's answer: how it was granted (or refused), and through which partner. */
export interface OrganizationPermissionDecision extends DepartmentPermissionDecision {
  /** `membership` unless the answer comes from a partnership. */
  readonly via: 'membership' | 'partner';
  /** With `via: partner`: the partner organization the user is a member of; else null. */
  readonly partnerOrganizationId: string | null;
  /** With `via: partner`: the partnership's access; else null. */
  readonly access: PartnerAccess | null;
}

/** Whether a standing counts at all: an active partnership with a live partner, where the user is a member. */
const grantsAnything = (standing: PartnerStanding): standing is PartnerStanding & { role: Role } =>
  standing.partnershipStatus === 'active' && standing.partnerOrganizationStatus === 'active' && standing.role !== undefined;

/** The partner rule for one standing that counts: `role` is the user's role in the partner organization. */
function partnerDecision(standing: PartnerStanding & { role: Role }, action: Action): OrganizationPermissionDecision {
  const { partnerOrganizationId, access, role } = standing;
  const grant = PARTNER_GRANTS[action];
  const via = { via: 'partner' as const, partnerOrganizationId, access, role, departmentId: null };
  const as = `member (${role}) of partner ${partnerOrganizationId} with access ${access}`;
  if (grant === undefined) return { ...via, allowed: false, reason: `${as}: partners never get ${action}` };
  if (!accessAtLeast(access, grant.access)) return { ...via, allowed: false, reason: `${as}: ${action} needs access ${grant.access}` };
  if (!roleAtLeast(role, grant.role)) return { ...via, allowed: false, reason: `${as}: ${action} needs role ${grant.role} in the partner` };
  return { ...via, allowed: true, reason: `${as} grants ${action}` };
}

/** Strongest first: an allowing answer, then write over read, then the higher role, then by id (stable). */
function stronger(a: OrganizationPermissionDecision, b: OrganizationPermissionDecision): number {
  if (a.allowed !== b.allowed) return a.allowed ? -1 : 1;
  if (a.access !== b.access) return a.access === 'write' ? -1 : 1;
  if (a.role !== b.role) return a.role !== null && b.role !== null && roleAtLeast(a.role, b.role) ? -1 : 1;
  return (a.partnerOrganizationId ?? '') < (b.partnerOrganizationId ?? '') ? -1 : 1;
}

/**
 * The check's answer about an organization that is not there to grant anything: unknown (or,
 * asked about a past instant, not created yet) or deleted. Undefined for an active one, which
 * checkOrganizationPermission then answers.
 */
export function organizationStatusRefusal(status: 'none' | 'active' | 'deleted'): OrganizationPermissionDecision | undefined {
  if (status === 'active') return undefined;
  const reason = status === 'none' ? 'unknown organization' : 'organization deleted';
  return { allowed: false, role: null, reason, departmentId: null, via: 'membership', partnerOrganizationId: null, access: null };
}

/**
 * The permission check of one organization, partners included: a member is always answered
 * by their membership (role, then department rule), never by a partnership; a non-member is
 * answered by the strongest partnership that counts (active, with a live partner they belong
 * to), `via: partner` naming it, because the calling service must still check that the
 * resource is shared with partners; otherwise by "not a member". The organization itself
 * being unknown or deleted is the caller's to answer first (organizationStatusRefusal).
 */
export function checkOrganizationPermission(
  member: MemberPlacement | undefined,
  partners: readonly PartnerStanding[],
  action: Action,
  resourceDepartmentId?: string | null,
): OrganizationPermissionDecision {
  const byMembership = { ...checkMemberPermission(member, action, resourceDepartmentId), via: 'membership' as const, partnerOrganizationId: null, access: null };
  if (member !== undefined) return byMembership;
  let best: OrganizationPermissionDecision | undefined;
  for (const standing of partners) {
    if (!grantsAnything(standing)) continue;
    const decision = partnerDecision(standing, action);
    if (best === undefined || stronger(decision, best) < 0) best = decision;
  }
  return best ?? byMembership;
}

// ---------------------------------------------------------------------------------------
// The facts a decision in A's stream takes from B's.

/**
 * What a partnership command decided in A's stream knows of the other organization, folded
 * from that organization's stream just before the decision (the command handler does it
 * with partnerOrganizationFacts and puts it in the command), so decide stays pure. A change
 * in the other organization racing with the decision (a demotion) is a known window; the
 * record names who acted and their role there.
 */
export interface PartnerOrganizationFacts {
  readonly organizationId: string;
  readonly status: 'none' | 'active' | 'deleted';
  /** The actor's membership in it, when they are a member. */
  readonly actor?: MemberPlacement;
}

/** The facts of `state` (the other organization's fold) for `actor`. */
export function partnerOrganizationFacts(organizationId: string, state: OrganizationState, actor: Actor): PartnerOrganizationFacts {
  const membership = state.members.get(actor.userId);
  return {
    organizationId,
    status: state.status,
    ...(membership ? { actor: { role: membership.role, departmentId: membership.departmentId } } : {}),
  };
}
