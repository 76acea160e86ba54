/**
 * The operations routes (GET /health, /health/live, /health/ready, /metrics,
 * /.well-known/roster-audit-key, /docs, /docs-json, /docs-yaml) tried by every kind of caller, each
 * separately: no token, malformed, expired and forged tokens, a stranger, a member, an editor,
 * an admin, a department admin, a partner's member, a superadmin, an auditor, a service token;
 * and, with ROSTER_METRICS_TOKEN set, the right and a wrong metrics token. Each answers as the
 * README says, the same to everyone, and no answer carries a token, a secret, a user or
 * organization id, the data directory or the signing key's private half. Then what a hostile
 * client can put in the headers every route reads: X-Request-Id (length, control and
 * non-ASCII bytes, duplicates), traceparent/tracestate junk, huge headers.
 * Two services in this process on the embedded store: one open, one with a metrics token.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawExchange, requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { newTestUser, startRosterInProcess, type RosterInProcess, type TestUser as User } from './roster-in-process';

const SECRET = `operations-callers-${randomUUID()}`;
const METRICS_TOKEN = `scraper-${randomUUID()}`;
const ROUTES = ['/health', '/health/live', '/health/ready', '/metrics', '/.well-known/roster-audit-key', '/docs', '/docs-json', '/docs-yaml'] as const;

let workDir: string;
let open: RosterInProcess;
let guarded: RosterInProcess;
/** Every string that must never come back in an answer. */
const mustNotLeak: string[] = [SECRET, METRICS_TOKEN];
/** [who, the Authorization header's token (undefined: none)]. */
let callers: Array<[string, string | undefined]> = [];

async function command(baseUrl: string, method: string, path: string, as: User, body: unknown = {}): Promise<JsonAnswer> {
  const answer = await requestJson(baseUrl, method, path, { token: as.token, body });
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer;
}

/** On `baseUrl`: an organization with a member, an editor, an admin, a department admin, and a partner organization's member. */
async function organizationPeople(baseUrl: string): Promise<Record<string, User>> {
  const [admin, member, editor, departmentAdmin, partnerAdmin, partnerMember, stranger] = await Promise.all(Array.from({ length: 7 }, () => newTestUser(SECRET)));
  const joinAs = async (orgId: string, user: User, by: User, role: string, departmentId?: string) => {
    const { requestId } = (await command(baseUrl, 'POST', `/organizations/${orgId}/join-requests`, user)).body;
    await command(baseUrl, 'POST', `/organizations/${orgId}/join-requests/${requestId}/approve`, by, { role, ...(departmentId ? { departmentId } : {}) });
  };
  const a = (await command(baseUrl, 'POST', '/organizations', admin, { name: 'Operations A' })).body.organizationId as string;
  const b = (await command(baseUrl, 'POST', '/organizations', partnerAdmin, { name: 'Operations B' })).body.organizationId as string;
  await command(baseUrl, 'POST', `/organizations/${a}/departments`, admin, { departmentId: 'water', name: 'Water' });
  await joinAs(a, member, admin, 'member');
  await joinAs(a, editor, admin, 'editor');
  await joinAs(a, departmentAdmin, admin, 'admin', 'water');
  await joinAs(b, partnerMember, partnerAdmin, 'member');
  const { partnershipId } = (await command(baseUrl, 'POST', `/organizations/${a}/partners`, admin, { partnerOrganizationId: b, access: 'read' })).body;
  await command(baseUrl, 'POST', `/organizations/${a}/partners/${partnershipId}/accept`, partnerAdmin);
  mustNotLeak.push(a, b);
  return { stranger, member, editor, admin, departmentAdmin, partnerMember };
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'roster-operations-callers-'));
  const keyFile = join(workDir, 'audit-signing-key.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(keyFile, privatePem, { mode: 0o600 });
  // The private key's base64 body, line by line: none of it may be served.
  mustNotLeak.push(...privatePem.split('\n').filter((line) => line !== '' && !line.startsWith('-----')), workDir);
  const common = { ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ROSTER_AUDIT_SIGNING_KEY_FILE: keyFile };
  open = await startRosterInProcess({ ...common, ROSTER_DATA_DIR: join(workDir, 'open') });
  guarded = await startRosterInProcess({ ...common, ROSTER_DATA_DIR: join(workDir, 'guarded'), ROSTER_METRICS_TOKEN: METRICS_TOKEN });
  // The same people on both services (one JWT secret): member, admin… of organizations on each.
  const people = await organizationPeople(open.baseUrl);
  await organizationPeople(guarded.baseUrl);
  const [superadmin, auditor, service] = await Promise.all([newTestUser(SECRET, ['superadmin']), newTestUser(SECRET, ['auditor']), newTestUser(SECRET, ['service'])]);
  const expired = await signTestToken(SECRET, `user-${randomUUID()}`, { roles: ['superadmin'] }, Math.floor(Date.now() / 1000) - 60);
  const forged = await signTestToken(`not-${SECRET}`, `user-${randomUUID()}`, { roles: ['superadmin'] });
  callers = [
    ['no token', undefined],
    ['a malformed token', 'not-a-token'],
    ['an expired token', expired],
    ['a forged token', forged],
    ['a stranger', people.stranger.token],
    ['a member', people.member.token],
    ['an editor', people.editor.token],
    ['an admin', people.admin.token],
    ['a department admin', people.departmentAdmin.token],
    ["a partner's member", people.partnerMember.token],
    ['a superadmin', superadmin.token],
    ['an auditor', auditor.token],
    ['a service token', service.token],
  ];
  for (const [, token] of callers) if (token) mustNotLeak.push(token);
  for (const user of [...Object.values(people), superadmin, auditor, service]) mustNotLeak.push(user.id);
}, 120_000);

afterAll(async () => {
  await guarded?.close();
  await open?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

const get = (baseUrl: string, path: string, token?: string, headers: Record<string, string> = {}) => requestJson(baseUrl, 'GET', path, { token, headers });

/** The answer's text and headers hold none of the strings that must not leak. */
function expectNoLeak(who: string, path: string, answer: JsonAnswer): void {
  const all = `${answer.text}\n${[...answer.headers.entries()].map(([name, value]) => `${name}: ${value}`).join('\n')}`;
  const leaked = mustNotLeak.filter((secret) => all.includes(secret));
  expect({ who, path, leaked }).toEqual({ who, path, leaked: [] });
  expect(answer.headers.get('set-cookie')).toBeNull();
}

/** What an answer is, without what changes between two calls (uptime, counters, request id). */
function comparable(path: string, answer: JsonAnswer): unknown {
  if (path === '/health/live') return { status: answer.status, keys: Object.keys(answer.body ?? {}).sort() };
  if (path === '/metrics') return { status: answer.status, type: answer.headers.get('content-type') };
  return { status: answer.status, type: answer.headers.get('content-type'), text: answer.text };
}

describe('the operations routes, every kind of caller', () => {
  it('answer each caller exactly as they answer no token (all public), and leak nothing (no ROSTER_METRICS_TOKEN)', async () => {
    for (const path of ROUTES) {
      const reference = await get(open.baseUrl, path);
      expect([path, reference.status]).toEqual([path, 200]);
      for (const [who, token] of callers) {
        const answer = await get(open.baseUrl, path, token);
        expect({ who, path, answer: comparable(path, answer) }).toEqual({ who, path, answer: comparable(path, reference) });
        expectNoLeak(who, path, answer);
      }
    }
  });

  it('answer what the README documents, field by field', async () => {
    const health = await get(open.baseUrl, '/health');
    expect(Object.keys(health.body).sort()).toEqual(['eventStore', 'headPosition', 'status']);
    expect(health.body).toMatchObject({ status: 'ok', eventStore: 'sqlite', headPosition: expect.stringMatching(/^\d+$/) });
    const live = await get(open.baseUrl, '/health/live');
    expect(Object.keys(live.body).sort()).toEqual(['status', 'uptimeSeconds']);
    // Readiness: each condition's `ready`, `detail` and figures, and nothing else (no paths, no addresses, no error text).
    const ready = await get(open.baseUrl, '/health/ready');
    expect(Object.keys(ready.body).sort()).toEqual(['conditions', 'status']);
    const conditions = ready.body.conditions as Record<string, { ready: boolean; figures: Record<string, unknown> }>;
    expect(Object.keys(conditions).sort()).toEqual(['catchUp', 'eventStore', 'readModels', 'writer']);
    expect(Object.fromEntries(Object.entries(conditions).map(([name, condition]) => [name, Object.keys(condition.figures).sort()]))).toEqual({
      catchUp: ['catchingUp', 'position', 'startHeadPosition'],
      eventStore: ['headPosition', 'kind'],
      readModels: ['headPosition', 'lagSeconds', 'maxLagSeconds', 'position'],
      writer: ['writable'],
    });
    const key = await get(open.baseUrl, '/.well-known/roster-audit-key');
    expect(key.headers.get('content-type')).toMatch(/^application\/x-pem-file/);
    expect(key.text).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    expect((await get(open.baseUrl, '/docs')).headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await get(open.baseUrl, '/docs-json')).body).toMatchObject({ openapi: expect.any(String), paths: expect.any(Object) });
    const yaml = await get(open.baseUrl, '/docs-yaml');
    expect(yaml.headers.get('content-type')).toMatch(/^text\/yaml/);
    expect(yaml.text).toMatch(/^openapi: 3\./);
  });

  it('with ROSTER_METRICS_TOKEN, /metrics refuses every other token, a superadmin\'s and a wrong metrics token included; the rest stays public', async () => {
    const expectedOf = (token: string | undefined) => (token === undefined ? 'AUTH.MISSING_TOKEN' : 'AUTH.INVALID_TOKEN');
    for (const [who, token] of [...callers, ['a wrong metrics token', `scraper-${randomUUID()}`] as [string, string]]) {
      const answer = await get(guarded.baseUrl, '/metrics', token);
      expect({ who, status: answer.status, code: answer.body?.code }).toEqual({ who, status: 401, code: expectedOf(token) });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.text).not.toContain('roster_');
      expectNoLeak(who, '/metrics', answer);
      for (const path of ROUTES.filter((route) => route !== '/metrics')) {
        const other = await get(guarded.baseUrl, path, token);
        expect([who, path, other.status]).toEqual([who, path, 200]);
        expectNoLeak(who, path, other);
      }
    }
    // The metrics token: a scrape, and nothing more (it is no user token: every other route 401).
    const scrape = await get(guarded.baseUrl, '/metrics', METRICS_TOKEN);
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('roster_commands_total');
    const scrapeLeaks = mustNotLeak.filter((secret) => secret !== METRICS_TOKEN && scrape.text.includes(secret));
    expect(scrapeLeaks).toEqual([]);
    expect(scrape.text).not.toContain(METRICS_TOKEN);
    for (const [method, path] of [['GET', '/organizations?needsAdmin=true'], ['GET', `/users/user-${randomUUID()}/invitations`], ['POST', '/organizations']]) {
      const answer = await requestJson(guarded.baseUrl, method, path, { token: METRICS_TOKEN, body: method === 'POST' ? { name: 'Scraper' } : undefined });
      expect([method, path, answer.status, answer.body?.code]).toEqual([method, path, 401, 'AUTH.INVALID_TOKEN']);
    }
    // Another scheme, or the token twice, is not the bearer token.
    for (const authorization of [`Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN} ${METRICS_TOKEN}`, `Bearer  ${METRICS_TOKEN}x`, METRICS_TOKEN]) {
      const answer = await requestJson(guarded.baseUrl, 'GET', '/metrics', { headers: { authorization } });
      expect([authorization.slice(0, 6), answer.status]).toEqual([authorization.slice(0, 6), 401]);
    }
  });
});

describe('headers a hostile client controls', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('X-Request-Id: a well-formed one up to 128 characters is echoed; anything else is replaced by a fresh id, never echoed', async () => {
    const longest = `a${'b'.repeat(126)}c`;
    expect((await get(open.baseUrl, '/health/live', undefined, { 'x-request-id': longest })).headers.get('x-request-id')).toBe(longest);
    const refused = [
      `${longest}d`, // 129
      'x'.repeat(8000),
      'id with spaces',
      'id"},"level":"error',
      '<script>alert(1)</script>',
      'abc%0d%0aSet-Cookie:%20x=1',
      'user@example.org',
      '',
    ];
    for (const given of refused) {
      const answer = await get(open.baseUrl, '/health/live', undefined, { 'x-request-id': given });
      expect([given.slice(0, 40), answer.status]).toEqual([given.slice(0, 40), 200]);
      expect(answer.headers.get('x-request-id')).toMatch(UUID);
      expect(answer.headers.get('set-cookie')).toBeNull();
    }
    // Several X-Request-Id headers: Node joins them with ", ", which is not an id.
    const twice = await rawExchange(open.baseUrl, 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\nX-Request-Id: two\r\nConnection: close\r\n\r\n');
    expect(twice.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(twice.head).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
  });

  it('X-Request-Id with raw control or non-ASCII bytes: refused by the HTTP parser (400) or replaced, never echoed', async () => {
    for (const bytes of ['ab\x01cd', 'ab\x1b[31mred', 'ab\x7fcd', 'ab\rSet-Cookie: x=1', 'caf\xe9']) {
      const raw = await rawExchange(open.baseUrl, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${bytes}\r\nConnection: close\r\n\r\n`);
      const status = Number(raw.head.split(' ')[1]);
      expect([JSON.stringify(bytes), [200, 400].includes(status)]).toEqual([JSON.stringify(bytes), true]);
      expect(raw.head.toLowerCase()).not.toContain('set-cookie');
      const echoed = /\r\nx-request-id: ([^\r]*)/i.exec(raw.head)?.[1];
      if (echoed !== undefined) expect(echoed).toMatch(UUID);
    }
  });

  it('traceparent and tracestate junk is ignored, and never echoed; a valid traceparent is not echoed either', async () => {
    const valid = `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;
    const junk: Record<string, string>[] = [
      { traceparent: 'garbage' },
      { traceparent: `${valid}-${'x'.repeat(8000)}` },
      { traceparent: `ff-${valid.slice(3)}` },
      { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' },
      { traceparent: valid, tracestate: `a=${'b'.repeat(8000)}` },
      { traceparent: valid, tracestate: Array.from({ length: 100 }, (_, i) => `k${i}=v`).join(',') },
      { traceparent: valid },
    ];
    for (const headers of junk) {
      for (const path of ['/health', '/health/live', '/metrics']) {
        const answer = await get(open.baseUrl, path, undefined, headers);
        expect([path, answer.status]).toEqual([path, 200]);
        expect(answer.headers.get('traceparent')).toBeNull();
        expect(answer.headers.get('tracestate')).toBeNull();
      }
    }
  });

  it('huge headers: 431 REQUEST.HEADERS_TOO_LARGE as problem+json, connection closed; the service answers the next request', async () => {
    for (const header of [`X-Request-Id: ${'a'.repeat(20_000)}`, `Authorization: Bearer ${'a'.repeat(20_000)}`, `traceparent: ${'0'.repeat(20_000)}`, Array.from({ length: 1500 }, (_, i) => `X-H${i}: ${'v'.repeat(10)}`).join('\r\n')]) {
      const raw = await rawExchange(open.baseUrl, `GET /health HTTP/1.1\r\nHost: x\r\n${header}\r\n\r\n`);
      expect(raw.head).toMatch(/^HTTP\/1\.1 431 /);
      expect(raw.head).toMatch(/\r\nconnection: close/i);
      expect(JSON.parse(raw.body)).toMatchObject({ status: 431, code: 'REQUEST.HEADERS_TOO_LARGE' });
    }
    expect((await get(open.baseUrl, '/health')).status).toBe(200);
  });
});
