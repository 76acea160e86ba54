import type { IndexSpec } from '../document-store/document-store.port';

/** Collection names of the read models. */
export const COLLECTIONS = {
  organizations: 'organizations',
  memberships: 'memberships',
  invitations: 'invitations',
  joinRequests: 'join_requests',
  activity: 'activity',
  memberCountsDaily: 'member_counts_daily',
  departments: 'departments',
  partnerships: 'partnerships',
  checkpoints: 'checkpoints',
} as const;

/** The collections a rebuild drops and refills (the checkpoints excepted). */
export const READ_MODEL_COLLECTIONS = [
  COLLECTIONS.organizations,
  COLLECTIONS.memberships,
  COLLECTIONS.invitations,
  COLLECTIONS.joinRequests,
  COLLECTIONS.activity,
  COLLECTIONS.memberCountsDaily,
  COLLECTIONS.departments,
  COLLECTIONS.partnerships,
] as const;

export const READ_MODEL_INDEXES: Readonly<Record<string, readonly IndexSpec[]>> = {
  [COLLECTIONS.memberships]: [
    { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
    { key: { userId: 1 }, name: 'by_user' },
    // Members per department (the departments list, the dashboard) and the members filter.
    { key: { organizationId: 1, departmentId: 1, status: 1 }, name: 'by_organization_department_status' },
  ],
  [COLLECTIONS.departments]: [{ key: { organizationId: 1, status: 1 }, name: 'by_organization_status' }],
  // A's partners (and, in the in-process index, the permission check's partner grants of A); B's partner-of list.
  [COLLECTIONS.partnerships]: [
    { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
    { key: { partnerOrganizationId: 1, status: 1 }, name: 'by_partner_status' },
  ],
  [COLLECTIONS.invitations]: [
    { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
    // A person's invitations across organizations: by user id, and by e-mail address.
    { key: { inviteeUserId: 1, status: 1 }, name: 'by_invitee_user_status' },
    { key: { inviteeEmail: 1, status: 1 }, name: 'by_invitee_email_status' },
  ],
  [COLLECTIONS.joinRequests]: [{ key: { organizationId: 1, status: 1 }, name: 'by_organization_status' }],
  [COLLECTIONS.activity]: [{ key: { organizationId: 1, position: -1 }, name: 'by_organization_position' }],
  [COLLECTIONS.memberCountsDaily]: [{ key: { organizationId: 1, day: 1 }, name: 'by_organization_day' }],
};

/** Name of the read models' projection (its checkpoint key). */
export const READ_MODELS_PROJECTION = 'read-models';

export const membershipId = (organizationId: string, userId: string): string => `${organizationId}:${userId}`;

export const departmentDocumentId = (organizationId: string, departmentId: string): string => `${organizationId}:${departmentId}`;
