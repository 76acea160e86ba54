import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ACTIONS, ROLES } from '@roster/domain';
import {
  DATASET_ROLE_SCHEMA as DATASET_ROLE,
  DECIMAL_SCHEMA as DECIMAL,
  DEPARTMENT_ID_SCHEMA as DEPARTMENT_ID,
  FIELD_SCHEMAS,
  INVITEE_SCHEMA as INVITEE, PERSONAL_TEXT_SCHEMA as PERSONAL_TEXT, ROLE_SCHEMA as ROLE,
  TIME_SCHEMA as TIME,
  USER_ID_SCHEMA as USER_ID,
  UUID_SCHEMA as UUID,
} from '../http/openapi';

/**
 * The OpenAPI schemas of the query and permission-check answers, as the read models shape
 * them (libs/read-models/src/queries/read-model.queries.ts). Answers may gain fields: no
 * schema here closes its properties.
 */

export const MEMBER_COUNTS: SchemaObject = {
  type: 'object',
  required: [...ROLES],
  properties: Object.fromEntries(ROLES.map((role) => [role, { type: 'integer', minimum: 0 }])),
};

export const ORGANIZATION_VIEW: SchemaObject = {
  type: 'object',
  required: ['organizationId', 'name', 'description', 'status', 'memberCounts', 'memberCount', 'createdAt', 'createdBy', 'updatedAt', 'position'],
  properties: {
    organizationId: UUID,
    name: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string', enum: ['active', 'deleted'] },
    memberCounts: MEMBER_COUNTS,
    memberCount: { type: 'integer', minimum: 0 },
    createdAt: TIME,
    createdBy: { type: 'string' },
    updatedAt: TIME,
    deletedAt: TIME,
    needsAdmin: { type: 'boolean', enum: [true], description: 'Present while an erasure has left it without an organization-wide admin' },
    position: { ...DECIMAL, description: 'Position of the last change to this organization' },
  },
};

const NULLABLE_DEPARTMENT_ID: SchemaObject = { ...DEPARTMENT_ID, nullable: true };

export const MEMBER_VIEW: SchemaObject = {
  type: 'object',
  required: ['userId', 'role', 'since', 'via', 'departmentId', 'defaultDatasetRole'],
  properties: {
    userId: { type: 'string' },
    role: ROLE,
    since: TIME,
    via: { type: 'string', description: 'How the membership began: creation, invitation, join-request, import' },
    departmentId: { ...NULLABLE_DEPARTMENT_ID, description: "The member's department; null when organization-wide" },
    defaultDatasetRole: DATASET_ROLE,
  },
};

export const DEPARTMENT_VIEW: SchemaObject = {
  type: 'object',
  required: ['departmentId', 'name', 'memberCount'],
  properties: {
    departmentId: DEPARTMENT_ID,
    name: { type: 'string' },
    memberCount: { type: 'integer', minimum: 0, description: 'Active members restricted to this department' },
  },
};

export const MEMBERS_PAGE: SchemaObject = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: MEMBER_VIEW },
    nextCursor: { type: 'string', description: 'Pass it back as `cursor` for the next page; absent on the last page' },
  },
};

export const INVITATION_VIEW: SchemaObject = {
  type: 'object',
  required: ['invitationId', 'organizationId', 'invitee', 'role', 'invitedBy', 'invitedAt', 'expiresAt', 'status', 'expired'],
  properties: {
    invitationId: UUID,
    organizationId: UUID,
    invitee: INVITEE,
    role: ROLE,
    invitedBy: { type: 'string' },
    invitedAt: TIME,
    expiresAt: TIME,
    replacesInvitationId: UUID,
    departmentId: { ...NULLABLE_DEPARTMENT_ID, description: 'Where the invitee will be placed; null: organization-wide' },
    defaultDatasetRole: DATASET_ROLE,
    status: {
      type: 'string',
      enum: ['pending', 'expired', 'accepted', 'declined', 'revoked', 'replaced', 'withdrawn'],
      description: '`expired`: not handled, but past expiresAt (it can still be revoked or resent); `withdrawn`: the invitee was erased',
    },
    expired: { type: 'boolean', description: 'Not handled, but past expiresAt (status `expired`)' },
    resentAt: { ...TIME, description: 'When it was last resent' },
    resentBy: { type: 'string', description: 'Who resent it last' },
    handledAt: TIME,
    handledBy: { type: 'string' },
    acceptedBy: { type: 'string' },
    replacedBy: UUID,
  },
};

export const JOIN_REQUEST_VIEW: SchemaObject = {
  type: 'object',
  required: ['requestId', 'organizationId', 'userId', 'requestedAt', 'status'],
  properties: {
    requestId: UUID,
    organizationId: UUID,
    userId: { type: 'string' },
    message: PERSONAL_TEXT,
    requestedAt: TIME,
    status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'cancelled', 'withdrawn'], description: 'withdrawn: the requester was erased' },
    grantedRole: ROLE,
    reason: PERSONAL_TEXT,
    handledAt: TIME,
    handledBy: { type: 'string' },
  },
};

const PARTNER_ACCESS: SchemaObject = { type: 'string', enum: ['read', 'write'], description: "The partnership's access level, a ceiling: read, or read and change, what the organization shares with partners" };

export const PARTNER_VIEW: SchemaObject = {
  type: 'object',
  required: ['partnershipId', 'partnerOrganizationId', 'name', 'access', 'status', 'invitedAt', 'invitedBy'],
  properties: {
    partnershipId: UUID,
    partnerOrganizationId: { ...UUID, nullable: true, description: 'null while a partner invited by its contact has not accepted' },
    name: { type: 'string', description: "The partner organization's name; for a contact invitation not accepted yet, the name it was given" },
    access: PARTNER_ACCESS,
    status: { type: 'string', enum: ['pending', 'active'] },
    invitedAt: TIME,
    invitedBy: { type: 'string' },
    acceptedAt: TIME,
    acceptedBy: { type: 'string', description: 'The admin of the partner organization who accepted' },
  },
};

export const PARTNER_OF_VIEW: SchemaObject = {
  type: 'object',
  required: ['partnershipId', 'organizationId', 'name', 'access', 'since'],
  properties: {
    partnershipId: UUID,
    organizationId: { ...UUID, description: 'The organization this one is a partner of' },
    name: { type: 'string' },
    access: PARTNER_ACCESS,
    since: TIME,
  },
};

export const itemsOf = (item: SchemaObject): SchemaObject => ({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: item } } });

export const ACTIVITY: SchemaObject = {
  type: 'object',
  required: ['eventId', 'organizationId', 'position', 'at', 'type', 'actor'],
  properties: {
    eventId: UUID,
    organizationId: UUID,
    position: DECIMAL,
    at: TIME,
    type: { type: 'string', description: 'The event type, e.g. JoinApproved' },
    actor: { type: 'string', description: 'User id of who did it' },
    subjectUserId: { type: 'string' },
    subjectEmail: PERSONAL_TEXT,
    role: ROLE,
    departmentId: { ...NULLABLE_DEPARTMENT_ID, description: 'The department the event names (null: organization-wide)' },
  },
};

export const DASHBOARD: SchemaObject = {
  type: 'object',
  required: [
    'organizationId',
    'name',
    'description',
    'memberCounts',
    'memberCount',
    'membersByRole',
    'membersByDepartment',
    'partnerCount',
    'recentActivity',
    'memberCountsOverTime',
    'position',
  ],
  properties: {
    organizationId: UUID,
    name: { type: 'string' },
    description: { type: 'string' },
    memberCounts: MEMBER_COUNTS,
    memberCount: { type: 'integer', minimum: 0 },
    membersByRole: {
      type: 'object',
      required: [...ROLES],
      properties: Object.fromEntries(ROLES.map((role) => [role, { type: 'array', items: MEMBER_VIEW, maxItems: 50 }])),
    },
    membersByDepartment: {
      type: 'object',
      required: ['departments', 'organizationWide'],
      properties: {
        departments: { type: 'array', items: DEPARTMENT_VIEW },
        organizationWide: { type: 'integer', minimum: 0, description: 'Active members not restricted to a department' },
      },
    },
    partnerCount: { type: 'integer', minimum: 0, description: 'Active partners (deleted partner organizations not counted)' },
    pendingJoinRequests: { type: 'array', items: JOIN_REQUEST_VIEW, description: 'Editors, admins and superadmins only' },
    pendingInvitations: { type: 'array', items: INVITATION_VIEW, description: 'Admins and superadmins only: those not handled, each `pending` or `expired`' },
    invitationCounts: {
      type: 'object',
      description: 'Admins and superadmins only: the invitations not handled, counted by status',
      required: ['pending', 'expired'],
      properties: { pending: { type: 'integer', minimum: 0 }, expired: { type: 'integer', minimum: 0 } },
    },
    recentActivity: { type: 'array', items: ACTIVITY, maxItems: 20 },
    memberCountsOverTime: {
      type: 'array',
      items: {
        type: 'object',
        required: ['day', ...ROLES, 'total'],
        properties: { day: { type: 'string', format: 'date' }, ...MEMBER_COUNTS.properties, total: { type: 'integer', minimum: 0 } },
      },
    },
    position: DECIMAL,
  },
};

/** A user's list: `{userId, items}`. */
const userItemsOf = (item: SchemaObject): SchemaObject => ({
  type: 'object',
  required: ['userId', 'items'],
  properties: { userId: { type: 'string' }, items: { type: 'array', items: item } },
});

export const USER_ORGANIZATIONS: SchemaObject = userItemsOf({
  type: 'object',
  required: ['organizationId', 'name', 'role', 'since', 'via'],
  properties: { organizationId: UUID, name: { type: 'string' }, role: ROLE, since: TIME, via: { type: 'string' } },
});

export const USER_INVITATIONS: SchemaObject = userItemsOf({
  type: 'object',
  required: ['invitationId', 'organizationId', 'organizationName', 'invitee', 'role', 'invitedBy', 'invitedAt', 'expiresAt', 'status', 'departmentId', 'defaultDatasetRole'],
  properties: {
    invitationId: UUID,
    organizationId: UUID,
    organizationName: { type: 'string' },
    invitee: INVITEE,
    role: ROLE,
    invitedBy: { type: 'string', description: 'User id of who invited' },
    invitedAt: TIME,
    expiresAt: TIME,
    status: { type: 'string', enum: ['pending', 'expired'], description: '`expired`: past expiresAt; an admin may resend it' },
    departmentId: { ...NULLABLE_DEPARTMENT_ID, description: 'Where acceptance places the user; null: organization-wide' },
    defaultDatasetRole: DATASET_ROLE,
  },
});

/** One permission question, as parseCheck accepts it (fields it does not know are ignored). */
export const PERMISSION_CHECK: SchemaObject = {
  type: 'object',
  required: ['userId', 'organizationId', 'action'],
  properties: {
    userId: USER_ID,
    organizationId: UUID,
    action: { type: 'string', enum: [...ACTIONS] },
    departmentId: { ...NULLABLE_DEPARTMENT_ID, description: "The resource's department; absent or null: a resource without department" },
    at: FIELD_SCHEMAS.at,
  },
};

export const PERMISSION_ANSWER: SchemaObject = {
  type: 'object',
  required: ['allowed', 'role', 'reason', 'departmentId', 'via', 'partnerOrganizationId', 'access'],
  properties: {
    allowed: { type: 'boolean' },
    role: { type: 'string', enum: [...ROLES, null], nullable: true, description: "The user's role in the organization (via partner: in the partner organization), null when none" },
    reason: {
      type: 'string',
      description: 'Why, in words (unknown or deleted organization, the role that grants or lacks it, the department rule that refuses it)',
    },
    departmentId: {
      ...NULLABLE_DEPARTMENT_ID,
      description: "The member's department, null when organization-wide, not a member or via partner; for a creation without department, where the new resource belongs",
    },
    via: {
      type: 'string',
      enum: ['membership', 'partner'],
      description: 'partner: the user is not a member but a member of an active partner organization; the caller must still check that the resource is shared with partners',
    },
    partnerOrganizationId: { ...UUID, nullable: true, description: 'Via partner: the partner organization the user is a member of; null otherwise' },
    access: { ...PARTNER_ACCESS, enum: ['read', 'write', null], nullable: true, description: "Via partner: the partnership's access level (a ceiling); null otherwise" },
  },
};

export const batchOf = (max: number): { request: SchemaObject; answer: SchemaObject } => ({
  request: { type: 'object', required: ['checks'], properties: { checks: { type: 'array', minItems: 1, maxItems: max, items: PERMISSION_CHECK } } },
  answer: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        description: 'In the order asked',
        items: { ...PERMISSION_ANSWER, required: [...PERMISSION_CHECK.required!, ...PERMISSION_ANSWER.required!], properties: { ...PERMISSION_CHECK.properties, ...PERMISSION_ANSWER.properties } },
      },
    },
  },
});

/** GET /users/:userId/personal-data (RGPD article 15): what the read models hold about a person. */
export const PERSONAL_DATA: SchemaObject = {
  type: 'object',
  required: ['userId', 'memberships', 'invitations', 'joinRequests', 'partnerInvitations', 'history'],
  properties: {
    userId: { type: 'string' },
    memberships: {
      type: 'array',
      description: 'Every membership, ended ones too (status active, left, removed or erased)',
      items: {
        type: 'object',
        required: ['organizationId', 'userId', 'status'],
        properties: {
          organizationId: UUID,
          userId: { type: 'string' },
          role: ROLE,
          status: { type: 'string', enum: ['active', 'left', 'removed', 'erased'] },
          organizationStatus: { type: 'string', enum: ['active', 'deleted'] },
          since: TIME,
          via: { type: 'string' },
        },
      },
    },
    invitations: { type: 'array', items: INVITATION_VIEW_STORED(), description: 'To their user id, or to the e-mail address their token verifies' },
    joinRequests: { type: 'array', items: JOIN_REQUEST_VIEW },
    partnerInvitations: {
      type: 'array',
      description: 'Partnership invitations to the e-mail address their token verifies, as the contact of a partner not on the portal yet (Data Fair)',
      items: {
        type: 'object',
        required: ['partnershipId', 'organizationId', 'status'],
        properties: {
          partnershipId: UUID,
          organizationId: UUID,
          partnerOrganizationId: { ...UUID, nullable: true },
          partnerName: { type: 'string' },
          access: PARTNER_ACCESS,
          status: { type: 'string', enum: ['pending', 'active', 'declined', 'ended', 'withdrawn'] },
          invitedAt: TIME,
          invitedBy: { type: 'string' },
        },
      },
    },
    history: { type: 'array', items: ACTIVITY, description: 'Every recorded change that names them, as the subject or the actor, oldest first' },
  },
};

/** An invitation as stored, without the `expired` the organization's list adds. */
function INVITATION_VIEW_STORED(): SchemaObject {
  return { ...INVITATION_VIEW, required: (INVITATION_VIEW.required ?? []).filter((field) => field !== 'expired') };
}

/** POST /users/:userId/erasure: what the erasure did, by organization. */
export const ERASURE_REPORT: SchemaObject = {
  type: 'object',
  required: ['userId', 'organizationsLeft', 'invitationsWithdrawn', 'requestsWithdrawn', 'partnerInvitationsWithdrawn', 'organizationsWithoutAdmin'],
  properties: {
    userId: { type: 'string' },
    organizationsLeft: { type: 'array', items: UUID, description: 'Organizations whose membership ended' },
    invitationsWithdrawn: {
      type: 'array',
      items: { type: 'object', required: ['organizationId', 'invitationId'], properties: { organizationId: UUID, invitationId: UUID } },
    },
    requestsWithdrawn: {
      type: 'array',
      items: { type: 'object', required: ['organizationId', 'requestId'], properties: { organizationId: UUID, requestId: UUID } },
    },
    partnerInvitationsWithdrawn: {
      type: 'array',
      description: "Pending partnership invitations to the person's address as a partner's contact",
      items: { type: 'object', required: ['organizationId', 'partnershipId'], properties: { organizationId: UUID, partnershipId: UUID } },
    },
    organizationsWithoutAdmin: { type: 'array', items: UUID, description: 'Organizations this erasure left without an organization-wide admin' },
  },
  example: {
    userId: 'user-bob',
    organizationsLeft: ['5d0c6c2e-8f0e-4d7a-9c1b-2f4e6a8b0c1d'],
    invitationsWithdrawn: [],
    requestsWithdrawn: [{ organizationId: '0e7f3a2b-1c4d-4e5f-8a9b-0c1d2e3f4a5b', requestId: '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98' }],
    partnerInvitationsWithdrawn: [],
    organizationsWithoutAdmin: ['5d0c6c2e-8f0e-4d7a-9c1b-2f4e6a8b0c1d'],
  },
};
