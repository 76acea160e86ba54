/**
 * The permission check at a past instant (`at`) end to end, through real HTTP: the service in
 * this process on the embedded store, the story told through the command routes, then asked
 * about each moment of it by every kind of caller. The answers are compared with the ones
 * the check gave at the time (asked then, without `at`), so "as it answered then" is checked
 * against the service itself. Fresh ids per run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestJson, type JsonAnswer } from '@roster/testing';
import { newTestUser, startRosterInProcess, type RosterInProcess, type TestUser as User } from './roster-in-process';

const SECRET = `e2e-secret-${randomUUID()}`;
const newUser = (roles: string[] = []) => newTestUser(SECRET, roles);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('POST /authorizations/check with `at`', () => {
  let roster: RosterInProcess;
  let dataDir = '';
  let lastPosition = '0';
  let a = '';
  let b = '';
  let aAdmin: User, aMember: User, aEditor: User, aDepartmentAdmin: User, bAdmin: User, bMember: User;
  let stranger: User, superadmin: User, auditor: User, service: User;
  /** Instants of the story, and what the check answered (without `at`) at each. */
  const moments: Record<string, string> = {};
  const answeredThen: Array<{ moment: string; check: Record<string, unknown>; answer: unknown }> = [];

  const call = (method: string, path: string, as: User | null, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> =>
    requestJson(roster.baseUrl, method, path, { token: as?.token, body, headers });

  async function command(method: string, path: string, as: User, body: unknown = {}): Promise<JsonAnswer> {
    const answer = await call(method, path, as, body);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    if (answer.body?.position) lastPosition = String(answer.body.position);
    return answer;
  }

  async function joinAs(orgId: string, user: User, by: User, role: string, departmentId?: string) {
    const { requestId } = (await command('POST', `/organizations/${orgId}/join-requests`, user, {})).body;
    await command('POST', `/organizations/${orgId}/join-requests/${requestId}/approve`, by, { role, ...(departmentId ? { departmentId } : {}) });
  }

  /** The questions asked at every moment: roles, the department rule, a partner's member. */
  const questions = () => [
    { userId: aMember.id, organizationId: a, action: 'dataset.create' },
    { userId: aMember.id, organizationId: a, action: 'dataset.update', departmentId: 'water' },
    { userId: aMember.id, organizationId: a, action: 'dataset.update', departmentId: 'air' },
    { userId: aEditor.id, organizationId: a, action: 'membership.invite' },
    { userId: aDepartmentAdmin.id, organizationId: a, action: 'dataset.administer', departmentId: 'water' },
    { userId: bMember.id, organizationId: a, action: 'dataset.read' },
    { userId: aAdmin.id, organizationId: a, action: 'organization.delete' },
  ];

  /** Marks a moment between two changes and records what the check answers now (read models caught up). */
  async function moment(name: string): Promise<void> {
    await tick();
    moments[name] = new Date().toISOString();
    for (const check of questions()) {
      const answer = await call('POST', '/authorizations/check', service, check, { 'x-min-position': lastPosition });
      expect(answer.status).toBe(200);
      answeredThen.push({ moment: name, check, answer: answer.body });
    }
    await tick();
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-check-at-'));
    roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
    [aAdmin, aMember, aEditor, aDepartmentAdmin, bAdmin, bMember, stranger] = await Promise.all(Array.from({ length: 7 }, () => newUser()));
    [superadmin, auditor, service] = await Promise.all([newUser(['superadmin']), newUser(['auditor']), newUser(['service'])]);
    a = randomUUID(); // not created yet: only its id is asked about before its creation
    await moment('before creation');
    a = (await command('POST', '/organizations', aAdmin, { name: 'Organization A' })).body.organizationId;
    b = (await command('POST', '/organizations', bAdmin, { name: 'Organization B' })).body.organizationId;
    await command('POST', `/organizations/${a}/departments`, aAdmin, { departmentId: 'water', name: 'Water' });
    await joinAs(a, aMember, aAdmin, 'member');
    await joinAs(a, aEditor, aAdmin, 'editor');
    await joinAs(a, aDepartmentAdmin, aAdmin, 'admin', 'water');
    await joinAs(b, bMember, bAdmin, 'member');
    await moment('members joined');
    await command('PUT', `/organizations/${a}/members/${aMember.id}/role`, aAdmin, { role: 'editor' });
    await command('PUT', `/organizations/${a}/members/${aEditor.id}/role`, aAdmin, { role: 'admin' });
    await moment('roles changed');
    await command('PUT', `/organizations/${a}/members/${aMember.id}/department`, aAdmin, { departmentId: 'water' });
    await moment('moved into water');
    const { partnershipId } = (await command('POST', `/organizations/${a}/partners`, aAdmin, { partnerOrganizationId: b, access: 'read' })).body;
    await command('POST', `/organizations/${a}/partners/${partnershipId}/accept`, bAdmin);
    await moment('partners');
    await command('DELETE', `/organizations/${a}/partners/${partnershipId}`, bAdmin);
    await moment('partnership ended');
    await command('DELETE', `/organizations/${a}`, aAdmin);
    await moment('deleted');
  });
  afterAll(async () => {
    await roster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers at each moment of the story exactly as the check answered then (single and batch)', async () => {
    for (const { moment: name, check, answer } of answeredThen) {
      const body = { ...check, organizationId: name === 'before creation' ? check.organizationId : a, at: moments[name] };
      const asked = await call('POST', '/authorizations/check', auditor, body);
      expect({ name, body, status: asked.status, answer: asked.body }).toEqual({ name, body, status: 200, answer });
    }
    const batch = await call('POST', '/authorizations/check/batch', service, {
      checks: answeredThen.map(({ moment: name, check }) => ({ ...check, at: moments[name] })),
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual(answeredThen.map(({ moment: name, check, answer }) => ({ ...check, at: moments[name], ...(answer as object) })));
  });

  it('says what each moment was: not created yet, roles, departments, partner, deleted', async () => {
    const ask = async (moment: string, check: Record<string, unknown>) => (await call('POST', '/authorizations/check', auditor, { ...check, at: moments[moment] })).body;
    expect(await ask('members joined', { userId: aAdmin.id, organizationId: a, action: 'organization.delete' })).toMatchObject({ allowed: true, role: 'admin' });
    expect(await ask('before creation', { userId: aAdmin.id, organizationId: a, action: 'organization.delete' })).toMatchObject({ allowed: false, reason: 'unknown organization' });
    expect(await ask('members joined', { userId: aMember.id, organizationId: a, action: 'dataset.create' })).toMatchObject({ allowed: false, role: 'member' });
    expect(await ask('roles changed', { userId: aMember.id, organizationId: a, action: 'dataset.create' })).toMatchObject({ allowed: true, role: 'editor' });
    expect(await ask('roles changed', { userId: aMember.id, organizationId: a, action: 'dataset.update', departmentId: 'air' })).toMatchObject({ allowed: true, departmentId: null });
    expect(await ask('moved into water', { userId: aMember.id, organizationId: a, action: 'dataset.update', departmentId: 'air' })).toMatchObject({ allowed: false, departmentId: 'water' });
    expect(await ask('partners', { userId: bMember.id, organizationId: a, action: 'dataset.read' })).toMatchObject({ allowed: true, via: 'partner', partnerOrganizationId: b, access: 'read' });
    expect(await ask('partnership ended', { userId: bMember.id, organizationId: a, action: 'dataset.read' })).toMatchObject({ allowed: false, reason: 'not a member' });
    expect(await ask('deleted', { userId: aAdmin.id, organizationId: a, action: 'organization.read' })).toMatchObject({ allowed: false, reason: 'organization deleted' });
    // Now (no `at`), the deleted organization answers the same.
    expect((await call('POST', '/authorizations/check', service, { userId: aAdmin.id, organizationId: a, action: 'organization.read' })).body.reason).toBe('organization deleted');
  });

  it('is asked by services, superadmins, auditors and users about themselves; others get 403, no token 401', async () => {
    const about = (user: User) => ({ userId: user.id, organizationId: a, action: 'dataset.read', at: moments['roles changed'] });
    const callers: Array<[string, User | null, number]> = [
      ['no token', null, 401],
      ['stranger', stranger, 403],
      ['member', aMember, 403],
      ['editor', aEditor, 403],
      ['admin', aAdmin, 403],
      ['department admin', aDepartmentAdmin, 403],
      ["a partner's member", bMember, 403],
      ['superadmin', superadmin, 200],
      ['auditor', auditor, 200],
      ['service token', service, 200],
    ];
    for (const [label, as, status] of callers) {
      for (const path of ['/authorizations/check', '/authorizations/check/batch']) {
        const body = path.endsWith('batch') ? { checks: [about(aMember)] } : about(aMember);
        const answer = await call('POST', path, as, body);
        expect({ label, path, status: answer.status }).toEqual({ label, path, status: as === aMember ? 200 : status });
        if (answer.status === 403) expect(answer.body.code).toBe('PERMISSION.DENIED');
      }
    }
    // Anyone signed in asks about themself, at any instant; an auditor does not ask the current check about others.
    for (const user of [stranger, aEditor, bMember]) expect((await call('POST', '/authorizations/check', user, about(user))).status).toBe(200);
    expect((await call('POST', '/authorizations/check', auditor, { userId: aMember.id, organizationId: a, action: 'dataset.read' })).status).toBe(403);
  });

  it('refuses a malformed `at` and one in the future with 400 and their codes, the fast path included', async () => {
    const check = { userId: aMember.id, organizationId: a, action: 'dataset.read' };
    const cases: Array<[unknown, string]> = [
      ['yesterday', 'VALIDATION.TIME'],
      ['2026-02-30T10:00:00Z', 'VALIDATION.TIME'],
      [1709251200000, 'VALIDATION.TIME'],
      [null, 'VALIDATION.TIME'],
      ['', 'VALIDATION.TIME'],
      [new Date(Date.now() + 3_600_000).toISOString(), 'VALIDATION.TIME_FUTURE'],
      ['2999-01-01', 'VALIDATION.TIME_FUTURE'],
    ];
    for (const [at, code] of cases) {
      for (const headers of [{}, { 'x-min-position': lastPosition }] as Array<Record<string, string>>) {
        const single = await call('POST', '/authorizations/check', service, { ...check, at }, headers);
        expect({ at, status: single.status, code: single.body.code, field: single.body.errors?.[0]?.field }).toEqual({ at, status: 400, code, field: 'at' });
        const batch = await call('POST', '/authorizations/check/batch', service, { checks: [check, { ...check, at }] }, headers);
        expect({ at, status: batch.status, code: batch.body.code, field: batch.body.errors?.[0]?.field }).toEqual({ at, status: 400, code, field: 'checks[1].at' });
      }
    }
  });
});
