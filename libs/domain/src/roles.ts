/** Organization roles, lowest first: each role holds every right of the roles before it. */
export const ROLES = ['member', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Platform roles come from the token's `roles` claim, outside any organization. */
export const PLATFORM_ROLES = ['superadmin', 'auditor', 'service'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` holds at least the rights of `minimum`. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}
