import { checkPermission, type Action, type Permission, type PermissionDecision } from './permissions';
import type { Role } from './roles';

/**
 * Departments (Data Fair): a membership is organization-wide or restricted to one department,
 * and a member restricted to D works on D's resources only. The rules of that partition, for
 * decide and the permission check alike, live here.
 */

/** Chosen by an admin; the portal's other services store it on their resources, so it is a stable slug. */
export const DEPARTMENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isDepartmentId(value: unknown): value is string {
  return typeof value === 'string' && DEPARTMENT_ID_PATTERN.test(value);
}

/**
 * How the department of a member restricted to D bounds each action:
 * - `organization`: about the organization itself; needs an organization-wide role.
 * - `unscoped`: the organization's profile and member list, and join requests, which belong to
 *   no department yet: a restricted member does them as their role allows.
 * - `creates`: makes something new; without a department it goes into D, in another one it is refused.
 * - `resource`: acts on a resource, reads included: only on resources of D.
 * A Record over every action, so a new action does not compile until it is placed here.
 */
export type DepartmentScope = 'organization' | 'unscoped' | 'creates' | 'resource';

export const DEPARTMENT_SCOPES = {
  'organization.read': 'unscoped',
  'dataset.read': 'resource',
  'dataset.create': 'creates',
  'dataset.update': 'resource',
  'reuse.reference': 'resource',
  'discussion.reply': 'resource',
  'visualization.create': 'creates',
  'visualization.update': 'resource',
  'extension.create': 'creates',
  'membership.requests.read': 'unscoped',
  'dataset.administer': 'resource',
  'visualization.administer': 'resource',
  'membership.invite': 'creates',
  'membership.approve': 'creates',
  'membership.reject': 'unscoped',
  'membership.change-role': 'resource',
  'membership.remove': 'resource',
  'organization.update': 'organization',
  'organization.delete': 'organization',
  'processing.manage': 'resource',
  'reference-dataset.create': 'creates',
  'audit.read': 'unscoped',
  // The whole record, every department's people included.
  'audit.export': 'organization',
} as const satisfies Record<Permission, DepartmentScope>;

/**
 * Why the department rule refuses `action` to a member of `memberDepartmentId` on a resource of
 * `resourceDepartmentId` (null or absent: a resource without department); undefined when it
 * allows it. An organization-wide member (null) is never bounded by it.
 */
export function departmentRefusal(memberDepartmentId: string | null, action: Permission, resourceDepartmentId?: string | null): string | undefined {
  if (memberDepartmentId === null) return undefined;
  const restricted = `restricted to department ${memberDepartmentId}`;
  const scope: DepartmentScope = DEPARTMENT_SCOPES[action];
  if (scope === 'organization') return `${restricted}: ${action} needs an organization-wide role`;
  if (scope === 'unscoped') return undefined;
  const resource = resourceDepartmentId ?? null;
  if (resource === memberDepartmentId || (resource === null && scope === 'creates')) return undefined;
  return resource === null
    ? `${restricted}: ${action} on a resource without department`
    : `${restricted}: ${action} on a resource of department ${resource}`;
}

/** A member as the permission check sees them: their role and department (null: organization-wide). */
export interface MemberPlacement {
  readonly role: Role;
  readonly departmentId: string | null;
}

export interface DepartmentPermissionDecision extends PermissionDecision {
  /**
   * The member's department, null when organization-wide or not a member. When a restricted
   * member creates something without a department, this is where it belongs.
   */
  readonly departmentId: string | null;
}

/**
 * Roster's own actions on an organization (audit.read, audit.export): the role, then the
 * department rule; never a partnership. The audit routes and the read models' check both ask it.
 */
export function checkRosterPermission(member: MemberPlacement | undefined, action: Permission): DepartmentPermissionDecision {
  const departmentId = member?.departmentId ?? null;
  const byRole = checkPermission(member?.role, action);
  if (!byRole.allowed) return { ...byRole, departmentId };
  const refusal = departmentRefusal(departmentId, action);
  return refusal === undefined ? { ...byRole, departmentId } : { allowed: false, role: byRole.role, reason: refusal, departmentId };
}

/**
 * The permission check with departments: the role first (the permission table, checkPermission's
 * answer as it is), then the department rule. The reason of a department refusal names the rule
 * and the department.
 */
export function checkMemberPermission(
  member: MemberPlacement | undefined,
  action: Action,
  resourceDepartmentId?: string | null,
): DepartmentPermissionDecision {
  const departmentId = member?.departmentId ?? null;
  const byRole = checkPermission(member?.role, action);
  if (!byRole.allowed) return { ...byRole, departmentId };
  const refusal = departmentRefusal(departmentId, action, resourceDepartmentId);
  if (refusal !== undefined) return { allowed: false, role: byRole.role, reason: refusal, departmentId };
  if (departmentId === null) return { ...byRole, departmentId };
  return { ...byRole, reason: `${byRole.reason} in department ${departmentId}`, departmentId };
}
