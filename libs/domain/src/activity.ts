import type { OrganizationEventType } from './events';
import type { Action } from './permissions';

/**
 * Who may see an event in an organization's recent activity: the action of the permission
 * table a reader needs. Pending invitations (their e-mail addresses) are for those who may
 * invite, join requests for those who may read them; what ends in a membership is as
 * visible as the member list. A partner invited by its contact (an e-mail address) is for
 * those who manage partners; what follows is as visible as the partners list.
 */
export const ACTIVITY_VISIBILITY: Readonly<Record<OrganizationEventType, Action>> = {
  OrganizationCreated: 'organization.read',
  OrganizationProfileUpdated: 'organization.read',
  MemberInvited: 'membership.invite',
  InvitationAccepted: 'organization.read',
  InvitationDeclined: 'membership.invite',
  InvitationRevoked: 'membership.invite',
  InvitationResent: 'membership.invite',
  JoinRequested: 'membership.requests.read',
  JoinRequestCancelled: 'membership.requests.read',
  JoinApproved: 'organization.read',
  JoinRejected: 'membership.requests.read',
  MemberRoleChanged: 'organization.read',
  MemberRemoved: 'organization.read',
  MemberLeft: 'organization.read',
  OrganizationDeleted: 'organization.read',
  DepartmentAdded: 'organization.read',
  DepartmentRenamed: 'organization.read',
  DepartmentRemoved: 'organization.read',
  MemberDepartmentChanged: 'organization.read',
  DefaultDatasetRoleChanged: 'organization.read',
  // An erasure ends a membership as visibly as a removal; it carries ids only.
  PersonErased: 'organization.read',
  OrganizationLeftWithoutAdmin: 'organization.read',
  OrganizationAdminRestored: 'organization.read',
  PartnerInvited: 'organization.update',
  PartnershipAccepted: 'organization.read',
  PartnershipDeclined: 'organization.read',
  PartnerAccessChanged: 'organization.read',
  PartnershipEnded: 'organization.read',
  OrganizationImported: 'organization.read',
  MemberImported: 'organization.read',
};

/** The actions ACTIVITY_VISIBILITY names, each once. */
const VISIBILITY_ACTIONS: readonly Action[] = [...new Set(Object.values(ACTIVITY_VISIBILITY))];

/** The visible types by which of VISIBILITY_ACTIONS a reader may do ('1' may, '0' not, in order): one list per combination. */
const VISIBLE_TYPES = new Map<string, readonly OrganizationEventType[]>();

/**
 * The event types a reader who may do what `may` says sees in the activity, in
 * ACTIVITY_VISIBILITY's order: `may` asked once per action (a handful, not once per type:
 * measured, asking per type was a tenth of the dashboard's own work), the list made once per
 * combination of answers and shared (frozen).
 */
export function visibleActivityTypes(may: (action: Action) => boolean): readonly OrganizationEventType[] {
  let key = '';
  for (const action of VISIBILITY_ACTIONS) key += may(action) ? '1' : '0';
  let types = VISIBLE_TYPES.get(key);
  if (types === undefined) {
    const allowed = new Set(VISIBILITY_ACTIONS.filter((_, i) => key[i] === '1'));
    types = Object.freeze((Object.keys(ACTIVITY_VISIBILITY) as OrganizationEventType[]).filter((type) => allowed.has(ACTIVITY_VISIBILITY[type])));
    VISIBLE_TYPES.set(key, types);
  }
  return types;
}
