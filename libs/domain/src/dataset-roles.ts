import type { Role } from './roles';

/**
 * The default dataset role (Segments): how a member is added as a collaborator to the
 * organization's new datasets. `none` means "do not add".
 */
export const DATASET_ROLES = ['none', 'reader', 'contributor', 'manager'] as const;
export type DatasetRole = (typeof DATASET_ROLES)[number];

export function isDatasetRole(value: unknown): value is DatasetRole {
  return typeof value === 'string' && (DATASET_ROLES as readonly string[]).includes(value);
}

const FOLLOWS_ROLE: Readonly<Record<Role, DatasetRole>> = { member: 'reader', editor: 'contributor', admin: 'manager' };

/**
 * The default dataset role a membership gets when none is given: it follows the organization
 * role at that moment and is recorded as such (a later role change does not change it).
 */
export function defaultDatasetRoleFor(role: Role): DatasetRole {
  return FOLLOWS_ROLE[role];
}
