import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import type { ParameterObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { DATASET_ROLES, DEPARTMENT_ID_PATTERN, ORGANIZATION_LIMITS as LIMITS, PARTNER_ACCESSES, ROLES, TEXT_PATTERNS, type CommandField } from '@roster/domain';

/** Schemas of the values that answers share (query, check and audit answers). */
export const TIME_SCHEMA: SchemaObject = { type: 'string', format: 'date-time' };
export const UUID_SCHEMA: SchemaObject = { type: 'string', format: 'uuid' };
export const DECIMAL_SCHEMA: SchemaObject = { type: 'string', pattern: '^\\d+$', description: '64-bit integer as a decimal string' };
export const ROLE_SCHEMA: SchemaObject = { type: 'string', enum: [...ROLES] };
/** A department's id: the domain's slug (departments.ts), 1 to 64 characters. */
export const DEPARTMENT_ID_SCHEMA: SchemaObject = { type: 'string', minLength: 1, maxLength: 64, pattern: DEPARTMENT_ID_PATTERN.source, description: 'A department id (a slug)' };
export const DATASET_ROLE_SCHEMA: SchemaObject = { type: 'string', enum: [...DATASET_ROLES], description: 'How the member is added to new datasets' };

/** A user id of the identity provider, in a path or a body (validUserId). */
export const USER_ID_SCHEMA: SchemaObject = { type: 'string', minLength: 1, maxLength: LIMITS.idMaxLength, pattern: TEXT_PATTERNS.oneLine };

// The rules count length in UTF-16 code units, as JavaScript does; JSON Schema counts characters.
const UTF16 = 'lengths count UTF-16 code units (a character beyond U+FFFF counts as two)';
const ONE_LINE = `One line, not blank: no control or format characters; ${UTF16}`;
const MULTI_LINE = `Line breaks and tabs allowed; no other control or format characters; ${UTF16}`;

/**
 * The schema of every command field, from the domain's limits and patterns (fields.ts), as
 * FieldRule writes it on a request DTO's property and the path parameters use it. A Record
 * over every field: a new field does not compile until it says its schema here.
 */
export const FIELD_SCHEMAS: Record<CommandField, SchemaObject> = {
  name: { type: 'string', minLength: LIMITS.nameMinLength, maxLength: LIMITS.nameMaxLength, pattern: TEXT_PATTERNS.oneLine, description: `${ONE_LINE}; trimmed` },
  description: { type: 'string', maxLength: LIMITS.descriptionMaxLength, pattern: TEXT_PATTERNS.multiLine, description: MULTI_LINE },
  message: { type: 'string', maxLength: LIMITS.messageMaxLength, pattern: TEXT_PATTERNS.multiLine, description: MULTI_LINE },
  reason: { type: 'string', maxLength: LIMITS.reasonMaxLength, pattern: TEXT_PATTERNS.multiLine, description: MULTI_LINE },
  userId: { ...USER_ID_SCHEMA, description: ONE_LINE },
  email: { type: 'string', maxLength: LIMITS.emailMaxLength, pattern: TEXT_PATTERNS.email, description: 'An e-mail address; compared trimmed and lower-cased' },
  role: ROLE_SCHEMA,
  expiresInDays: { type: 'integer', minimum: LIMITS.expiresInDaysMin, maximum: LIMITS.expiresInDaysMax },
  departmentId: DEPARTMENT_ID_SCHEMA,
  defaultDatasetRole: DATASET_ROLE_SCHEMA,
  access: {
    type: 'string',
    enum: [...PARTNER_ACCESSES],
    description: "The partnership's ceiling: `read` (the partner's members read the resources shared with partners) or `write` (its editors and admins also change them)",
  },
  partnerOrganizationId: { ...UUID_SCHEMA, description: 'An organization id (a UUID the service made)' },
  contactEmail: { type: 'string', maxLength: LIMITS.emailMaxLength, pattern: TEXT_PATTERNS.email, description: "A contact's e-mail address (personal data); compared trimmed and lower-cased" },
  organizationId: { ...UUID_SCHEMA, description: 'An organization id (a UUID the service made)' },
  at: {
    ...TIME_SCHEMA,
    description:
      'A past instant (RFC 3339; as for as-of, a date alone is 00:00 UTC and no offset means UTC): the answer the check gave then. ' +
      'Malformed: 400 VALIDATION.TIME; later than the service\'s clock: 400 VALIDATION.TIME_FUTURE',
  },
};

/** A personal field in an answer (libs/domain/src/personal-data.ts): its text, or `{"erased": true}` once its owner is erased. */
export const PERSONAL_TEXT_SCHEMA: SchemaObject = {
  oneOf: [
    { type: 'string' },
    { type: 'object', required: ['erased'], properties: { erased: { type: 'boolean', enum: [true] } }, additionalProperties: false },
  ],
  description: 'Personal data: the text, or {"erased": true} once its owner was erased',
};

export const INVITEE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', enum: ['user', 'email'] }, userId: { type: 'string' }, email: PERSONAL_TEXT_SCHEMA },
};

export class FieldErrorSchema {
  @ApiProperty({ example: 'name' }) field!: string;
  @ApiProperty({ example: 'VALIDATION.NAME' }) code!: string;
  @ApiProperty() message!: string;
}

/** application/problem+json, as every error answer. */
export class ProblemSchema {
  @ApiProperty({ example: 'urn:roster:problem:MEMBERSHIP.LAST_ADMIN' }) type!: string;
  @ApiProperty({ example: 'Conflict' }) title!: string;
  @ApiProperty({ example: 409 }) status!: number;
  @ApiProperty({ example: 'MEMBERSHIP.LAST_ADMIN', description: 'Stable machine-readable code' }) code!: string;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional({ type: [FieldErrorSchema] }) errors?: FieldErrorSchema[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON, unknown fields, wrong types, over-long text, bad ids, unknown roles, actions or event types, bad query parameters or headers',
  401: 'No valid bearer token',
  403: "The caller's role does not allow it, or their department does not (a department admin outside their department)",
  404: 'Unknown organization, invitation, request, member, department, partner or partnership',
  409: "The organization's state refuses it (already a member, last admin, deleted organization, department already there or not empty, a partnership already there or no longer pending, concurrent change)",
  410: 'The organization (or the partner organization) was deleted',
  413: 'The body is larger than 256 KiB',
  414: 'A path segment (an id) is longer than any id (REQUEST.PATH_SEGMENT_TOO_LONG, from the router, before the route runs)',
  415: 'The body is not application/json',
  422: 'The Idempotency-Key was already used for a different request',
  429: 'Too many commands from this user: retry after Retry-After seconds',
  503: 'The read models did not reach X-Min-Position in time or too many queries wait (with Retry-After), the event store does not answer, or the service has no audit signing key (AUDIT.SIGNING_KEY_MISSING)',
};

const problemResponse = (status: number) => ({
  description: DESCRIPTIONS[status],
  content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
});

/** The error answers of a route, documented once, each as application/problem+json. */
export function ProblemResponses(...statuses: number[]) {
  return applyDecorators(ApiExtraModels(ProblemSchema, FieldErrorSchema), ...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })));
}

/** A route behind AuthGuard (every one but @Public()): the bearer token, its 401, and the route's other errors. */
export function SecuredRoute(...statuses: number[]) {
  return applyDecorators(ApiBearerAuth(), ProblemResponses(400, 401, ...statuses));
}

/** Headers, auth and errors every command route takes. */
export function CommandRoute() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Retrying with the same key answers as the first request did, without doing it twice (1-200 printable ASCII characters)',
      schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x20-\\x7e]+$' },
    }),
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: "Recorded in the events; echoed in the answer (1-200 printable ASCII characters, else the request's X-Request-Id)",
    }),
    ApiHeader({
      name: 'X-Request-Id',
      required: false,
      description: 'Names every log line of this request and is echoed in the answer, on every route (1-128 letters, digits and ._:-, else a new one is made)',
    }),
    ApiHeader({
      name: 'traceparent',
      required: false,
      description:
        'W3C Trace Context: recorded in the events (history shows it), carried on their Kafka messages (CloudEvents distributed tracing extension) and logged; an invalid one is ignored',
    }),
    ApiHeader({ name: 'tracestate', required: false, description: 'W3C Trace Context, kept with a valid traceparent' }),
    SecuredRoute(403, 404, 409, 413, 415, 422),
  );
}

/** Query routes read the read models, which may lag the event store: X-Min-Position waits for a command's position. */
export function QueryRoute(...statuses: number[]) {
  return applyDecorators(
    ApiHeader({
      name: 'X-Min-Position',
      required: false,
      description:
        "Answer only once the read models reflect this position (a command answer's `position`): 503 READ_MODEL.BEHIND after 5 s, " +
        "503 READ_MODEL.BUSY when too many queries wait, 400 VALIDATION.MIN_POSITION beyond the store's last position",
      schema: { type: 'string', pattern: '^\\s*\\d{1,20}\\s*$' },
    }),
    SecuredRoute(503, ...statuses),
  );
}


/**
 * Path parameters by name, as ServiceIdPipe, UserIdPipe and DepartmentIdPipe check them: ids the
 * service made (organizations, invitations, requests) are UUIDs, user ids non-blank text up to the
 * id limit, department ids slugs.
 * Applied to the whole document, so that no route can forget it.
 */
const PATH_PARAMETERS: Record<string, { readonly description: string; readonly schema: object }> = {
  orgId: { description: 'Organization id (a UUID the service made)', schema: UUID_SCHEMA },
  invitationId: { description: 'Invitation id (a UUID the service made)', schema: UUID_SCHEMA },
  requestId: { description: 'Join request id (a UUID the service made)', schema: UUID_SCHEMA },
  partnershipId: { description: 'Partnership id (a UUID the service made)', schema: UUID_SCHEMA },
  userId: { description: "User id (the token's `sub` of that user)", schema: USER_ID_SCHEMA },
  departmentId: { description: 'Department id (a slug an admin chose: a-z, 0-9 and -, not starting with -)', schema: DEPARTMENT_ID_SCHEMA },
};

/**
 * Every path parameter with its schema, and every route that has one with its 414: the router
 * (maxParamLength) refuses a segment longer than any id before the route and its pipes run.
 */
export function describePathParameters(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      const { parameters, responses } = (operation ?? {}) as { parameters?: ParameterObject[]; responses?: Record<string, unknown> };
      const inPath = (parameters ?? []).filter((parameter) => parameter.in === 'path');
      for (const parameter of inPath) {
        const known = PATH_PARAMETERS[parameter.name];
        if (known) Object.assign(parameter, { description: known.description, schema: { ...known.schema } });
      }
      if (inPath.length > 0 && responses) responses['414'] ??= problemResponse(414);
    }
  }
  return document;
}
