import { DomainError, validation } from './errors';
import type { Invitee } from './events';
import { DATASET_ROLES, isDatasetRole, type DatasetRole } from './dataset-roles';
import { isDepartmentId } from './departments';
import { isServiceId } from './ids';
import { parseIsoTime } from './instants';
import { isPartnerAccess, PARTNER_ACCESSES, type PartnerAccess } from './partners';
import { isRole, ROLES, type Role } from './roles';

/**
 * The rules of every field a command carries, and its one code. decide applies them, and
 * the HTTP request DTOs run the same rule (FieldRule), so a field is refused with the same
 * code and the same words whichever layer sees it first.
 */
export const FIELD_CODES = {
  name: 'VALIDATION.NAME',
  description: 'VALIDATION.DESCRIPTION',
  message: 'VALIDATION.MESSAGE',
  reason: 'VALIDATION.REASON',
  userId: 'VALIDATION.USER_ID',
  email: 'VALIDATION.EMAIL',
  role: 'VALIDATION.ROLE',
  expiresInDays: 'VALIDATION.EXPIRES_IN_DAYS',
  departmentId: 'VALIDATION.DEPARTMENT_ID',
  defaultDatasetRole: 'VALIDATION.DEFAULT_DATASET_ROLE',
  /** A partnership's access level. */
  access: 'VALIDATION.ACCESS',
  /** The organization invited as a partner, by id. */
  partnerOrganizationId: 'VALIDATION.PARTNER_ORGANIZATION_ID',
  /** The e-mail of a partner invited by its contact. */
  contactEmail: 'VALIDATION.CONTACT_EMAIL',
  /** The organization a contact names when accepting a partnership. */
  organizationId: 'VALIDATION.ORGANIZATION_ID',
  /** The instant a permission check asks about (not a command's: the check's only). Its future is refused apart: validPastInstant. */
  at: 'VALIDATION.TIME',
} as const;

export type CommandField = keyof typeof FIELD_CODES;

/** Input limits: the rules below apply them; the OpenAPI document shows them (FIELD_SCHEMAS in the HTTP layer). */
export const ORGANIZATION_LIMITS = {
  nameMinLength: 1,
  nameMaxLength: 200,
  descriptionMaxLength: 2000,
  /** Join-request message and rejection reason. */
  messageMaxLength: 1000,
  reasonMaxLength: 1000,
  expiresInDaysMin: 1,
  expiresInDaysMax: 30,
  expiresInDaysDefault: 7,
  emailMaxLength: 254,
  idMaxLength: 128,
  /**
   * Pending invitations one person (an admin, a superadmin) may have sent in one organization
   * and not seen answered, revoked or replaced: what one account can leave pending there.
   * Several admins together may have more (a portal importing 10,000 invitees).
   */
  pendingInvitationsPerInviterMax: 1000,
  /** E-mail addresses one erasure names beside the person's user id. */
  erasureEmailsMax: 20,
} as const;

// Control (Cc) and format (Cf: bidi overrides, zero-width characters, ...) characters and
// lone surrogates: they hide or reorder what a reader sees, or break a log line or a consumer.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Cs}]/u;
// A text written over several lines (a description, a message, a reason) keeps its line
// breaks and tabs; a name, an id or an e-mail address is one line and keeps none.
const CONTROL_OR_FORMAT_BUT_LINES = /(?![\n\r\t])[\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * The same rules as ECMA-262 `pattern`s for the OpenAPI document: an explicit class of the
 * BMP's Cc and Cf code points (Unicode 17, as Node's \p{Cc}/\p{Cf}), since tools read JSON
 * Schema patterns without the `u` flag. fields.spec.ts checks that every BMP code point is
 * judged alike by pattern and rule. What a pattern cannot say: lone surrogates and the
 * astral Cf characters (e.g. U+E0001 tags), refused by the rules above all the same.
 */
const BMP_FORMAT = '\\xAD\\u0600-\\u0605\\u061C\\u06DD\\u070F\\u0890\\u0891\\u08E2\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u206F\\uFEFF\\uFFF9-\\uFFFB';
const BMP_CONTROL_OR_FORMAT = `\\x00-\\x1F\\x7F-\\x9F${BMP_FORMAT}`;
// Tab (09), line feed (0A) and carriage return (0D) left out.
const BMP_CONTROL_OR_FORMAT_BUT_LINES = `\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F${BMP_FORMAT}`;
export const TEXT_PATTERNS = {
  /** One line, not blank (a name, a user id): no control or format character, something besides white space. */
  oneLine: `^[^${BMP_CONTROL_OR_FORMAT}]*[^${BMP_CONTROL_OR_FORMAT}\\s][^${BMP_CONTROL_OR_FORMAT}]*$`,
  /** Over several lines (a description, a message, a reason): line breaks and tabs, no other control or format character. */
  multiLine: `^[^${BMP_CONTROL_OR_FORMAT_BUT_LINES}]*$`,
  /** An e-mail address as validEmail takes it: white space around it is trimmed away. */
  email: `^\\s*[^${BMP_CONTROL_OR_FORMAT}\\s@]+@[^${BMP_CONTROL_OR_FORMAT}\\s@]+\\.[^${BMP_CONTROL_OR_FORMAT}\\s@.]+\\s*$`,
} as const;

/** Shape only (something@domain.tld, no spaces); ownership is proved by the token's claim. */
export const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

const refuse = (field: CommandField, message: string): DomainError => validation(FIELD_CODES[field], message);

/** Refuses control and format characters (line breaks and tabs too, unless `multiLine`). */
function assertPrintable(text: string, field: CommandField, multiLine: boolean): string {
  if ((multiLine ? CONTROL_OR_FORMAT_BUT_LINES : CONTROL_OR_FORMAT).test(text)) {
    throw refuse(field, `${field} must not contain control or format characters${multiLine ? ' (line breaks and tabs are fine)' : ''}`);
  }
  return text;
}

/** Free text of at most `max` characters, over several lines. */
function validText(value: unknown, field: CommandField, max: number): string {
  if (typeof value !== 'string' || value.length > max) throw refuse(field, `${field} must be text of at most ${max} characters`);
  return assertPrintable(value, field, true);
}

/** Ids the service makes for what a command creates (organizations, invitations, requests). */
export function assertValidId(id: unknown, field: string): void {
  if (typeof id !== 'string' || id.trim().length === 0 || id.length > ORGANIZATION_LIMITS.idMaxLength || CONTROL_OR_FORMAT.test(id)) {
    throw validation('VALIDATION.ID', `${field} must be a non-empty id of at most ${ORGANIZATION_LIMITS.idMaxLength} characters`);
  }
}

/** An organization's name, trimmed: one line. */
export function validName(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length < ORGANIZATION_LIMITS.nameMinLength || text.length > ORGANIZATION_LIMITS.nameMaxLength) {
    throw refuse('name', `name must be ${ORGANIZATION_LIMITS.nameMinLength} to ${ORGANIZATION_LIMITS.nameMaxLength} characters, not blank`);
  }
  // The whole value is judged: a line break at either end is refused, not trimmed away.
  assertPrintable(value as string, 'name', false);
  return text;
}

export const validDescription = (value: unknown): string => validText(value, 'description', ORGANIZATION_LIMITS.descriptionMaxLength);
export const validMessage = (value: unknown): string => validText(value, 'message', ORGANIZATION_LIMITS.messageMaxLength);
export const validReason = (value: unknown): string => validText(value, 'reason', ORGANIZATION_LIMITS.reasonMaxLength);

/** A user id of the identity provider: one line, not blank. */
export function validUserId(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > ORGANIZATION_LIMITS.idMaxLength) {
    throw refuse('userId', `userId must be a non-empty id of at most ${ORGANIZATION_LIMITS.idMaxLength} characters`);
  }
  return assertPrintable(value, 'userId', false);
}

/** An e-mail address as invitations record and match it: trimmed and lower-cased. */
export const normalizedEmail = (email: string): string => email.trim().toLowerCase();

export function validEmail(value: unknown): string {
  const email = typeof value === 'string' ? normalizedEmail(value) : '';
  if (email.length > ORGANIZATION_LIMITS.emailMaxLength || !EMAIL_SHAPE.test(email) || CONTROL_OR_FORMAT.test(email)) {
    throw refuse('email', 'email must be an e-mail address');
  }
  return email;
}

export function validRole(value: unknown): Role {
  if (!isRole(value)) throw refuse('role', `role must be one of ${ROLES.join(', ')}`);
  return value;
}

export function validExpiresInDays(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < ORGANIZATION_LIMITS.expiresInDaysMin || value > ORGANIZATION_LIMITS.expiresInDaysMax) {
    throw refuse('expiresInDays', `expiresInDays must be a whole number from ${ORGANIZATION_LIMITS.expiresInDaysMin} to ${ORGANIZATION_LIMITS.expiresInDaysMax}`);
  }
  return value;
}

/** A department id: a slug the portal's other services store on their resources. */
export function validDepartmentId(value: unknown): string {
  if (!isDepartmentId(value)) throw refuse('departmentId', 'departmentId must be a slug: a-z, 0-9 and -, 1 to 64 characters, not starting with -');
  return value;
}

export function validDatasetRole(value: unknown): DatasetRole {
  if (!isDatasetRole(value)) throw refuse('defaultDatasetRole', `defaultDatasetRole must be one of ${DATASET_ROLES.join(', ')}`);
  return value;
}

/** Exactly one of a user id and an e-mail address. */
export function validInvitee(invitee: unknown): Invitee {
  const given = (invitee ?? {}) as { userId?: unknown; email?: unknown };
  const hasUser = given.userId !== undefined;
  if (hasUser === (given.email !== undefined)) throw validation('VALIDATION.INVITEE', 'Invite either a userId or an email');
  return hasUser ? { kind: 'user', userId: validUserId(given.userId) } : { kind: 'email', email: validEmail(given.email) };
}

export function validPartnerAccess(value: unknown): PartnerAccess {
  if (!isPartnerAccess(value)) throw refuse('access', `access must be one of ${PARTNER_ACCESSES.join(', ')}`);
  return value;
}

/** An organization's id as the service made it (a UUID), lower-cased as stream ids are. */
function validOrganizationIdOf(field: 'partnerOrganizationId' | 'organizationId', value: unknown): string {
  if (!isServiceId(value)) throw refuse(field, `${field} must be an organization id (a UUID)`);
  return value.toLowerCase();
}

export const validPartnerOrganizationId = (value: unknown): string => validOrganizationIdOf('partnerOrganizationId', value);
export const validOrganizationId = (value: unknown): string => validOrganizationIdOf('organizationId', value);

/** The contact's e-mail, trimmed and lower-cased as the accepting admin's verified e-mail is compared. */
export function validContactEmail(value: unknown): string {
  const refusal = fieldRefusal('email', value);
  if (refusal) throw refuse('contactEmail', 'contactEmail must be an e-mail address');
  return validEmail(value);
}

/** Exactly one of a partner organization's id and a contact ({name, contactEmail}). */
export function validPartner(partner: unknown): { organizationId: string } | { name: string; contactEmail: string } {
  const given = (partner ?? {}) as { organizationId?: unknown; name?: unknown; contactEmail?: unknown };
  const byId = given.organizationId !== undefined;
  const byContact = given.name !== undefined || given.contactEmail !== undefined;
  if (byId === byContact) {
    throw validation('VALIDATION.PARTNER', 'Invite a partner either by partnerOrganizationId, or by name and contactEmail');
  }
  if (byId) return { organizationId: validPartnerOrganizationId(given.organizationId) };
  return { name: validName(given.name), contactEmail: validContactEmail(given.contactEmail) };
}

const FIELD_RULES: Record<CommandField, (value: unknown) => unknown> = {
  name: validName,
  description: validDescription,
  message: validMessage,
  reason: validReason,
  userId: validUserId,
  email: validEmail,
  role: validRole,
  expiresInDays: validExpiresInDays,
  departmentId: validDepartmentId,
  defaultDatasetRole: validDatasetRole,
  access: validPartnerAccess,
  partnerOrganizationId: validPartnerOrganizationId,
  contactEmail: validContactEmail,
  organizationId: validOrganizationId,
  at: (value) => parseIsoTime(value, 'at'),
};

/** Why `value` is refused for `field` (a validation DomainError with the field's code), or undefined when it passes. */
export function fieldRefusal(field: CommandField, value: unknown): DomainError | undefined {
  try {
    FIELD_RULES[field](value);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}
