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
    // A members page in id order (a role's too, skipping the others): the embedded store keeps them in that order and reads
    // no more than it answers, unsorted. One such index only: measured, each costs the projection 1.5 to 3 µs per membership change.
    { key: { organizationId: 1, status: 1, _id: 1 }, name: 'by_organization_status_id' },
  ],
  [COLLECTIONS.departments]: [{ key: { organizationId: 1, status: 1 }, name: 'by_organization_status' }],
  // A's partners (and, in the in-process index, the permission check's partner grants of A); B's partner-of list.
  [COLLECTIONS.partnerships]: [
    { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
    { key: { partnerOrganizationId: 1, status: 1 }, name: 'by_partner_status' },
    // A contact's address by the id of the key sealing it (erasure, a person's data access).
    { key: { contactEmailKid: 1 }, name: 'by_contact_email_key' },
  ],
  [COLLECTIONS.invitations]: [
    { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
    // What an erasure, a person's data access and their invitations list look up.
    { key: { inviteeUserId: 1 }, name: 'by_invitee_user' },
    // The sealed address's key id (read-model.queries.ts SEALED_EMAIL_KEY_ID): erasure, data access, a person's invitations by e-mail.
    { key: { 'inviteeEmail.kid': 1 }, name: 'by_invitee_email_key' },
  ],
  [COLLECTIONS.joinRequests]: [
    { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
    { key: { userId: 1 }, name: 'by_user' },
  ],
  [COLLECTIONS.organizations]: [{ key: { needsAdmin: 1 }, name: 'by_needs_admin' }],
  [COLLECTIONS.activity]: [{ key: { organizationId: 1, position: -1 }, name: 'by_organization_position' }],
  [COLLECTIONS.memberCountsDaily]: [{ key: { organizationId: 1, day: 1 }, name: 'by_organization_day' }],
};

/**
 * Collections whose documents are keyed by event: `_id` the id of the event whose position is
 * the document's `lastPosition` (activity.projection.ts creates one entry per event so). The
 * embedded store appends such a document with no lookup of its id when its position is past
 * every one before it (EmbeddedDocumentStore.keyByEvent).
 */
export const KEYED_BY_EVENT: readonly string[] = [COLLECTIONS.activity];

/** Name of the read models' projection (its checkpoint key). */
export const READ_MODELS_PROJECTION = 'read-models';

export const membershipId = (organizationId: string, userId: string): string => `${organizationId}:${userId}`;

export const departmentDocumentId = (organizationId: string, departmentId: string): string => `${organizationId}:${departmentId}`;
