/**
 * Departments and the default dataset role (issue 13), the command side through real HTTP:
 * every route tried by every kind of caller, department admins inside and outside their
 * department, the last organization-wide admin, removing a department that is not empty,
 * moving members, invitations and approvals into a department. What a command did is read
 * from the audit history (an auditor's GET …/history); that a refusal appended nothing, from
 * the event count of GET …/verify, which must not move.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `e2e-secret-${randomUUID()}`;

interface User {
  readonly id: string;
  readonly token: string;
}

async function newUser(platformRoles?: string[]): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id, platformRoles ? { roles: platformRoles } : {}) };
}

let running: RosterInProcess;
let dataDir: string;
let auditor: User;
let superadmin: User;
let service: User;

const call = (method: string, path: string, as: User | null, body?: unknown): Promise<JsonAnswer> =>
  requestJson(running.baseUrl, method, path, { token: as?.token, body });

function accepted(answer: JsonAnswer): JsonAnswer {
  if (answer.status < 200 || answer.status >= 300) throw new Error(`expected 2xx, got ${answer.status}: ${answer.text}`);
  return answer;
}

function expectProblem(answer: JsonAnswer, status: number, code: string): void {
  if (answer.status !== status || answer.body?.code !== code) throw new Error(`expected ${status} ${code}, got ${answer.status}: ${answer.text}`);
  expect(answer.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
}

const org = (orgId: string) => `/organizations/${orgId}`;

/** How many events the organization's stream holds (the chain check counts them). */
async function eventCount(orgId: string): Promise<number> {
  return accepted(await call('GET', `${org(orgId)}/verify`, auditor)).body.events as number;
}

interface HistoryEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly revision: string;
}

/** The organization's recorded events of these types, oldest first. */
async function history(orgId: string, ...types: string[]): Promise<HistoryEvent[]> {
  const query = types.length ? `?type=${types.join(',')}&limit=1000` : '?limit=1000';
  return accepted(await call('GET', `${org(orgId)}/history${query}`, auditor)).body.events;
}

/** Sends a command that must be refused with `status` and `code`, and checks that nothing was appended. */
async function expectRefused(orgId: string, send: () => Promise<JsonAnswer>, status: number, code: string): Promise<void> {
  const before = await eventCount(orgId);
  expectProblem(await send(), status, code);
  expect(await eventCount(orgId)).toBe(before);
}

async function invite(orgId: string, as: User, body: Record<string, unknown>): Promise<string> {
  return accepted(await call('POST', `${org(orgId)}/invitations`, as, body)).body.invitationId;
}

/** `user` joins through an invitation sent by `as` with `placement` (departmentId, defaultDatasetRole). */
async function join_(orgId: string, as: User, user: User, role: string, placement: Record<string, unknown> = {}): Promise<User> {
  const invitationId = await invite(orgId, as, { userId: user.id, role, ...placement });
  accepted(await call('POST', `${org(orgId)}/invitations/${invitationId}/accept`, user));
  return user;
}

async function addDepartment(orgId: string, as: User, departmentId: string, name = departmentId) {
  return accepted(await call('POST', `${org(orgId)}/departments`, as, { departmentId, name }));
}

/**
 * An organization with departments water and roads (and the empty spares given), an
 * organization-wide admin, member and editor, an admin of each department, a member of water
 * invited by water's admin, and a stranger.
 */
async function world(spares: string[] = []) {
  const [admin, member, editor, waterAdmin, roadsAdmin, waterMember, stranger] = await Promise.all(Array.from({ length: 7 }, () => newUser()));
  const orgId = accepted(await call('POST', '/organizations', admin, { name: `Departments ${randomUUID().slice(0, 8)}` })).body.organizationId as string;
  for (const departmentId of ['water', 'roads', ...spares]) await addDepartment(orgId, admin, departmentId);
  await join_(orgId, admin, member, 'member');
  await join_(orgId, admin, editor, 'editor');
  await join_(orgId, admin, waterAdmin, 'admin', { departmentId: 'water' });
  await join_(orgId, admin, roadsAdmin, 'admin', { departmentId: 'roads' });
  await join_(orgId, waterAdmin, waterMember, 'member');
  return { orgId, admin, member, editor, waterAdmin, roadsAdmin, waterMember, stranger };
}

type World = Awaited<ReturnType<typeof world>>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-departments-e2e-'));
  running = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
  [auditor, superadmin, service] = await Promise.all([newUser(['auditor']), newUser(['superadmin']), newUser(['service'])]);
});

afterAll(async () => {
  await running?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------

const CALLERS = ['nobody', 'stranger', 'member', 'editor', 'admin', 'waterAdmin', 'roadsAdmin', 'superadmin', 'auditor', 'service'] as const;
type Caller = (typeof CALLERS)[number];

function caller(w: World, who: Caller): User | null {
  switch (who) {
    case 'nobody':
      return null;
    case 'superadmin':
      return superadmin;
    case 'auditor':
      return auditor;
    case 'service':
      return service;
    default:
      return w[who];
  }
}

const OK = 'ok';
const DENIED = [403, 'PERMISSION.DENIED'] as const;
const DEPARTMENT = [403, 'PERMISSION.DEPARTMENT'] as const;
type Expected = typeof OK | readonly [number, string];

interface Request {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

/** Each route, what it sends (fresh values per caller, so that each accepted call changes something) and who may. */
interface RouteCase {
  readonly route: string;
  /** Spare empty departments the world needs. */
  readonly spares?: string[];
  /** The request `who` sends; anything it needs first (a join request) is made here, before the count. */
  readonly request: (w: World, who: Caller) => Promise<Request>;
  /** Whoever is not named here is refused 403 PERMISSION.DENIED (401 without a token). */
  readonly allowed: Partial<Record<Caller, Expected>>;
}

const ORGANIZATION_WIDE_ADMINS_ONLY = { admin: OK, superadmin: OK, waterAdmin: DEPARTMENT, roadsAdmin: DEPARTMENT } as const;
const slug = (who: Caller) => who.toLowerCase();

const ROUTES: RouteCase[] = [
  {
    route: 'POST /organizations/:orgId/departments',
    request: async (w, who) => ({ method: 'POST', path: `${org(w.orgId)}/departments`, body: { departmentId: `parks-${slug(who)}`, name: 'Parks' } }),
    allowed: ORGANIZATION_WIDE_ADMINS_ONLY,
  },
  {
    route: 'PATCH /organizations/:orgId/departments/:departmentId',
    request: async (w, who) => ({ method: 'PATCH', path: `${org(w.orgId)}/departments/water`, body: { name: `Water (${who})` } }),
    allowed: ORGANIZATION_WIDE_ADMINS_ONLY,
  },
  {
    route: 'DELETE /organizations/:orgId/departments/:departmentId',
    spares: CALLERS.map((who) => `spare-${slug(who)}`),
    request: async (w, who) => ({ method: 'DELETE', path: `${org(w.orgId)}/departments/spare-${slug(who)}` }),
    allowed: ORGANIZATION_WIDE_ADMINS_ONLY,
  },
  {
    route: 'PUT /organizations/:orgId/members/:userId/department',
    // Back and forth between water and roads: each accepted call moves water's member.
    request: async (w) => {
      const moves = (await history(w.orgId, 'MemberDepartmentChanged')).length;
      return { method: 'PUT', path: `${org(w.orgId)}/members/${w.waterMember.id}/department`, body: { departmentId: moves % 2 === 0 ? 'roads' : 'water' } };
    },
    allowed: ORGANIZATION_WIDE_ADMINS_ONLY,
  },
  {
    route: 'PUT /organizations/:orgId/members/:userId/default-dataset-role (a member of water)',
    request: async (w) => {
      const changes = (await history(w.orgId, 'DefaultDatasetRoleChanged')).length;
      return { method: 'PUT', path: `${org(w.orgId)}/members/${w.waterMember.id}/default-dataset-role`, body: { defaultDatasetRole: changes % 2 === 0 ? 'manager' : 'none' } };
    },
    allowed: { admin: OK, superadmin: OK, waterAdmin: OK, roadsAdmin: DEPARTMENT },
  },
  {
    route: 'PUT /organizations/:orgId/members/:userId/default-dataset-role (an organization-wide member)',
    request: async (w) => {
      const changes = (await history(w.orgId, 'DefaultDatasetRoleChanged')).length;
      return { method: 'PUT', path: `${org(w.orgId)}/members/${w.member.id}/default-dataset-role`, body: { defaultDatasetRole: changes % 2 === 0 ? 'none' : 'reader' } };
    },
    allowed: { admin: OK, superadmin: OK, waterAdmin: DEPARTMENT, roadsAdmin: DEPARTMENT },
  },
  {
    route: 'POST /organizations/:orgId/invitations {departmentId: water}',
    request: async (w) => ({ method: 'POST', path: `${org(w.orgId)}/invitations`, body: { userId: `invitee-${randomUUID()}`, role: 'member', departmentId: 'water' } }),
    allowed: { admin: OK, superadmin: OK, waterAdmin: OK, roadsAdmin: DEPARTMENT },
  },
  {
    route: 'POST /organizations/:orgId/join-requests/:requestId/approve {departmentId: water}',
    request: async (w) => {
      const requestId = accepted(await call('POST', `${org(w.orgId)}/join-requests`, await newUser(), {})).body.requestId;
      return { method: 'POST', path: `${org(w.orgId)}/join-requests/${requestId}/approve`, body: { departmentId: 'water', defaultDatasetRole: 'reader' } };
    },
    allowed: { admin: OK, superadmin: OK, waterAdmin: OK, roadsAdmin: DEPARTMENT },
  },
];

describe('who may use each route', () => {
  test.each(ROUTES.map((r) => [r.route, r] as const))('%s', async (_route, { spares, request, allowed }) => {
    const w = await world(spares);
    const answers: Record<string, string> = {};
    const wanted: Record<string, string> = {};
    for (const who of CALLERS) {
      const expected: Expected = who === 'nobody' ? [401, 'AUTH.MISSING_TOKEN'] : (allowed[who] ?? DENIED);
      wanted[who] = expected === OK ? '2xx, 1 event appended' : `${expected[0]} ${expected[1]}, 0 events appended`;
      const { method, path, body } = await request(w, who);
      const before = await eventCount(w.orgId);
      const answer = await call(method, path, caller(w, who), body);
      const appended = (await eventCount(w.orgId)) - before;
      const status = answer.status >= 200 && answer.status < 300 ? '2xx' : `${answer.status} ${answer.body?.code}`;
      answers[who] = `${status}, ${appended} event${appended === 1 ? '' : 's'} appended`;
    }
    expect(answers).toEqual(wanted);
  });
});
