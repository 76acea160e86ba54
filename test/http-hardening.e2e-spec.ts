/**
 * What a hostile or broken client can do to the service over HTTP (issue 11): slow clients,
 * floods of commands, bodies nested too deep, ids at the length limit, methods a path does
 * not answer, X-Min-Position abuse, what the dashboard shows to whom, and shutdown (its
 * deadline, and the read models answering until the server has stopped). Most tests run the
 * service in this process on the embedded store; the shutdown deadline needs a real process
 * and a signal (`npm run build` first when running this file alone).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  rawConnection,
  rawExchange,
  requestJson,
  signTestToken,
  startServiceProcess,
  stopProcess,
  type JsonAnswer,
  type RawAnswer,
} from '@roster/testing';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const SECRET = `hardening-secret-${randomUUID()}`;

interface User {
  readonly id: string;
  readonly token: string;
}

async function newUser(options: { id?: string; roles?: string[]; email?: string } = {}): Promise<User> {
  const id = options.id ?? `user-${randomUUID()}`;
  const claims: Record<string, unknown> = {};
  if (options.roles) claims.roles = options.roles;
  if (options.email) claims.email = options.email;
  return { id, token: await signTestToken(SECRET, id, claims) };
}

const call = (baseUrl: string, method: string, path: string, as: User | null, body?: unknown, headers?: Record<string, string>): Promise<JsonAnswer> =>
  requestJson(baseUrl, method, path, { token: as?.token, body, headers });

function expectProblem(answer: JsonAnswer, status: number, code: string): void {
  if (answer.status !== status || answer.body?.code !== code) throw new Error(`expected ${status} ${code}, got ${answer.status}: ${answer.text}`);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status, code, type: `urn:roster:problem:${code}`, title: expect.any(String), detail: expect.any(String) });
}

/** A raw answer's status, headers (lower-cased names) and JSON body. */
function parseRaw(answer: RawAnswer): { status: number; headers: Record<string, string>; body: any } {
  const [statusLine, ...lines] = answer.head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: answer.body === '' ? undefined : JSON.parse(answer.body) };
}

async function createOrganization(baseUrl: string, admin: User): Promise<{ orgId: string; position: string }> {
  const answer = await call(baseUrl, 'POST', '/organizations', admin, { name: `Org ${randomUUID().slice(0, 8)}` });
  if (answer.status !== 201) throw new Error(`create: ${answer.status} ${answer.text}`);
  return { orgId: answer.body.organizationId, position: answer.body.position };
}

describe('HTTP hardening (embedded store, in process)', () => {
  let roster: RosterInProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-hardening-'));
    roster = await startRosterInProcess({
      ROSTER_DATA_DIR: dataDir,
      ROSTER_JWT_SECRET: SECRET,
      ROSTER_RUN: 'api,projections',
      ROSTER_HTTP_REQUEST_TIMEOUT_MS: '1000',
      ROSTER_HTTP_HEADERS_TIMEOUT_MS: '1000',
    });
  });
  afterAll(async () => {
    await roster.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 408 to a client that sent its headers and 4 bytes of the body, and closes the connection', async () => {
    const connection = await rawConnection(roster.baseUrl);
    connection.send('POST /organizations HTTP/1.1\r\nHost: roster\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na');
    const answer = parseRaw(await connection.answer);
    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 408, code: 'REQUEST.TIMEOUT' });
  });

  it('refuses JSON nested 100,000 levels deep with a 400, with or without a token', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expectProblem(await requestJson(roster.baseUrl, 'POST', '/organizations', { rawBody: deep }), 400, 'REQUEST.JSON_TOO_DEEP');
    const admin = await newUser();
    expectProblem(await requestJson(roster.baseUrl, 'POST', '/organizations', { token: admin.token, rawBody: deep }), 400, 'REQUEST.JSON_TOO_DEEP');
    const justTooDeep = JSON.stringify({ name: 'Deep', description: 'x', extra: JSON.parse('['.repeat(32) + ']'.repeat(32)) });
    expectProblem(await requestJson(roster.baseUrl, 'POST', '/organizations', { token: admin.token, rawBody: justTooDeep }), 400, 'REQUEST.JSON_TOO_DEEP');
  });

  it('takes a user id of 128 characters in a path, and answers 414 saying what was too long at 129', async () => {
    const longest = await newUser({ id: `u${'x'.repeat(127)}` });
    expect(longest.id).toHaveLength(128);
    const own = await call(roster.baseUrl, 'GET', `/users/${longest.id}/organizations`, longest);
    expect(own.status).toBe(200);
    const tooLong = await newUser({ id: `u${'x'.repeat(128)}` });
    const refused = await call(roster.baseUrl, 'GET', `/users/${tooLong.id}/organizations`, tooLong);
    expectProblem(refused, 414, 'REQUEST.PATH_SEGMENT_TOO_LONG');
    expect(refused.body.detail).toMatch(/path segment.*longer than 128 characters/);
  });

  it.each(['TRACE', 'QUERY', 'DELETE'])('answers %s /health with 405 and Allow', async (method) => {
    const answer = parseRaw(await rawExchange(roster.baseUrl, `${method} /health HTTP/1.1\r\nHost: roster\r\nConnection: close\r\n\r\n`));
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 405, code: 'HTTP.METHOD_NOT_ALLOWED' });
  });

  it('still answers 404 to a path no route has, whatever the method', async () => {
    const answer = parseRaw(await rawExchange(roster.baseUrl, 'QUERY /nowhere HTTP/1.1\r\nHost: roster\r\nConnection: close\r\n\r\n'));
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'ROUTE.NOT_FOUND' });
  });

  it("refuses at once an X-Min-Position beyond the store's last position (400)", async () => {
    const admin = await newUser();
    const { orgId, position } = await createOrganization(roster.baseUrl, admin);
    const beyond = (BigInt(position) + 1000n).toString();
    const refused = await call(roster.baseUrl, 'GET', `/organizations/${orgId}`, admin, undefined, { 'x-min-position': beyond });
    expectProblem(refused, 400, 'VALIDATION.MIN_POSITION');
    const reached = await call(roster.baseUrl, 'GET', `/organizations/${orgId}`, admin, undefined, { 'x-min-position': position });
    expect(reached.status).toBe(200);
  });

  it('shows invitation and join-request events in the recent activity only to those who may see them', async () => {
    const [admin, member, requester, service] = await Promise.all([newUser(), newUser(), newUser(), newUser({ roles: ['service'] })]);
    const email = `invitee-${randomUUID().slice(0, 8)}@example.org`;
    const { orgId } = await createOrganization(roster.baseUrl, admin);
    const invitation = await call(roster.baseUrl, 'POST', `/organizations/${orgId}/invitations`, admin, { userId: member.id, role: 'member' });
    expect(invitation.status).toBe(201);
    expect((await call(roster.baseUrl, 'POST', `/organizations/${orgId}/invitations/${invitation.body.invitationId}/accept`, member, {})).status).toBe(200);
    expect((await call(roster.baseUrl, 'POST', `/organizations/${orgId}/invitations`, admin, { email, role: 'member' })).status).toBe(201);
    const last = await call(roster.baseUrl, 'POST', `/organizations/${orgId}/join-requests`, requester, { message: 'let me in' });
    expect(last.status).toBe(201);

    const activity = async (reader: User) => {
      const answer = await call(roster.baseUrl, 'GET', `/organizations/${orgId}/dashboard`, reader, undefined, { 'x-min-position': last.body.position });
      expect(answer.status).toBe(200);
      return { types: (answer.body.recentActivity as Array<{ type: string }>).map((entry) => entry.type), text: JSON.stringify(answer.body.recentActivity) };
    };
    const asAdmin = await activity(admin);
    expect(asAdmin.types).toEqual(['JoinRequested', 'MemberInvited', 'InvitationAccepted', 'MemberInvited', 'OrganizationCreated']);
    expect(asAdmin.text).toContain(email);
    for (const reader of [member, service]) {
      const seen = await activity(reader);
      expect(seen.types).toEqual(['InvitationAccepted', 'OrganizationCreated']);
      expect(seen.text).not.toContain(email);
      expect(seen.text).not.toContain(requester.id);
    }
  });
});

describe('per-user command rate (ROSTER_COMMAND_RATE=1, ROSTER_COMMAND_BURST=3)', () => {
  let roster: RosterInProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-rate-'));
    roster = await startRosterInProcess({
      ROSTER_DATA_DIR: dataDir,
      ROSTER_JWT_SECRET: SECRET,
      ROSTER_RUN: 'api,projections',
      ROSTER_COMMAND_RATE: '1',
      ROSTER_COMMAND_BURST: '3',
    });
  });
  afterAll(async () => {
    await roster.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 429 with Retry-After and a problem body past the burst, to that user only; queries and checks are not limited', async () => {
    const [flooder, bystander] = await Promise.all([newUser(), newUser()]);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => call(roster.baseUrl, 'POST', '/organizations', flooder, { name: 'Flood' })),
    );
    const accepted = answers.filter((answer) => answer.status === 201);
    const limited = answers.filter((answer) => answer.status === 429);
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(accepted.length + limited.length).toBe(6);
    for (const answer of limited) {
      expectProblem(answer, 429, 'RATE_LIMIT.EXCEEDED');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }

    expect((await call(roster.baseUrl, 'POST', '/organizations', bystander, { name: 'Calm' })).status).toBe(201);
    const orgId = accepted[0].body.organizationId;
    for (let i = 0; i < 5; i++) {
      expect((await call(roster.baseUrl, 'GET', `/organizations/${orgId}`, flooder, undefined, { 'x-min-position': accepted[0].body.position })).status).toBe(200);
      const check = await call(roster.baseUrl, 'POST', '/authorizations/check', flooder, { userId: flooder.id, organizationId: orgId, action: 'organization.read' });
      expect(check.status).toBe(200);
    }
  });

  it('documents the 429 on command operations only', async () => {
    const document = (await requestJson(roster.baseUrl, 'GET', '/docs-json')).body;
    expect(document.paths['/organizations'].post.responses['429']).toBeDefined();
    expect(document.paths['/authorizations/check'].post.responses['429']).toBeUndefined();
  });

  it('limits requests without a valid token by client address', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(roster.baseUrl, 'POST', '/organizations', null, { name: 'Anonymous' })));
    expect(answers.filter((answer) => answer.status === 401).length).toBeGreaterThanOrEqual(3);
    expect(answers.some((answer) => answer.status === 429 && answer.body?.code === 'RATE_LIMIT.EXCEEDED')).toBe(true);
  });
});

describe('X-Min-Position waiters are capped (ROSTER_MIN_POSITION_WAITERS=1, projection not running here)', () => {
  let roster: RosterInProcess;
  let dataDir: string;
  const mongoUrl = process.env.MONGODB_URL;

  beforeAll(async () => {
    if (!mongoUrl) throw new Error('MONGODB_URL is not set: this suite needs the read models in MongoDB, projected elsewhere');
    dataDir = mkdtempSync(join(tmpdir(), 'roster-waiters-'));
    roster = await startRosterInProcess({
      ROSTER_DATA_DIR: dataDir,
      ROSTER_JWT_SECRET: SECRET,
      ROSTER_RUN: 'api',
      MONGODB_URL: mongoUrl,
      ROSTER_MONGODB_DB: `e2e-waiters-${randomUUID().slice(0, 8)}`,
      ROSTER_MIN_POSITION_WAITERS: '1',
    });
  });
  afterAll(async () => {
    await roster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets one query wait for a recorded position (503 READ_MODEL.BEHIND when not reached in time) and answers the next 503 READ_MODEL.BUSY, both with Retry-After', async () => {
    const admin = await newUser();
    const { orgId, position } = await createOrganization(roster.baseUrl, admin);
    const read = () => call(roster.baseUrl, 'GET', `/organizations/${orgId}`, admin, undefined, { 'x-min-position': position });
    const answers = await Promise.all([read(), read()]);
    const codes = answers.map((answer) => answer.body?.code).sort();
    expect(codes).toEqual(['READ_MODEL.BEHIND', 'READ_MODEL.BUSY']);
    for (const answer of answers) {
      expectProblem(answer, 503, answer.body.code);
      expect(answer.headers.get('retry-after')).toBe('1');
    }
  });
});

describe('shutdown', () => {
  it('keeps the read models answering until the HTTP server has stopped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roster-shutdown-order-'));
    try {
      const roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
      const admin = await newUser();
      const { orgId, position } = await createOrganization(roster.baseUrl, admin);
      // The read models have the organization before shutdown starts.
      const before = await call(roster.baseUrl, 'POST', '/authorizations/check', admin, { userId: admin.id, organizationId: orgId, action: 'organization.update' }, { 'x-min-position': position });
      expect(before.body).toMatchObject({ allowed: true, role: 'admin' });

      // A check whose body is still on its way when shutdown starts is answered after it.
      const body = JSON.stringify({ userId: admin.id, organizationId: orgId, action: 'organization.update' });
      const connection = await rawConnection(roster.baseUrl);
      connection.send(
        `POST /authorizations/check HTTP/1.1\r\nHost: roster\r\nAuthorization: Bearer ${admin.token}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
      );
      await new Promise((r) => setTimeout(r, 100));
      const closed = roster.app.close();
      const server = roster.app.getHttpServer();
      while (server.listening) await new Promise((r) => setTimeout(r, 10));
      connection.send(body.slice(10));
      const answer = parseRaw(await connection.answer);
      await closed;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ allowed: true, role: 'admin' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits within its deadline on SIGTERM while a client is stuck mid-body, having lost nothing acknowledged', async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does)`);
    const dataDir = mkdtempSync(join(tmpdir(), 'roster-shutdown-deadline-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.EVENTSTORE_CONNECTION_STRING;
    delete env.MONGODB_URL;
    delete env.KAFKA_BROKERS;
    Object.assign(env, {
      ROSTER_DATA_DIR: dataDir,
      ROSTER_JWT_SECRET: SECRET,
      ROSTER_RUN: 'api,projections',
      LOG_LEVEL: 'warn',
      // Only the shutdown deadline can end the stuck request here.
      ROSTER_HTTP_REQUEST_TIMEOUT_MS: '600000',
      ROSTER_HTTP_CONNECTION_TIMEOUT_MS: '600000',
      ROSTER_SHUTDOWN_TIMEOUT_MS: '1000',
    });
    const start = () => startServiceProcess({ entry: ENTRY, nodeArgs: ['-r', './scripts/register-paths.js'], cwd: ROOT, env, timeoutMs: 30_000 });
    let service = await start();
    try {
      const admin = await newUser();
      const { orgId, position } = await createOrganization(service.baseUrl, admin);
      const stuck = await rawConnection(service.baseUrl);
      stuck.send('POST /organizations HTTP/1.1\r\nHost: roster\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na');
      await new Promise((r) => setTimeout(r, 100));

      // Far beyond the deadline: a process still running then is killed, which the test sees.
      await stopProcess(service.child, 'SIGTERM', 60_000);
      expect(service.child.signalCode).not.toBe('SIGKILL');
      expect(service.output.join('')).toMatch(/closing the open connections/);
      await stuck.answer;

      service = await start();
      const after = await call(service.baseUrl, 'GET', `/organizations/${orgId}`, admin, undefined, { 'x-min-position': position });
      expect(after.status).toBe(200);
    } finally {
      await stopProcess(service.child, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
