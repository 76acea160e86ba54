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

describe('a department admin manages the people of their department only', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });

  test("invites into their own department when none is named, with the role's default dataset role", async () => {
    const invitee = await newUser();
    const invitationId = await invite(w.orgId, w.waterAdmin, { userId: invitee.id, role: 'editor' });
    const [invited] = (await history(w.orgId, 'MemberInvited')).filter((e) => e.data.invitationId === invitationId);
    expect(invited.data).toEqual(expect.objectContaining({ departmentId: 'water', defaultDatasetRole: 'contributor' }));
    accepted(await call('POST', `${org(w.orgId)}/invitations/${invitationId}/accept`, invitee));
    const [joined] = (await history(w.orgId, 'InvitationAccepted')).filter((e) => e.data.invitationId === invitationId);
    expect(joined.data).toEqual(expect.objectContaining({ userId: invitee.id, departmentId: 'water', defaultDatasetRole: 'contributor' }));
  });

  test('is refused elsewhere: another department, organization-wide, and the people there', async () => {
    const path = `${org(w.orgId)}/invitations`;
    await expectRefused(w.orgId, () => call('POST', path, w.waterAdmin, { userId: 'someone', role: 'member', departmentId: 'roads' }), 403, 'PERMISSION.DEPARTMENT');
    await expectRefused(w.orgId, () => call('POST', path, w.waterAdmin, { userId: 'someone', role: 'member', departmentId: null }), 403, 'PERMISSION.DEPARTMENT');
    const roadsInvitation = await invite(w.orgId, w.roadsAdmin, { userId: `invitee-${randomUUID()}`, role: 'member' });
    await expectRefused(w.orgId, () => call('DELETE', `${path}/${roadsInvitation}`, w.waterAdmin), 403, 'PERMISSION.DEPARTMENT');
    for (const target of [w.member, w.roadsAdmin]) {
      await expectRefused(w.orgId, () => call('PUT', `${org(w.orgId)}/members/${target.id}/role`, w.waterAdmin, { role: 'editor' }), 403, 'PERMISSION.DEPARTMENT');
      await expectRefused(w.orgId, () => call('DELETE', `${org(w.orgId)}/members/${target.id}`, w.waterAdmin), 403, 'PERMISSION.DEPARTMENT');
    }
    // The organization itself stays with organization-wide admins.
    await expectRefused(w.orgId, () => call('PATCH', org(w.orgId), w.waterAdmin, { description: 'mine now' }), 403, 'PERMISSION.DEPARTMENT');
    await expectRefused(w.orgId, () => call('DELETE', org(w.orgId), w.waterAdmin), 403, 'PERMISSION.DEPARTMENT');
  });

  test('changes the role of, and removes, members of their department; revokes invitations into it', async () => {
    const member = await join_(w.orgId, w.waterAdmin, await newUser(), 'member');
    accepted(await call('PUT', `${org(w.orgId)}/members/${member.id}/role`, w.waterAdmin, { role: 'editor' }));
    accepted(await call('DELETE', `${org(w.orgId)}/members/${member.id}`, w.waterAdmin));
    const invitationId = await invite(w.orgId, w.waterAdmin, { userId: `invitee-${randomUUID()}`, role: 'member' });
    accepted(await call('DELETE', `${org(w.orgId)}/invitations/${invitationId}`, w.waterAdmin));
    const recorded = (await history(w.orgId, 'MemberRoleChanged', 'MemberRemoved', 'InvitationRevoked')).map((e) => e.type);
    expect(recorded.slice(-3)).toEqual(['MemberRoleChanged', 'MemberRemoved', 'InvitationRevoked']);
  });

  test('approves join requests into their department; naming another is refused', async () => {
    const [first, second] = await Promise.all([newUser(), newUser()]);
    const requestOf = async (user: User) => accepted(await call('POST', `${org(w.orgId)}/join-requests`, user, {})).body.requestId as string;
    const [firstRequest, secondRequest] = [await requestOf(first), await requestOf(second)];
    await expectRefused(
      w.orgId,
      () => call('POST', `${org(w.orgId)}/join-requests/${firstRequest}/approve`, w.roadsAdmin, { departmentId: 'water' }),
      403,
      'PERMISSION.DEPARTMENT',
    );
    accepted(await call('POST', `${org(w.orgId)}/join-requests/${firstRequest}/approve`, w.waterAdmin, {}));
    accepted(await call('POST', `${org(w.orgId)}/join-requests/${secondRequest}/approve`, w.admin, { role: 'member', departmentId: 'roads', defaultDatasetRole: 'none' }));
    const approvals = await history(w.orgId, 'JoinApproved');
    expect(approvals.find((e) => e.data.requestId === firstRequest)?.data).toEqual(
      expect.objectContaining({ userId: first.id, role: 'editor', departmentId: 'water', defaultDatasetRole: 'contributor', approvedBy: w.waterAdmin.id }),
    );
    expect(approvals.find((e) => e.data.requestId === secondRequest)?.data).toEqual(
      expect.objectContaining({ userId: second.id, role: 'member', departmentId: 'roads', defaultDatasetRole: 'none' }),
    );
  });

  test("changes the default dataset role of their department's members; the same value again appends nothing", async () => {
    const path = `${org(w.orgId)}/members/${w.waterMember.id}/default-dataset-role`;
    const changed = accepted(await call('PUT', path, w.waterAdmin, { defaultDatasetRole: 'contributor' }));
    const same = accepted(await call('PUT', path, w.waterAdmin, { defaultDatasetRole: 'contributor' }));
    expect(same.body.revision).toBe(changed.body.revision);
    const [last] = (await history(w.orgId, 'DefaultDatasetRoleChanged')).slice(-1);
    expect(last.data).toEqual(expect.objectContaining({ userId: w.waterMember.id, to: 'contributor', changedBy: w.waterAdmin.id }));
    // A later role change leaves it as it is: no DefaultDatasetRoleChanged more.
    accepted(await call('PUT', `${org(w.orgId)}/members/${w.waterMember.id}/role`, w.waterAdmin, { role: 'editor' }));
    expect((await history(w.orgId, 'DefaultDatasetRoleChanged')).slice(-1)).toEqual([last]);
  });
});

describe('the last organization-wide admin', () => {
  test('is kept: a department admin never keeps an organization alone', async () => {
    const w = await world();
    const { orgId, admin } = w;
    const self = `${org(orgId)}/members/${admin.id}`;
    await expectRefused(orgId, () => call('PUT', `${self}/department`, admin, { departmentId: 'water' }), 409, 'MEMBERSHIP.LAST_ADMIN');
    await expectRefused(orgId, () => call('PUT', `${self}/role`, admin, { role: 'editor' }), 409, 'MEMBERSHIP.LAST_ADMIN');
    await expectRefused(orgId, () => call('DELETE', self, admin), 409, 'MEMBERSHIP.LAST_ADMIN');
    // A department admin made organization-wide counts: then the first one may go.
    accepted(await call('PUT', `${org(orgId)}/members/${w.waterAdmin.id}/department`, admin, { departmentId: null }));
    accepted(await call('PUT', `${self}/department`, admin, { departmentId: 'roads' }));
    await expectRefused(orgId, () => call('DELETE', `${org(orgId)}/members/${w.waterAdmin.id}`, w.waterAdmin), 409, 'MEMBERSHIP.LAST_ADMIN');
  });
});

describe('departments', () => {
  test('a department with members or pending invitations is not removed: 409 DEPARTMENT.NOT_EMPTY', async () => {
    const w = await world();
    const { orgId, admin } = w;
    const water = `${org(orgId)}/departments/water`;
    await expectRefused(orgId, () => call('DELETE', water, admin), 409, 'DEPARTMENT.NOT_EMPTY');
    // Its people moved out, an invitation into it still holds it.
    for (const user of [w.waterAdmin, w.waterMember]) accepted(await call('PUT', `${org(orgId)}/members/${user.id}/department`, admin, { departmentId: null }));
    const invitationId = await invite(orgId, admin, { email: 'someone@example.org', role: 'member', departmentId: 'water' });
    await expectRefused(orgId, () => call('DELETE', water, admin), 409, 'DEPARTMENT.NOT_EMPTY');
    accepted(await call('DELETE', `${org(orgId)}/invitations/${invitationId}`, admin));
    accepted(await call('DELETE', water, admin));
    await expectRefused(orgId, () => call('DELETE', water, admin), 404, 'DEPARTMENT.NOT_FOUND');
    expect((await history(orgId, 'DepartmentRemoved')).map((e) => e.data)).toEqual([{ organizationId: orgId, departmentId: 'water', removedBy: admin.id }]);
  });

  test('added with the id the admin chose, renamed keeping it; a taken id, an unknown one and bad ones are refused', async () => {
    const w = await world();
    const { orgId, admin } = w;
    const added = accepted(await call('POST', `${org(orgId)}/departments`, admin, { departmentId: 'parks', name: ' Parks ' }));
    expect(added.status).toBe(201);
    const renamed = accepted(await call('PATCH', `${org(orgId)}/departments/parks`, admin, { name: 'Parks and gardens' }));
    const again = accepted(await call('PATCH', `${org(orgId)}/departments/parks`, admin, { name: 'Parks and gardens' }));
    expect(again.body.revision).toBe(renamed.body.revision);
    expect((await history(orgId, 'DepartmentAdded', 'DepartmentRenamed')).slice(-2).map((e) => e.data)).toEqual([
      { organizationId: orgId, departmentId: 'parks', name: 'Parks', addedBy: admin.id },
      { organizationId: orgId, departmentId: 'parks', from: 'Parks', to: 'Parks and gardens', renamedBy: admin.id },
    ]);
    await expectRefused(orgId, () => call('POST', `${org(orgId)}/departments`, admin, { departmentId: 'parks', name: 'Parks' }), 409, 'DEPARTMENT.ALREADY_EXISTS');
    await expectRefused(orgId, () => call('PATCH', `${org(orgId)}/departments/nowhere`, admin, { name: 'Nowhere' }), 404, 'DEPARTMENT.NOT_FOUND');
    for (const bad of ['Water', '-water', 'a'.repeat(65), 'eau%20potable']) {
      await expectRefused(orgId, () => call('PATCH', `${org(orgId)}/departments/${bad}`, admin, { name: 'Bad' }), 400, 'VALIDATION.DEPARTMENT_ID');
      await expectRefused(orgId, () => call('DELETE', `${org(orgId)}/departments/${bad}`, admin), 400, 'VALIDATION.DEPARTMENT_ID');
      await expectRefused(orgId, () => call('POST', `${org(orgId)}/departments`, admin, { departmentId: decodeURIComponent(bad), name: 'Bad' }), 400, 'VALIDATION.DEPARTMENT_ID');
    }
    await expectRefused(orgId, () => call('POST', `${org(orgId)}/departments`, admin, { departmentId: 'ok', name: ' ' }), 400, 'VALIDATION.NAME');
    await expectRefused(orgId, () => call('POST', `${org(orgId)}/departments`, admin, { departmentId: 'ok', name: 'Ok', colour: 'red' }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', `${org(randomUUID())}/departments`, admin, { departmentId: 'parks', name: 'Parks' }), 404, 'ORGANIZATION.NOT_FOUND');
  });
});

describe('moving a member', () => {
  test('into a department, to another, back to organization-wide; the same place again appends nothing', async () => {
    const w = await world();
    const { orgId, admin, member } = w;
    const path = `${org(orgId)}/members/${member.id}/department`;
    accepted(await call('PUT', path, admin, { departmentId: 'water' }));
    accepted(await call('PUT', path, superadmin, { departmentId: 'roads' }));
    const last = accepted(await call('PUT', path, admin, { departmentId: null }));
    expect(accepted(await call('PUT', path, admin, { departmentId: null })).body.revision).toBe(last.body.revision);
    expect((await history(orgId, 'MemberDepartmentChanged')).map(({ data: { from, to, changedBy } }) => ({ from, to, changedBy }))).toEqual([
      { from: null, to: 'water', changedBy: admin.id },
      { from: 'water', to: 'roads', changedBy: superadmin.id },
      { from: 'roads', to: null, changedBy: admin.id },
    ]);
    await expectRefused(orgId, () => call('PUT', path, admin, { departmentId: 'nowhere' }), 404, 'DEPARTMENT.NOT_FOUND');
    await expectRefused(orgId, () => call('PUT', `${org(orgId)}/members/nobody-here/department`, admin, { departmentId: 'water' }), 404, 'MEMBERSHIP.NOT_FOUND');
    await expectRefused(orgId, () => call('PUT', path, admin, {}), 400, 'VALIDATION.DEPARTMENT_ID');
    await expectRefused(orgId, () => call('PUT', path, admin, { departmentId: 'Water' }), 400, 'VALIDATION.DEPARTMENT_ID');
    await expectRefused(orgId, () => call('PUT', `${org(orgId)}/members/${member.id}/default-dataset-role`, admin, { defaultDatasetRole: 'owner' }), 400, 'VALIDATION.DEFAULT_DATASET_ROLE');
  });
});

describe('invitations into a department', () => {
  test('by an organization-wide admin: the department and the default dataset role given are recorded, organization-wide without', async () => {
    const w = await world();
    const { orgId, admin } = w;
    const [dan, eve] = await Promise.all([newUser(), newUser()]);
    await join_(orgId, admin, dan, 'admin', { departmentId: 'roads', defaultDatasetRole: 'none' });
    await join_(orgId, admin, eve, 'admin');
    const byUser = new Map((await history(orgId, 'InvitationAccepted')).map((e) => [e.data.userId, e.data]));
    expect(byUser.get(dan.id)).toEqual(expect.objectContaining({ departmentId: 'roads', defaultDatasetRole: 'none' }));
    expect(byUser.get(eve.id)).toEqual(expect.objectContaining({ departmentId: null, defaultDatasetRole: 'manager' }));
    await expectRefused(orgId, () => call('POST', `${org(orgId)}/invitations`, admin, { userId: 'x', role: 'member', departmentId: 'nowhere' }), 404, 'DEPARTMENT.NOT_FOUND');
    await expectRefused(orgId, () => call('POST', `${org(orgId)}/invitations`, admin, { userId: 'x', role: 'member', defaultDatasetRole: 'owner' }), 400, 'VALIDATION.DEFAULT_DATASET_ROLE');
  });
});

describe('the OpenAPI document', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let document: any;
  beforeAll(async () => {
    document = (await call('GET', '/docs-json', null)).body;
  });

  const schemaOf = (ref: string) => document.components.schemas[ref.split('/').pop()!];
  const bodyOf = (path: string, method: string) => schemaOf(document.paths[path][method].requestBody.content['application/json'].schema.$ref);

  test.each([
    ['/organizations/{orgId}/departments', 'post', '201'],
    ['/organizations/{orgId}/departments/{departmentId}', 'patch', '200'],
    ['/organizations/{orgId}/departments/{departmentId}', 'delete', '200'],
    ['/organizations/{orgId}/members/{userId}/department', 'put', '200'],
    ['/organizations/{orgId}/members/{userId}/default-dataset-role', 'put', '200'],
  ])('%s %s: the bearer token, its answer and every refusal as problem+json', (path, method, success) => {
    const operation = document.paths[path]?.[method];
    expect(operation?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining([success, '400', '401', '403', '404', '409']));
    for (const status of ['400', '401', '403', '404', '409']) expect(Object.keys(operation.responses[status].content)).toEqual(['application/problem+json']);
    const departmentId = operation.parameters.find((p: { name: string }) => p.name === 'departmentId');
    if (path.includes('{departmentId}')) expect(departmentId.schema).toEqual(expect.objectContaining({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', maxLength: 64 }));
  });

  test('the bodies say their limits: slug, name length, roles, and where null is organization-wide', () => {
    const slug = expect.objectContaining({ type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', maxLength: 64 });
    const add = bodyOf('/organizations/{orgId}/departments', 'post');
    expect(add).toEqual(expect.objectContaining({ additionalProperties: false, required: ['departmentId', 'name'] }));
    expect(add.properties.departmentId).toEqual(slug);
    expect(add.properties.departmentId.nullable).toBeFalsy();
    expect(add.properties.name).toEqual(expect.objectContaining({ minLength: 1, maxLength: 200 }));
    expect(bodyOf('/organizations/{orgId}/members/{userId}/department', 'put')).toEqual(
      expect.objectContaining({ required: ['departmentId'], properties: { departmentId: expect.objectContaining({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', nullable: true }) } }),
    );
    const roles = ['none', 'reader', 'contributor', 'manager'];
    expect(bodyOf('/organizations/{orgId}/members/{userId}/default-dataset-role', 'put').properties.defaultDatasetRole.enum).toEqual(roles);
    for (const [path, method] of [['/organizations/{orgId}/invitations', 'post'], ['/organizations/{orgId}/join-requests/{requestId}/approve', 'post']]) {
      const body = bodyOf(path, method);
      expect(body.required ?? []).not.toContain('departmentId');
      expect(body.properties.departmentId).toEqual(expect.objectContaining({ nullable: true, pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }));
      expect(body.properties.defaultDatasetRole.enum).toEqual(roles);
    }
  });
});
