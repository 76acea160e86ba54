import { ROLES, roleAtLeast, type Role } from './roles';

/**
 * The DESIGN.md permission table, as data: each action with the lowest organization role
 * that may do it. Roles are hierarchical (roles.ts), so a role may do every action whose
 * minimum it reaches. The command rules (decide) and the permission check both read this.
 */
export const PERMISSION_TABLE = {
  'organization.read': 'member',
  'dataset.read': 'member',
  'dataset.create': 'editor',
  'dataset.update': 'editor',
  'reuse.reference': 'editor',
  'discussion.reply': 'editor',
  'visualization.create': 'editor',
  'visualization.update': 'editor',
  'extension.create': 'editor',
  'membership.requests.read': 'editor',
  'dataset.administer': 'admin',
  'visualization.administer': 'admin',
  'membership.invite': 'admin',
  'membership.approve': 'admin',
  'membership.reject': 'admin',
  'membership.change-role': 'admin',
  'membership.remove': 'admin',
  'organization.update': 'admin',
  'organization.delete': 'admin',
  'processing.manage': 'admin',
  'reference-dataset.create': 'admin',
} as const satisfies Record<string, Role>;

export type Action = keyof typeof PERMISSION_TABLE;

/** Every action of the table, in table order. */
export const ACTIONS = Object.keys(PERMISSION_TABLE) as readonly Action[];

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PERMISSION_TABLE, value);
}

/** The lowest organization role allowed to do `action`. */
export function minimumRole(action: Action): Role {
  return PERMISSION_TABLE[action];
}

/** `role` undefined means "not a member": a non-member may do nothing in the organization. */
export function isAllowed(role: Role | undefined, action: Action): boolean {
  return role !== undefined && roleAtLeast(role, PERMISSION_TABLE[action]);
}

export interface PermissionDecision {
  readonly allowed: boolean;
  readonly role: Role | null;
  /** Short and stable, e.g. `role admin grants membership.invite`, `not a member`. */
  readonly reason: string;
}

export function checkPermission(role: Role | undefined, action: Action): PermissionDecision {
  if (role === undefined) return { allowed: false, role: null, reason: 'not a member' };
  const needed = PERMISSION_TABLE[action];
  return roleAtLeast(role, needed)
    ? { allowed: true, role, reason: `role ${role} grants ${action}` }
    : { allowed: false, role, reason: `role ${role} lacks ${action} (needs ${needed})` };
}

const ACTIONS_BY_ROLE: Readonly<Record<Role, readonly Action[]>> = Object.fromEntries(
  ROLES.map((role) => [role, Object.freeze(ACTIONS.filter((action) => isAllowed(role, action)))]),
) as Record<Role, readonly Action[]>;

/** Everything `role` may do by default, in table order (published with membership events). */
export function actionsOf(role: Role): readonly Action[] {
  return ACTIONS_BY_ROLE[role];
}
