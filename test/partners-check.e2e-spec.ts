/**
 * The read side of partners end to end, through real HTTP: A's partners list, B's
 * partner-of list and the dashboard's partner count by every kind of caller, the permission
 * check for a partner's member (single and batch, the fast path and the controller alike),
 * nothing left in the in-process index once the partnership ends or the partner is deleted,
 * and as-of with partners (route and CLI). Two legs: read models in MongoDB and the embedded
 * default. Partnerships are invited, accepted and ended through their HTTP routes (the other
 * organization's facts folded by the command handler); organizations and members are made by
 * the domain's commands on the service's own command bus (CommandSender). Fresh ids per run.
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
if (!mongoUrl) throw new Error('MONGODB_URL is not set: the MongoDB leg of the partners suite needs a server');
const newUser = (roles: string[] = []) => newTestUser(SECRET, roles);

describe.each([
  ['MongoDB', { MONGODB_URL: mongoUrl, ROSTER_MONGODB_DB: `e2e-p-${randomUUID().slice(0, 8)}` }],
  ['the embedded store', {}],
])('partners, read side and check, with read models in %s', (_label, env) => {
  let roster: RosterInProcess;
  let dataDir = '';
  let lastPosition = '0';
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  let withB = '';
  let withC = '';
  let aAdmin: User, aEditor: User, aMember: User, aDepartmentAdmin: User;
  let bAdmin: User, bMember: User, bEditor: User, cAdmin: User, cEditor: User;
  let stranger: User, superadmin: User, auditor: User, service: User;
  /** After both partnerships were accepted, before any ended. */
  let bothActive = '';

  const call = (method: string, path: string, as: User | null, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> =>
    requestJson(roster.baseUrl, method, path, { token: as?.token, body, headers });
  const read = (path: string, as: User | null) => call('GET', path, as, undefined, { 'x-min-position': lastPosition });

  /** A domain command on the service's bus, as `as`; remembers its position for the next read. */
  async function send(as: User, command: OrganizationCommand): Promise<void> {
    lastPosition = (await sendCommand(roster, as, command)) ?? lastPosition;
  }

  async function joinAs(organizationId: string, user: User, by: User, role: 'member' | 'editor' | 'admin', departmentId?: string) {
    const requestId = randomUUID();
    await send(user, { type: 'RequestJoin', data: { organizationId, requestId } });
    await send(by, { type: 'ApproveJoin', data: { organizationId, requestId, role, ...(departmentId ? { departmentId } : {}) } });
  }

  /** A command route, answered 2xx; remembers its position for the next read and hands the new partnershipId to `took`. */
  async function command(method: string, path: string, as: User, body?: unknown, took?: (partnershipId: string) => void): Promise<void> {
    const answer = await call(method, path, as, body);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    if (answer.body?.position) lastPosition = String(answer.body.position);
    if (took) took(answer.body.partnershipId);
  }

  const ask = (userId: string, organizationId: string, action: string) => ({ userId, organizationId, action });
  /** The controller's answer (X-Min-Position takes it past the fast path) and the fast path's: always the same. */
  async function check(body: unknown, path = '/authorizations/check'): Promise<JsonAnswer> {
    const slow = await call('POST', path, service, body, { 'x-min-position': lastPosition });
    const quick = await call('POST', path, service, body);
    expect({ body, status: quick.status, answer: quick.body }).toEqual({ body, status: slow.status, answer: slow.body });
    if (quick.status === 200) expect(quick.headers.get('x-read-model-position')).toMatch(/^\d+$/);
    return slow;
  }

  const cli = (args: string[]) => runRosterCli(dataDir, SECRET, args);

  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-partners-'));
    roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ...env });
    [aAdmin, aEditor, aMember, aDepartmentAdmin, bAdmin, bMember, bEditor, cAdmin, cEditor, stranger] = await Promise.all(Array.from({ length: 10 }, () => newUser()));
    [superadmin, auditor, service] = await Promise.all([newUser(['superadmin']), newUser(['auditor']), newUser(['service'])]);

    await send(aAdmin, { type: 'CreateOrganization', data: { organizationId: a, name: 'Organization A', description: '' } });
    await send(bAdmin, { type: 'CreateOrganization', data: { organizationId: b, name: 'Organization B', description: '' } });
    await send(cAdmin, { type: 'CreateOrganization', data: { organizationId: c, name: 'Organization C', description: '' } });
    await send(aAdmin, { type: 'AddDepartment', data: { organizationId: a, departmentId: 'water', name: 'Water' } });
    await joinAs(a, aEditor, aAdmin, 'editor');
    await joinAs(a, aMember, aAdmin, 'member');
    await joinAs(a, aDepartmentAdmin, aAdmin, 'admin', 'water');
    await joinAs(b, bMember, bAdmin, 'member');
    await joinAs(b, bEditor, bAdmin, 'editor');
    await joinAs(c, cEditor, cAdmin, 'editor');
    // aMember is also an editor of B: a member of A is answered by the membership.
    await joinAs(b, aMember, bAdmin, 'editor');

    await command('POST', `/organizations/${a}/partners`, aAdmin, { partnerOrganizationId: b, access: 'read' }, (id) => (withB = id));
    await command('POST', `/organizations/${a}/partners/${withB}/accept`, bAdmin);
    await command('POST', `/organizations/${a}/partners`, aAdmin, { partnerOrganizationId: c, access: 'write' }, (id) => (withC = id));
    await command('POST', `/organizations/${a}/partners/${withC}/accept`, cAdmin);
    await tick();
    bothActive = new Date().toISOString();
    await tick();
  });
  afterAll(async () => {
    await roster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists A's partners and B's partner-of, and counts A's partners on its dashboard, to every caller who may read", async () => {
    const callers: Array<[string, User | null, number]> = [
      ['no token', null, 401],
      ['stranger', stranger, 403],
      ['auditor', auditor, 403],
      ['member', aMember, 200],
      ['editor', aEditor, 200],
      ['admin', aAdmin, 200],
      ['department admin', aDepartmentAdmin, 200],
      // Roster's lists are for members: a partner's member reads the shared resources, not A's roster.
      ["a partner's member", bMember, 403],
      ['superadmin', superadmin, 200],
      ['service', service, 200],
    ];
    for (const [who, as, status] of callers) {
      for (const path of [`/organizations/${a}/partners`, `/organizations/${a}/partner-of`, `/organizations/${a}/dashboard`]) {
        const answer = await read(path, as);
        expect({ who, path, status: answer.status }).toEqual({ who, path, status });
        if (status !== 200) expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
      }
    }
    const partners = await read(`/organizations/${a}/partners`, aMember);
    expect(partners.body.items).toEqual(
      [
        { partnershipId: withB, partnerOrganizationId: b, name: 'Organization B', access: 'read', status: 'active', invitedAt: expect.any(String), invitedBy: aAdmin.id, acceptedAt: expect.any(String), acceptedBy: bAdmin.id },
        { partnershipId: withC, partnerOrganizationId: c, name: 'Organization C', access: 'write', status: 'active', invitedAt: expect.any(String), invitedBy: aAdmin.id, acceptedAt: expect.any(String), acceptedBy: cAdmin.id },
      ].sort((x, y) => (x.partnershipId < y.partnershipId ? -1 : 1)),
    );
    expect((await read(`/organizations/${a}/partner-of`, aMember)).body).toEqual({ items: [] });
    expect((await read(`/organizations/${a}/dashboard`, aMember)).body.partnerCount).toBe(2);
    // B's members (and B's callers alike) read what B is a partner of.
    const partnerOf = await read(`/organizations/${b}/partner-of`, bMember);
    expect(partnerOf.status).toBe(200);
    expect(partnerOf.body).toEqual({ items: [{ partnershipId: withB, organizationId: a, name: 'Organization A', access: 'read', since: expect.any(String) }] });
    expect((await read(`/organizations/${b}/partner-of`, aEditor)).status).toBe(403);
    expect((await read(`/organizations/${b}/partners`, service)).body).toEqual({ items: [] });
    expect((await read(`/organizations/${randomUUID()}/partners`, superadmin)).status).toBe(404);
    expect((await read(`/organizations/not-an-id/partner-of`, superadmin)).status).toBe(400);
  });

  it("answers a partner's member via the partner, with the partner, their role there and the access; a member of A by the membership", async () => {
    const readOnly = (await check(ask(bMember.id, a, 'dataset.read'))).body;
    expect(readOnly).toEqual({ allowed: true, role: 'member', reason: expect.any(String), departmentId: null, via: 'partner', partnerOrganizationId: b, access: 'read' });
    expect((await check(ask(bMember.id, a, 'dataset.update'))).body).toMatchObject({ allowed: false, via: 'partner', partnerOrganizationId: b, access: 'read' });
    expect((await check(ask(bEditor.id, a, 'dataset.update'))).body).toMatchObject({ allowed: false, role: 'editor', via: 'partner', access: 'read' });
    expect((await check(ask(cEditor.id, a, 'dataset.update'))).body).toMatchObject({ allowed: true, role: 'editor', via: 'partner', partnerOrganizationId: c, access: 'write' });
    expect((await check(ask(cEditor.id, a, 'visualization.update'))).body).toMatchObject({ allowed: true, via: 'partner' });
    expect((await check(ask(cEditor.id, a, 'dataset.create'))).body).toMatchObject({ allowed: false, via: 'partner', partnerOrganizationId: c });
    expect((await check(ask(cEditor.id, a, 'membership.invite'))).body).toMatchObject({ allowed: false, via: 'partner' });
    expect((await check(ask(cAdmin.id, a, 'dataset.administer'))).body).toMatchObject({ allowed: false, via: 'partner', role: 'admin' });
    // A member of A who is also an editor of B: answered by the membership (role member in A), never via B.
    expect((await check(ask(aMember.id, a, 'dataset.update'))).body).toEqual({
      allowed: false,
      role: 'member',
      reason: expect.any(String),
      departmentId: null,
      via: 'membership',
      partnerOrganizationId: null,
      access: null,
    });
    // The partnership is directed: A's members get nothing in B.
    expect((await check(ask(aEditor.id, b, 'dataset.read'))).body).toMatchObject({ allowed: false, reason: 'not a member', via: 'membership' });
    const batch = await check({ checks: [ask(bMember.id, a, 'dataset.read'), ask(cEditor.id, a, 'dataset.update'), ask(aAdmin.id, a, 'organization.delete'), ask(stranger.id, a, 'dataset.read')] }, '/authorizations/check/batch');
    expect(batch.body.results.map((r: { allowed: boolean; via: string; partnerOrganizationId: string | null }) => [r.allowed, r.via, r.partnerOrganizationId])).toEqual([
      [true, 'partner', b],
      [true, 'partner', c],
      [true, 'membership', null],
      [false, 'membership', null],
    ]);
  });

  it('shows the partners as of a date, from the route and the CLI alike', async () => {
    const route = await call('GET', `/organizations/${a}/as-of?at=${encodeURIComponent(bothActive)}`, auditor);
    expect(route.status).toBe(200);
    expect(route.body.partners.map((p: { partnerOrganizationId: string; access: string; status: string }) => [p.partnerOrganizationId, p.access, p.status]).sort()).toEqual(
      [
        [b, 'read', 'active'],
        [c, 'write', 'active'],
      ].sort(),
    );
    const asOf = await cli(['as-of', a, bothActive]);
    expect(asOf.code).toBe(0);
    expect(JSON.parse(asOf.stdout)).toEqual(route.body);
    const history = await cli(['history', a, '--type', 'PartnerInvited,PartnershipAccepted']);
    expect(history.code).toBe(0);
    expect(history.stdout.split('\n').filter((text) => /^\s+\d+\s/.test(text))).toHaveLength(4);
  });

  it('grants nothing, at once, after the partnership ends or the partner is deleted', async () => {
    await command('DELETE', `/organizations/${a}/partners/${withC}`, cAdmin);
    expect((await check(ask(cEditor.id, a, 'dataset.update'))).body).toMatchObject({ allowed: false, reason: 'not a member', via: 'membership', partnerOrganizationId: null });
    expect((await check(ask(cEditor.id, a, 'dataset.read'))).body).toMatchObject({ allowed: false, via: 'membership' });
    expect((await read(`/organizations/${a}/dashboard`, aAdmin)).body.partnerCount).toBe(1);
    expect((await read(`/organizations/${a}/partners`, aAdmin)).body.items.map((p: { partnershipId: string }) => p.partnershipId)).toEqual([withB]);

    await command('DELETE', `/organizations/${b}`, bAdmin);
    for (const user of [bMember, bEditor, bAdmin]) {
      for (const action of ['dataset.read', 'organization.read', 'dataset.update']) {
        expect((await check(ask(user.id, a, action))).body).toMatchObject({ allowed: false, reason: 'not a member', via: 'membership' });
      }
    }
    expect((await check({ checks: [ask(bMember.id, a, 'dataset.read')] }, '/authorizations/check/batch')).body.results[0]).toMatchObject({ allowed: false, via: 'membership' });
    expect((await read(`/organizations/${a}/dashboard`, aAdmin)).body.partnerCount).toBe(0);
    expect((await read(`/organizations/${a}/partners`, aAdmin)).body).toEqual({ items: [] });
    for (const path of ['partners', 'partner-of']) {
      const gone = await read(`/organizations/${b}/${path}`, superadmin);
      expect({ path, status: gone.status, code: gone.body.code }).toEqual({ path, status: 410, code: 'ORGANIZATION.DELETED' });
    }
  });
});
