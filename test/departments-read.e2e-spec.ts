/**
 * The read side of departments end to end, through real HTTP: the departments list, the
 * members filter and fields, the dashboard's members per department, the permission check
 * with the resource's department (single and batch, the fast path and the controller alike)
 * and as-of of a department change. Two legs: read models in MongoDB and the embedded
 * default. The organization's events are made by the domain's commands on the service's own
 * command bus (CommandSender), as a route would send them. Fresh ids per run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrganizationCommand } from '@roster/domain';
import { requestJson, type JsonAnswer } from '@roster/testing';
import { newTestUser, runRosterCli, sendCommand, startRosterInProcess, type RosterInProcess, type TestUser as User } from './roster-in-process';

const SECRET = `e2e-secret-${randomUUID()}`;
const mongoUrl = process.env.MONGODB_URL;
if (!mongoUrl) throw new Error('MONGODB_URL is not set: the MongoDB leg of the departments suite needs a server');
const newUser = (roles: string[] = []) => newTestUser(SECRET, roles);

describe.each([
  ['MongoDB', { MONGODB_URL: mongoUrl, ROSTER_MONGODB_DB: `e2e-d-${randomUUID().slice(0, 8)}` }],
  ['the embedded store', {}],
])('departments, read side, with read models in %s', (_label, env) => {
  let roster: RosterInProcess;
  let dataDir = '';
  let lastPosition = '0';
  const orgId = randomUUID();
  let admin: User, editor: User, member: User, departmentAdmin: User, waterEditor: User;
  let stranger: User, superadmin: User, auditor: User, service: User;
  /** Between the move of `editor` into roads and what came before it. */
  let beforeMove = '';
  let afterMove = '';

  const call = (method: string, path: string, as: User | null, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> =>
    requestJson(roster.baseUrl, method, path, { token: as?.token, body, headers });
  const read = (path: string, as: User | null) => call('GET', path, as, undefined, { 'x-min-position': lastPosition });

  /** A domain command on the service's bus, as `as`; remembers its position for the next read. */
  async function send(as: User, command: OrganizationCommand): Promise<void> {
    lastPosition = (await sendCommand(roster, as, command)) ?? lastPosition;
  }

  /** Joins `user` through a request approved by `by`, placed as given. */
  async function joinAs(user: User, by: User, placed: { role: 'member' | 'editor' | 'admin'; departmentId?: string | null; defaultDatasetRole?: 'none' | 'reader' | 'contributor' | 'manager' }) {
    const requestId = randomUUID();
    await send(user, { type: 'RequestJoin', data: { organizationId: orgId, requestId } });
    await send(by, { type: 'ApproveJoin', data: { organizationId: orgId, requestId, ...placed } });
  }

  /** The compiled CLI on this service's store (`npm run -s build` first). */
  const cli = (args: string[]) => runRosterCli(dataDir, SECRET, args);

  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-departments-'));
    roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ...env });
    [admin, editor, member, departmentAdmin, waterEditor, stranger] = await Promise.all([newUser(), newUser(), newUser(), newUser(), newUser(), newUser()]);
    [superadmin, auditor, service] = await Promise.all([newUser(['superadmin']), newUser(['auditor']), newUser(['service'])]);

    await send(admin, { type: 'CreateOrganization', data: { organizationId: orgId, name: 'Departments', description: '' } });
    await send(admin, { type: 'AddDepartment', data: { organizationId: orgId, departmentId: 'water', name: 'Water' } });
    await send(admin, { type: 'AddDepartment', data: { organizationId: orgId, departmentId: 'roads', name: 'Roads' } });
    await joinAs(editor, admin, { role: 'editor' });
    await joinAs(member, admin, { role: 'member', defaultDatasetRole: 'none' });
    await joinAs(departmentAdmin, admin, { role: 'admin', departmentId: 'water' });
    // The department admin's approval goes into their department.
    await joinAs(waterEditor, departmentAdmin, { role: 'editor' });
    await tick();
    beforeMove = new Date().toISOString();
    await tick();
    await send(admin, { type: 'ChangeMemberDepartment', data: { organizationId: orgId, userId: editor.id, departmentId: 'roads' } });
    await send(admin, { type: 'ChangeDefaultDatasetRole', data: { organizationId: orgId, userId: editor.id, defaultDatasetRole: 'manager' } });
    await tick();
    afterMove = new Date().toISOString();
  });
  afterAll(async () => {
    await roster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const departmentsList = [
    { departmentId: 'roads', name: 'Roads', memberCount: 1 },
    { departmentId: 'water', name: 'Water', memberCount: 2 },
  ];

  it('lists departments with their member counts, and members with their department and default dataset role, to every caller who may read', async () => {
    const callers: Array<[string, User | null, number]> = [
      ['no token', null, 401],
      ['stranger', stranger, 403],
      ['auditor', auditor, 403],
      ['member', member, 200],
      ['editor', editor, 200],
      ['admin', admin, 200],
      ['department admin', departmentAdmin, 200],
      ['superadmin', superadmin, 200],
      ['service', service, 200],
    ];
    for (const [who, as, status] of callers) {
      const departments = await read(`/organizations/${orgId}/departments`, as);
      expect({ who, status: departments.status }).toEqual({ who, status });
      const filtered = await read(`/organizations/${orgId}/members?departmentId=water`, as);
      expect({ who, status: filtered.status }).toEqual({ who, status });
      if (status !== 200) {
        expect(departments.headers.get('content-type')).toMatch(/application\/problem\+json/);
        continue;
      }
      expect(departments.body).toEqual({ items: departmentsList });
      expect(filtered.body.items.map((m: { userId: string }) => m.userId)).toEqual([departmentAdmin.id, waterEditor.id].sort());
    }

    const members = (await read(`/organizations/${orgId}/members`, member)).body.items as Array<Record<string, unknown>>;
    const byUser = Object.fromEntries(members.map((m) => [m.userId, m]));
    expect(byUser[admin.id]).toMatchObject({ role: 'admin', departmentId: null, defaultDatasetRole: 'manager' });
    expect(byUser[editor.id]).toMatchObject({ role: 'editor', departmentId: 'roads', defaultDatasetRole: 'manager' });
    expect(byUser[member.id]).toMatchObject({ role: 'member', departmentId: null, defaultDatasetRole: 'none' });
    expect(byUser[departmentAdmin.id]).toMatchObject({ role: 'admin', departmentId: 'water', defaultDatasetRole: 'manager' });
    expect(byUser[waterEditor.id]).toMatchObject({ role: 'editor', departmentId: 'water', defaultDatasetRole: 'contributor' });
    expect((await read(`/organizations/${orgId}/members?departmentId=roads&role=editor`, member)).body.items).toEqual([expect.objectContaining({ userId: editor.id })]);
    expect((await read(`/organizations/${orgId}/members?departmentId=parks`, member)).body.items).toEqual([]);
  });

  it('refuses a malformed department filter with 400, and answers 404 and 410 as the members list does', async () => {
    for (const bad of ['Water', 'water%20', '-water', 'x'.repeat(65), '']) {
      const answer = await read(`/organizations/${orgId}/members?departmentId=${bad}`, member);
      expect({ bad, status: answer.status, code: answer.body.code }).toEqual({ bad, status: 400, code: 'VALIDATION.DEPARTMENT_ID' });
    }
    const unknown = await read(`/organizations/${randomUUID()}/departments`, superadmin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ORGANIZATION.NOT_FOUND');

    const doomed = randomUUID();
    await send(admin, { type: 'CreateOrganization', data: { organizationId: doomed, name: 'Doomed', description: '' } });
    await send(admin, { type: 'AddDepartment', data: { organizationId: doomed, departmentId: 'water', name: 'Water' } });
    await send(admin, { type: 'DeleteOrganization', data: { organizationId: doomed } });
    for (const path of ['departments', 'members?departmentId=water']) {
      const gone = await read(`/organizations/${doomed}/${path}`, admin);
      expect({ path, status: gone.status, code: gone.body.code }).toEqual({ path, status: 410, code: 'ORGANIZATION.DELETED' });
    }
  });

  it('shows members per department on the dashboard', async () => {
    const dashboard = await read(`/organizations/${orgId}/dashboard`, member);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.membersByDepartment).toEqual({ departments: departmentsList, organizationWide: 2 });
    expect(dashboard.body.recentActivity[0]).toMatchObject({ type: 'DefaultDatasetRoleChanged', subjectUserId: editor.id });
    expect(dashboard.body.recentActivity[1]).toMatchObject({ type: 'MemberDepartmentChanged', subjectUserId: editor.id, departmentId: 'roads' });
  });

  it('checks permissions against the resource\'s department, single and batch, the fast path answering as the controller does', async () => {
    const ask = (userId: string, action: string, departmentId?: string | null) => ({
      userId,
      organizationId: orgId,
      action,
      ...(departmentId !== undefined ? { departmentId } : {}),
    });
    const waited = (body: unknown, path = '/authorizations/check') => call('POST', path, service, body, { 'x-min-position': lastPosition });

    // The example: an editor restricted to water.
    expect((await waited(ask(waterEditor.id, 'dataset.update', 'water'))).body).toEqual({
      allowed: true,
      role: 'editor',
      reason: 'role editor grants dataset.update in department water',
      departmentId: 'water',
      via: 'membership',
      partnerOrganizationId: null,
      access: null,
    });
    const onRoads = (await waited(ask(waterEditor.id, 'dataset.update', 'roads'))).body;
    expect(onRoads).toMatchObject({ allowed: false, role: 'editor', departmentId: 'water' });
    expect(onRoads.reason).toMatch(/restricted to department water.*department roads/);
    const noDepartment = (await waited(ask(waterEditor.id, 'dataset.update'))).body;
    expect(noDepartment).toMatchObject({ allowed: false, departmentId: 'water' });
    expect(noDepartment.reason).toMatch(/restricted to department water.*without department/);
    expect((await waited(ask(waterEditor.id, 'dataset.update', null))).body).toEqual(noDepartment);
    expect((await waited(ask(waterEditor.id, 'dataset.create'))).body).toMatchObject({ allowed: true, departmentId: 'water' });
    const update = (await waited(ask(departmentAdmin.id, 'organization.update'))).body;
    expect(update).toMatchObject({ allowed: false, role: 'admin', departmentId: 'water' });
    expect(update.reason).toMatch(/organization-wide role/);
    expect((await waited(ask(admin.id, 'dataset.update', 'roads'))).body).toMatchObject({ allowed: true, departmentId: null });
    expect((await waited(ask(stranger.id, 'dataset.read', 'water'))).body).toEqual({ allowed: false, role: null, reason: 'not a member', departmentId: null, via: 'membership', partnerOrganizationId: null, access: null });
    // A user asking about themself, with the resource's department.
    expect((await call('POST', '/authorizations/check', waterEditor, ask(waterEditor.id, 'dataset.read', 'roads'), { 'x-min-position': lastPosition })).body.allowed).toBe(false);

    const bad = await waited(ask(waterEditor.id, 'dataset.update', 'Water'));
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION.DEPARTMENT_ID');
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'departmentId', code: 'VALIDATION.DEPARTMENT_ID' })]);

    const batch = await waited(
      {
        checks: [
          ask(waterEditor.id, 'dataset.update', 'water'),
          ask(waterEditor.id, 'dataset.update', 'roads'),
          ask(waterEditor.id, 'dataset.update'),
          ask(waterEditor.id, 'dataset.create'),
          ask(departmentAdmin.id, 'organization.update'),
        ],
      },
      '/authorizations/check/batch',
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { allowed: boolean; departmentId: string | null }) => [r.allowed, r.departmentId])).toEqual([
      [true, 'water'],
      [false, 'water'],
      [false, 'water'],
      [true, 'water'],
      [false, 'water'],
    ]);
    expect(batch.body.results[1]).toMatchObject({ userId: waterEditor.id, organizationId: orgId, action: 'dataset.update' });
    const badBatch = await waited({ checks: [ask(waterEditor.id, 'dataset.read', 'water'), ask(waterEditor.id, 'dataset.read', 'Roads')] }, '/authorizations/check/batch');
    expect(badBatch.status).toBe(400);
    expect(badBatch.body.errors).toEqual([expect.objectContaining({ field: 'checks[1].departmentId', code: 'VALIDATION.DEPARTMENT_ID' })]);

    // Without X-Min-Position the fast path answers: the same status and body for every check above.
    const asked: Array<[string, unknown]> = [];
    for (const user of [admin, editor, member, departmentAdmin, waterEditor, stranger]) {
      for (const action of ['dataset.read', 'dataset.create', 'dataset.update', 'membership.invite', 'organization.update']) {
        for (const departmentId of [undefined, null, 'water', 'roads']) asked.push(['/authorizations/check', ask(user.id, action, departmentId)]);
      }
    }
    asked.push(['/authorizations/check', ask(waterEditor.id, 'dataset.update', 'Water')]);
    asked.push(['/authorizations/check/batch', { checks: asked.slice(0, 40).map(([, body]) => body) }]);
    asked.push(['/authorizations/check/batch', { checks: [ask(waterEditor.id, 'dataset.read', 'water'), ask(waterEditor.id, 'dataset.read', 'Roads')] }]);
    for (const [path, body] of asked) {
      const slow = await waited(body, path);
      const quick = await call('POST', path, service, body);
      expect({ body, status: quick.status, answer: quick.body }).toEqual({ body, status: slow.status, answer: slow.body });
      if (quick.status === 200) expect(quick.headers.get('x-read-model-position')).toMatch(/^\d+$/);
    }
  });

  it('shows departments and each member\'s department and default dataset role as of a date', async () => {
    const asOf = async (at: string) => {
      const answer = await call('GET', `/organizations/${orgId}/as-of?at=${encodeURIComponent(at)}`, auditor);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    const before = await asOf(beforeMove);
    expect(before.departments).toEqual([
      { departmentId: 'roads', name: 'Roads' },
      { departmentId: 'water', name: 'Water' },
    ]);
    expect(before.members).toContainEqual(expect.objectContaining({ userId: editor.id, departmentId: null, defaultDatasetRole: 'contributor' }));
    expect(before.members).toContainEqual(expect.objectContaining({ userId: waterEditor.id, departmentId: 'water', defaultDatasetRole: 'contributor' }));
    const after = await asOf(afterMove);
    expect(after.members).toContainEqual(expect.objectContaining({ userId: editor.id, departmentId: 'roads', defaultDatasetRole: 'manager' }));

    const history = await call('GET', `/organizations/${orgId}/history?type=MemberDepartmentChanged`, auditor);
    expect(history.body.events).toEqual([expect.objectContaining({ data: expect.objectContaining({ userId: editor.id, from: null, to: 'roads' }) })]);
  });

  it('prints the same departments and placements from the CLI: as-of as the route answers, and history', async () => {
    const asOf = await cli(['as-of', orgId, beforeMove]);
    expect(asOf.code).toBe(0);
    const route = await call('GET', `/organizations/${orgId}/as-of?at=${encodeURIComponent(beforeMove)}`, auditor);
    expect(JSON.parse(asOf.stdout)).toEqual(route.body);
    expect(JSON.parse(asOf.stdout).departments).toHaveLength(2);

    const history = await cli(['history', orgId, '--type', 'DepartmentAdded,MemberDepartmentChanged']);
    expect(history.code).toBe(0);
    const rows = history.stdout.split('\n').filter((text) => /^\s+\d+\s/.test(text));
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatch(/MemberDepartmentChanged\s.*"from":null,"to":"roads"/);
  });
});
