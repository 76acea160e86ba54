import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { IMPORT_SYSTEMS, ORGANIZATION_EVENT_TYPES } from '@roster/domain';
import { AUDIT_EXPORT_FORMAT, CHAIN_FAILURE_REASONS } from '@roster/audit';
import {
  DATASET_ROLE_SCHEMA as DATASET_ROLE,
  DECIMAL_SCHEMA as DECIMAL,
  DEPARTMENT_ID_SCHEMA as DEPARTMENT_ID,
  INVITEE_SCHEMA as INVITEE,
  PERSONAL_TEXT_SCHEMA as PERSONAL_TEXT,
  ROLE_SCHEMA as ROLE,
  TIME_SCHEMA as TIME,
  UUID_SCHEMA as UUID,
} from '../http/openapi';

/** The OpenAPI schemas of the audit answers (history entries, as-of view, chain verification). */

const NULLABLE_STRING: SchemaObject = { type: 'string', nullable: true };

export const HISTORY_ENTRY: SchemaObject = {
  type: 'object',
  required: ['position', 'revision', 'id', 'type', 'time', 'actor', 'data', 'correlationId', 'causationId', 'schemaVersion', 'command', 'reason', 'provenance', 'hash'],
  properties: {
    position: DECIMAL,
    revision: { ...DECIMAL, description: "0-based revision in the organization's stream" },
    id: UUID,
    type: { type: 'string', enum: [...ORGANIZATION_EVENT_TYPES] },
    time: { ...TIME, description: 'When the command that caused the event was handled' },
    actor: { type: 'object', description: 'Who did it: userId and platformRoles' },
    data: { type: 'object', description: 'The change, in the current schema version' },
    correlationId: NULLABLE_STRING,
    causationId: NULLABLE_STRING,
    schemaVersion: { type: 'integer', minimum: 1 },
    recordedSchemaVersion: { type: 'integer', minimum: 1, description: 'Present when recorded under an older version and upcast' },
    command: { ...NULLABLE_STRING, description: "The command's name, e.g. ApproveJoin" },
    reason: {
      description: 'The reason given (a rejection, a role change, a removal), null when none; personal data: `{ "erased": true }` once its owner was erased',
      // null matches the object branch only (nullable there), so oneOf holds for each of the three.
      oneOf: [{ type: 'string' }, { type: 'object', nullable: true, required: ['erased'], properties: { erased: { type: 'boolean', enum: [true] } } }],
    },
    provenance: {
      type: 'object',
      nullable: true,
      description: "For what `roster import` recorded: the source portal, the organization's id there and the source's date (null: none given, and for an import's events without their own source); null for what was done in Roster",
      required: ['system', 'id', 'since'],
      properties: { system: { type: 'string', enum: [...IMPORT_SYSTEMS] }, id: { type: 'string' }, since: { ...TIME, nullable: true } },
    },
    hash: { ...NULLABLE_STRING, description: "The event's link in the hash chain" },
    traceparent: { type: 'string', description: "The W3C traceparent of the command's request; present only when it carried a valid one" },
    tracestate: { type: 'string', description: 'The W3C tracestate sent with it, when there was one' },
  },
};

export const HISTORY_PAGE: SchemaObject = {
  type: 'object',
  required: ['organizationId', 'events', 'nextCursor'],
  properties: {
    organizationId: UUID,
    events: { type: 'array', items: HISTORY_ENTRY },
    nextCursor: { ...NULLABLE_STRING, description: 'Pass it back as `cursor` for the next page; null on the last page' },
  },
};

export const AS_OF_VIEW: SchemaObject = {
  type: 'object',
  description: 'Before the organization was created: exists false and createdAt; after: its state at `at`',
  required: ['organizationId', 'at', 'exists'],
  properties: {
    organizationId: UUID,
    at: TIME,
    exists: { type: 'boolean' },
    createdAt: { ...TIME, nullable: true, description: 'When exists is false: when the organization was created' },
    status: { type: 'string', enum: ['active', 'deleted'] },
    revision: { ...DECIMAL, description: 'Revision of the last event folded' },
    lastEventAt: TIME,
    profile: {
      type: 'object',
      required: ['name', 'description', 'createdAt'],
      properties: { name: { type: 'string' }, description: { type: 'string' }, createdAt: { ...TIME, nullable: true } },
    },
    members: {
      type: 'array',
      items: {
        type: 'object',
        required: ['userId', 'role', 'since', 'via', 'departmentId', 'defaultDatasetRole'],
        properties: {
          userId: { type: 'string' },
          role: ROLE,
          since: { ...TIME, nullable: true },
          via: { type: 'string' },
          departmentId: { ...DEPARTMENT_ID, nullable: true, description: "The member's department at `at`; null: organization-wide" },
          defaultDatasetRole: DATASET_ROLE,
        },
      },
    },
    departments: {
      type: 'array',
      description: 'The departments at `at`, by id',
      items: { type: 'object', required: ['departmentId', 'name'], properties: { departmentId: DEPARTMENT_ID, name: { type: 'string' } } },
    },
    partners: {
      type: 'array',
      description: 'The partnerships this organization granted, pending or active at `at`, by id (a contact invitation: the contact\'s name, never its e-mail address)',
      items: {
        type: 'object',
        required: ['partnershipId', 'partnerOrganizationId', 'contactName', 'access', 'status', 'invitedBy', 'invitedAt', 'since'],
        properties: {
          partnershipId: UUID,
          partnerOrganizationId: { ...UUID, nullable: true, description: 'null while only a contact was known' },
          contactName: NULLABLE_STRING,
          access: { type: 'string', enum: ['read', 'write'] },
          status: { type: 'string', enum: ['pending', 'active'] },
          invitedBy: { type: 'string' },
          invitedAt: { ...TIME, nullable: true },
          since: { ...TIME, nullable: true, description: 'When it was accepted' },
        },
      },
    },
    invitations: {
      type: 'array',
      description: 'Pending and unexpired at `at`',
      items: {
        type: 'object',
        required: ['invitationId', 'invitee', 'role', 'invitedBy', 'expiresAt', 'departmentId', 'defaultDatasetRole'],
        properties: {
          invitationId: UUID,
          invitee: INVITEE,
          role: ROLE,
          invitedBy: { type: 'string' },
          expiresAt: TIME,
          departmentId: { ...DEPARTMENT_ID, nullable: true },
          defaultDatasetRole: DATASET_ROLE,
        },
      },
    },
    joinRequests: {
      type: 'array',
      items: {
        type: 'object',
        required: ['requestId', 'userId'],
        properties: { requestId: UUID, userId: { type: 'string' }, message: PERSONAL_TEXT, requestedAt: TIME },
      },
    },
  },
};

export const VERIFY_ANSWER: SchemaObject = {
  type: 'object',
  required: ['organizationId', 'events', 'valid'],
  properties: {
    organizationId: UUID,
    events: { type: 'integer', minimum: 0, description: 'Events checked' },
    valid: { type: 'boolean' },
    firstInvalid: {
      type: 'object',
      description: 'The first event that does not match, when valid is false',
      required: ['revision', 'position', 'id', 'reason', 'detail'],
      properties: {
        revision: DECIMAL,
        position: DECIMAL,
        id: { type: 'string' },
        reason: { type: 'string', enum: [...CHAIN_FAILURE_REASONS] },
        detail: { type: 'string' },
      },
    },
    checkpoint: {
      type: 'object',
      description: 'The last signed checkpoint the stream was compared with (its head must still be there); absent when there is none',
      required: ['createdAt', 'revision'],
      properties: { createdAt: { type: 'string', format: 'date-time' }, revision: DECIMAL },
    },
  },
};

/** One line of a signed export: an event as stored, or (the last line) the signed manifest. docs/audit-export.md. */
export const EXPORT_LINE: SchemaObject = {
  type: 'object',
  description: 'An event line { streamId, revision, id, type, data, metadata, position, recordedAt } or the last line { manifest, signature }',
  properties: {
    streamId: { type: 'string' },
    revision: DECIMAL,
    id: { type: 'string' },
    type: { type: 'string' },
    data: {},
    metadata: { type: 'object' },
    position: DECIMAL,
    recordedAt: { type: 'string', format: 'date-time' },
    manifest: {
      type: 'object',
      required: ['format', 'organizationId', 'streamId', 'count', 'firstRevision', 'lastRevision', 'firstPosition', 'lastPosition', 'headHash', 'exportedAt', 'keyId'],
      properties: {
        format: { type: 'string', enum: [AUDIT_EXPORT_FORMAT] },
        organizationId: UUID,
        streamId: { type: 'string' },
        count: { type: 'integer', minimum: 1 },
        firstRevision: DECIMAL,
        lastRevision: DECIMAL,
        firstPosition: DECIMAL,
        lastPosition: DECIMAL,
        headHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        exportedAt: { type: 'string', format: 'date-time' },
        keyId: { type: 'string', pattern: '^[0-9a-f]{16}$' },
      },
    },
    signature: { type: 'string', description: 'base64url Ed25519 signature over the RFC 8785 form of manifest' },
  },
};
