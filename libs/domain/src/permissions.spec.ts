import { randomUUID } from 'node:crypto';
import type { OrganizationCommand } from './commands';
import { ACTIONS, actionsOf, checkPermission, isAction, isAllowed, PERMISSION_TABLE, platformRoleAllowing, type Action } from './permissions';
import { PLATFORM_ROLES, ROLES, type Role } from './roles';
import { anOrganization, as, given } from './testing/organization.fixtures';

/**
 * The authority, written once: DESIGN.md's permission table read by column. The member
 * column holds the read actions, the editor column adds its set, the admin column has all.
 * Every cell below compares the table data (permissions.ts) to these columns.
 */
const MEMBER_COLUMN: readonly string[] = ['organization.read', 'dataset.read'];
const EDITOR_COLUMN: readonly string[] = [
  ...MEMBER_COLUMN,
  'dataset.create',
  'dataset.update',
  'reuse.reference',
  'discussion.reply',
  'visualization.create',
  'visualization.update',
  'extension.create',
  'membership.requests.read',
];
const ADMIN_COLUMN: readonly string[] = ACTIONS;
const DESIGN_COLUMNS: Record<Role, readonly string[]> = { member: MEMBER_COLUMN, editor: EDITOR_COLUMN, admin: ADMIN_COLUMN };

const cells = ROLES.flatMap((role) => ACTIONS.map((action) => [role, action, DESIGN_COLUMNS[role].includes(action)] as const));

describe('permission table', () => {
  test('lists the 21 actions of DESIGN.md, each once', () => {
    expect(ACTIONS).toHaveLength(21);
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
    for (const action of [...MEMBER_COLUMN, ...EDITOR_COLUMN]) expect(isAction(action)).toBe(true);
  });

  test.each(cells)('%s × %s: allowed = %s', (role, action, expected) => {
    expect(isAllowed(role, action)).toBe(expected);
    const decision = checkPermission(role, action);
    expect(decision).toEqual({
      allowed: expected,
      role,
      reason: expected ? `role ${role} grants ${action}` : `role ${role} lacks ${action} (needs ${PERMISSION_TABLE[action]})`,
    });
  });

  test.each(ACTIONS)('non-member × %s: refused, not a member', (action) => {
    expect(isAllowed(undefined, action)).toBe(false);
    expect(checkPermission(undefined, action)).toEqual({ allowed: false, role: null, reason: 'not a member' });
  });

  test.each(ROLES)('actionsOf(%s) is its DESIGN column, in table order', (role) => {
    expect(actionsOf(role)).toEqual(ACTIONS.filter((action) => DESIGN_COLUMNS[role].includes(action)));
  });

  test.each([['organization.admin'], [''], [42], [undefined], ['toString']])('isAction(%p) is false', (value) => {
    expect(isAction(value)).toBe(false);
  });
});

/**
 * The actions that commands exercise. A superadmin may do anything an admin may, member
 * or not; the permission check itself answers from organization roles only (DESIGN.md),
 * so the superadmin cells are checked through decide.
 */
const COMMANDS_BY_ACTION: Partial<Record<Action, (o: ReturnType<typeof anOrganization>, requestId: string) => OrganizationCommand>> = {
  'membership.invite': (o) => ({
    type: 'InviteMember',
    data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId: o.outsider }, role: 'member' },
  }),
  'membership.approve': (o, requestId) => ({ type: 'ApproveJoin', data: { organizationId: o.org, requestId } }),
  'membership.reject': (o, requestId) => ({ type: 'RejectJoin', data: { organizationId: o.org, requestId } }),
  'membership.change-role': (o) => ({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.member, role: 'editor' } }),
  'membership.remove': (o) => ({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.member } }),
  'organization.update': (o) => ({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: 'Renamed' } }),
  'organization.delete': (o) => ({ type: 'DeleteOrganization', data: { organizationId: o.org } }),
};
const commandActions = Object.keys(COMMANDS_BY_ACTION) as Action[];

describe('commands read the same table', () => {
  const who = { member: 'member', editor: 'editor', admin: 'admin' } as const;

  function run(action: Action, actor: (o: ReturnType<typeof anOrganization>) => ReturnType<typeof as>) {
    const o = anOrganization();
    const requestId = randomUUID();
    const history = [...o.history, o.requested(requestId, 'applicant-' + randomUUID())];
    return { when: given(history).when(COMMANDS_BY_ACTION[action]!(o, requestId), actor(o)) };
  }

  test.each(ROLES.flatMap((role) => commandActions.map((action) => [role, action, isAllowed(role, action)] as const)))(
    '%s × %s through decide: allowed = %s',
    (role, action, allowed) => {
      const { when } = run(action, (o) => as(o[who[role]]));
      if (allowed) expect(when.then(expect.any(Array)).length).toBeGreaterThan(0);
      else when.thenThrows('forbidden', 'PERMISSION.DENIED');
    },
  );

  test.each(commandActions)('superadmin (not a member) × %s through decide: allowed', (action) => {
    const { when } = run(action, (o) => as(o.superadmin, { superadmin: true }));
    expect(when.then(expect.any(Array)).length).toBeGreaterThan(0);
  });

  test.each(commandActions)('non-member × %s through decide: refused', (action) => {
    const { when } = run(action, (o) => as(o.outsider));
    when.thenThrows('forbidden', 'PERMISSION.DENIED');
  });
});

describe("Roster's own actions and the platform roles", () => {
  test('audit.read is in the table (admins), but is not a portal action: the check does not answer for it, events do not publish it', () => {
    expect(PERMISSION_TABLE['audit.read']).toBe('admin');
    expect(ROLES.filter((role) => isAllowed(role, 'audit.read'))).toEqual(['admin']);
    expect(checkPermission('editor', 'audit.read')).toMatchObject({ allowed: false, reason: 'role editor lacks audit.read (needs admin)' });
    expect(isAction('audit.read')).toBe(false);
    for (const role of ROLES) expect(actionsOf(role)).not.toContain('audit.read');
  });

  const everything = [...Object.keys(PERMISSION_TABLE), 'user.organizations.read', 'user.invitations.read', 'permission.check-any-user'] as const;
  const granted = (roles: readonly string[]) => everything.filter((action) => platformRoleAllowing(roles, action as never) !== undefined);

  test('a superadmin may do everything, everywhere', () => {
    expect(granted(['superadmin'])).toEqual(everything);
    expect(platformRoleAllowing(['service', 'superadmin'], 'membership.invite')).toBe('superadmin');
  });

  test('an auditor reads every record and nothing else', () => {
    expect(granted(['auditor'])).toEqual(['audit.read']);
  });

  test("a service token reads what members read, any user's organizations and invitations, asks about any user's rights, and nothing else", () => {
    expect(granted(['service'])).toEqual(['organization.read', 'user.organizations.read', 'user.invitations.read', 'permission.check-any-user']);
  });

  test('no platform role, or an unknown one, grants nothing', () => {
    expect(granted([])).toEqual([]);
    expect(granted(['admin', 'root'])).toEqual([]);
    expect(PLATFORM_ROLES).toEqual(['superadmin', 'auditor', 'service']);
  });

  test.each(['auditor', 'service'] as const)('%s (not a member) through decide: refused every command', (platformRole) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name: 'Renamed' } }, { ...as(o.outsider), actor: { userId: o.outsider, platformRoles: [platformRole] } })
      .thenThrows('forbidden', 'PERMISSION.DENIED');
  });
});
