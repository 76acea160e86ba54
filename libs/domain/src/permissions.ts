import { PLATFORM_ROLES, ROLES, roleAtLeast, type PlatformRole, type Role } from './roles';

/**
 * The DESIGN.md permission table, as data: each action with the lowest organization role
 * that may do it. Roles are hierarchical (roles.ts), so a role may do every action whose
 * minimum it reaches. The command rules (decide), the queries, the audit routes and the
 * permission check all read PERMISSION_TABLE.
 */
const PORTAL_ACTIONS = {
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

/**
 * Roster's own actions on an organization: not capabilities of the portal's resources, so
 * the permission check does not answer for them and membership events do not publish them.
 */
const ROSTER_ACTIONS = {
  /** History, as-of and verify of the organization's record. */
  'audit.read': 'admin',
} as const satisfies Record<string, Role>;

export const PERMISSION_TABLE = { ...PORTAL_ACTIONS, ...ROSTER_ACTIONS } as const;

/** Any action of the table. */
export type Permission = keyof typeof PERMISSION_TABLE;
/** A portal action: what the permission check answers for and membership events publish. */
export type Action = keyof typeof PORTAL_ACTIONS;

/** Every portal action, in table order. */
export const ACTIONS = Object.keys(PORTAL_ACTIONS) as readonly Action[];

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PORTAL_ACTIONS, value);
}

/** `role` undefined means "not a member": a non-member may do nothing in the organization. */
export function isAllowed(role: Role | undefined, action: Permission): boolean {
  return role !== undefined && roleAtLeast(role, PERMISSION_TABLE[action]);
}

export interface PermissionDecision {
  readonly allowed: boolean;
  readonly role: Role | null;
  /** Short and stable, e.g. `role admin grants membership.invite`, `not a member`. */
  readonly reason: string;
}

export function checkPermission(role: Role | undefined, action: Permission): PermissionDecision {
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

/** Actions outside any organization, which only platform roles grant. */
export type PlatformAction =
  /** Read any user's organizations (a user always reads their own). */
  | 'user.organizations.read'
  /** Read any user's pending invitations, by user id and by an e-mail address named (a user reads their own). */
  | 'user.invitations.read'
  /** Ask the permission check about any user (a user always asks about themself). */
  | 'permission.check-any-user'
  /** Ask the permission check about any user at a past instant (`at`): what auditors ask too. */
  | 'permission.check-any-user-at'
  /** Erase any person (RGPD article 17); a person may always ask for their own erasure. */
  | 'person.erase'
  /** Read everything held about any person (article 15); a person always reads their own. */
  | 'person.read'
  /** List the organizations an erasure left without an organization-wide admin. */
  | 'organizations.needing-admin.read';

interface PlatformGrant {
  /** In every organization, whatever the role there; `all`: every action of the table. */
  readonly organization: 'all' | readonly Permission[];
  readonly platform: readonly PlatformAction[];
}

/**
 * What each platform role (the token's `roles` claim) grants, DESIGN.md "Roles": a
 * superadmin may do anything an admin may, everywhere; an auditor reads every
 * organization's record (and asks the permission check about any user at a past instant) and
 * changes nothing; a `service` token reads what members read and asks the permission check
 * about any user, and changes nothing.
 */
export const PLATFORM_ROLE_POLICY: Readonly<Record<PlatformRole, PlatformGrant>> = {
  superadmin: {
    organization: 'all',
    platform: ['user.organizations.read', 'user.invitations.read', 'permission.check-any-user', 'permission.check-any-user-at', 'person.erase', 'person.read', 'organizations.needing-admin.read'],
  },
  auditor: { organization: ['audit.read'], platform: ['permission.check-any-user-at'] },
  // The identity service erases a person when their account is deleted.
  service: { organization: ['organization.read'], platform: ['user.organizations.read', 'user.invitations.read', 'permission.check-any-user', 'permission.check-any-user-at', 'person.erase'] },
};

const PLATFORM_GRANTS = new Map<PlatformRole, ReadonlySet<string>>(
  PLATFORM_ROLES.map((role) => {
    const { organization, platform } = PLATFORM_ROLE_POLICY[role];
    return [role, new Set<string>([...(organization === 'all' ? Object.keys(PERMISSION_TABLE) : organization), ...platform])];
  }),
);

/**
 * The platform role among `platformRoles` that grants `action` in every organization (or
 * outside any), or undefined when none does and the organization role decides.
 */
export function platformRoleAllowing(platformRoles: readonly string[], action: Permission | PlatformAction): PlatformRole | undefined {
  return PLATFORM_ROLES.find((role) => platformRoles.includes(role) && PLATFORM_GRANTS.get(role)!.has(action));
}
