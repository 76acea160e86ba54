import {
  checkOrganizationPermission,
  organizationStatusRefusal,
  type Action,
  type OrganizationPermissionDecision,
  type OrganizationState,
  type PartnerStanding,
} from '@roster/domain';
import type { AsOfIndex } from './as-of-index';

/** One permission check, as POST /authorizations/check takes it. */
export interface PermissionQuestion {
  readonly userId: string;
  readonly organizationId: string;
  readonly action: Action;
  /** The resource's department; absent or null: a resource without department. */
  readonly departmentId?: string | null;
}

/**
 * The answer the permission check gave at `at`, from the record itself: the organization
 * folded as of `at` (an AsOfIndex point), and for a user who was not a member then, each
 * partnership active then with its partner organization folded as of the same `at`. The rule
 * is the current check's, the domain's: organizationStatusRefusal, then
 * checkOrganizationPermission; only the facts differ (read models for now, folds for then).
 */
export async function checkPermissionAt(index: AsOfIndex, question: PermissionQuestion, at: Date): Promise<OrganizationPermissionDecision> {
  const { userId, organizationId, action, departmentId } = question;
  const state = (await index.stateAt(organizationId, at)).state;
  const refusal = organizationStatusRefusal(state.status);
  if (refusal) return refusal;
  // A membership of the fold has the role and departmentId the rule reads (MemberPlacement).
  const member = state.members.get(userId);
  if (member) return checkOrganizationPermission(member, [], action, departmentId);
  const standings = await Promise.all(activePartnerships(state).map(async ({ partnerOrganizationId, access }): Promise<PartnerStanding> => {
    const partner = (await index.stateAt(partnerOrganizationId, at)).state;
    return {
      partnerOrganizationId,
      partnershipStatus: 'active',
      // Not created yet or deleted by then: grants nothing, as an unknown or deleted partner does now.
      partnerOrganizationStatus: partner.status === 'active' ? 'active' : 'deleted',
      access,
      role: partner.members.get(userId)?.role,
    };
  }));
  return checkOrganizationPermission(undefined, standings, action, departmentId);
}

/** The partnerships of the fold active with a known partner organization. */
function activePartnerships(state: OrganizationState): Array<{ partnerOrganizationId: string; access: PartnerStanding['access'] }> {
  const out: Array<{ partnerOrganizationId: string; access: PartnerStanding['access'] }> = [];
  for (const partnership of state.partnerships.byId.values()) {
    if (partnership.status === 'active' && partnership.partnerOrganizationId !== null) out.push({ partnerOrganizationId: partnership.partnerOrganizationId, access: partnership.access });
  }
  return out;
}
