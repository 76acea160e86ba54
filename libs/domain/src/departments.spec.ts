import { checkMemberPermission, checkRosterPermission, departmentRefusal, isDepartmentId, DEPARTMENT_ID_PATTERN } from './departments';
import { ACTIONS, checkPermission, isAllowed, type Action } from './permissions';
import { ROLES } from './roles';

/**
 * The authority, written once from DESIGN.md (Departments): how a member restricted to a
 * department is bounded, action by action. The matrix below compares departments.ts to it.
 */
const NEEDS_ORGANIZATION_WIDE: readonly string[] = ['organization.update', 'organization.delete'];
/** The organization's profile and members, and join requests, which belong to no department yet. */
const NOT_BOUNDED: readonly string[] = ['organization.read', 'membership.requests.read', 'membership.reject'];
/** Without a department, what a restricted member creates (or invites, approves) goes into their department. */
const CREATES: readonly string[] = [
  'dataset.create',
  'visualization.create',
  'extension.create',
  'reference-dataset.create',
  'membership.invite',
  'membership.approve',
];

const RESOURCES = { same: 'water', other: 'roads', none: undefined } as const;
type Resource = keyof typeof RESOURCES;

/** What DESIGN.md expects of a member restricted to `water`, when the role allows the action. */
function restrictedMayDo(action: Action, resource: Resource): boolean {
  if (NEEDS_ORGANIZATION_WIDE.includes(action)) return false;
  if (NOT_BOUNDED.includes(action)) return true;
  if (resource === 'same') return true;
  return resource === 'none' && CREATES.includes(action);
}

const matrix = ROLES.flatMap((role) =>
  (['restricted', 'unrestricted'] as const).flatMap((placement) =>
    (Object.keys(RESOURCES) as Resource[]).flatMap((resource) => ACTIONS.map((action) => [role, placement, resource, action] as const)),
  ),
);

describe('permission check with departments', () => {
  test('every action is placed by the matrix authority', () => {
    expect(ACTIONS).toHaveLength(21);
    for (const action of [...NEEDS_ORGANIZATION_WIDE, ...NOT_BOUNDED, ...CREATES]) expect(ACTIONS).toContain(action);
  });

  test.each(matrix)('%s, %s, resource in %s department × %s', (role, placement, resource, action) => {
    const departmentId = placement === 'restricted' ? 'water' : null;
    const decision = checkMemberPermission({ role, departmentId }, action, RESOURCES[resource]);
    const byRole = isAllowed(role, action);
    const expected = byRole && (placement === 'unrestricted' || restrictedMayDo(action, resource));
    expect(decision.allowed).toBe(expected);
    expect(decision.role).toBe(role);
    // Every answer names the member's department (null: organization-wide).
    expect(decision.departmentId).toBe(departmentId);
    if (!byRole) {
      // Refused by the role: the answer of the permission table, as it was.
      expect(decision.reason).toBe(checkPermission(role, action).reason);
    } else if (!expected) {
      expect(decision.reason).toMatch(/^restricted to department water: /);
    } else if (placement === 'restricted') {
      expect(decision.reason).toBe(`role ${role} grants ${action} in department water`);
    } else {
      expect(decision.reason).toBe(`role ${role} grants ${action}`);
    }
  });

  test.each(ACTIONS)('a non-member × %s: refused, no department', (action) => {
    for (const resource of Object.values(RESOURCES)) {
      expect(checkMemberPermission(undefined, action, resource)).toEqual({ allowed: false, role: null, reason: 'not a member', departmentId: null });
    }
  });

  test('an explicit null resource department is a resource without department', () => {
    expect(checkMemberPermission({ role: 'editor', departmentId: 'water' }, 'dataset.update', null).allowed).toBe(false);
    expect(checkMemberPermission({ role: 'editor', departmentId: 'water' }, 'dataset.create', null)).toMatchObject({ allowed: true, departmentId: 'water' });
  });

  describe('the examples of issue 13, for a member restricted to water', () => {
    const editor = { role: 'editor', departmentId: 'water' } as const;
    const admin = { role: 'admin', departmentId: 'water' } as const;

    test('dataset.update on a water resource: allowed', () => {
      expect(checkMemberPermission(editor, 'dataset.update', 'water')).toEqual({
        allowed: true,
        role: 'editor',
        reason: 'role editor grants dataset.update in department water',
        departmentId: 'water',
      });
    });

    test('dataset.update on a roads resource: refused, the reason names the department rule', () => {
      expect(checkMemberPermission(editor, 'dataset.update', 'roads')).toEqual({
        allowed: false,
        role: 'editor',
        reason: 'restricted to department water: dataset.update on a resource of department roads',
        departmentId: 'water',
      });
    });

    test('dataset.update on a resource without department: refused', () => {
      expect(checkMemberPermission(editor, 'dataset.update')).toEqual({
        allowed: false,
        role: 'editor',
        reason: 'restricted to department water: dataset.update on a resource without department',
        departmentId: 'water',
      });
    });

    test('dataset.read, reads included: only in water', () => {
      expect(checkMemberPermission({ role: 'member', departmentId: 'water' }, 'dataset.read', 'water').allowed).toBe(true);
      expect(checkMemberPermission({ role: 'member', departmentId: 'water' }, 'dataset.read', 'roads').allowed).toBe(false);
      expect(checkMemberPermission({ role: 'member', departmentId: 'water' }, 'dataset.read').allowed).toBe(false);
    });

    test('dataset.create without department: allowed, and the answer says it belongs in water', () => {
      expect(checkMemberPermission(editor, 'dataset.create')).toEqual({
        allowed: true,
        role: 'editor',
        reason: 'role editor grants dataset.create in department water',
        departmentId: 'water',
      });
    });

    test('organization.update: refused even to a department admin', () => {
      expect(checkMemberPermission(admin, 'organization.update', 'water')).toEqual({
        allowed: false,
        role: 'admin',
        reason: 'restricted to department water: organization.update needs an organization-wide role',
        departmentId: 'water',
      });
    });

    test('an organization-wide editor updates datasets of any department or none', () => {
      for (const resource of ['water', 'roads', undefined]) {
        expect(checkMemberPermission({ role: 'editor', departmentId: null }, 'dataset.update', resource)).toEqual({
          allowed: true,
          role: 'editor',
          reason: 'role editor grants dataset.update',
          departmentId: null,
        });
      }
    });
  });

  test("a signed export of the record is an organization-wide admin's; reading it is any admin's", () => {
    expect(checkRosterPermission({ role: 'admin', departmentId: null }, 'audit.export')).toMatchObject({ allowed: true, departmentId: null });
    expect(checkRosterPermission({ role: 'admin', departmentId: 'water' }, 'audit.export')).toEqual({
      allowed: false,
      role: 'admin',
      reason: 'restricted to department water: audit.export needs an organization-wide role',
      departmentId: 'water',
    });
    expect(checkRosterPermission({ role: 'admin', departmentId: 'water' }, 'audit.read')).toMatchObject({ allowed: true, departmentId: 'water' });
    expect(checkRosterPermission({ role: 'editor', departmentId: null }, 'audit.export')).toMatchObject({ allowed: false, reason: 'role editor lacks audit.export (needs admin)' });
    expect(checkRosterPermission(undefined, 'audit.export')).toMatchObject({ allowed: false, reason: 'not a member' });
  });

  test('departmentRefusal never bounds an organization-wide member', () => {
    for (const action of ACTIONS) expect(departmentRefusal(null, action, 'roads')).toBeUndefined();
  });
});

describe('department ids', () => {
  test.each(['water', 'a', '0', 'eau-potable', 'w'.repeat(64), 'roads-2026'])('%p is a department id', (id) => {
    expect(isDepartmentId(id)).toBe(true);
  });

  test.each(['', 'Water', '-water', 'wa ter', 'eau_potable', 'é', 'w'.repeat(65), 'water\n', 42, null, undefined])('%p is not', (id) => {
    expect(isDepartmentId(id)).toBe(false);
  });

  test('the pattern is the one DESIGN.md gives', () => {
    expect(DEPARTMENT_ID_PATTERN.source).toBe('^[a-z0-9][a-z0-9-]{0,63}$');
  });
});
