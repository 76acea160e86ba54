/**
 * What a command route makes of its input and its outcome, through HTTP: every free-text
 * field refuses control and format characters with the field's code; a field has one code
 * whether its type or its rule is wrong; the answer's status and replay header; the
 * request bodies' OpenAPI schemas. The embedded store in a temporary data directory.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEXT_PATTERNS } from '@roster/domain';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `e2e-secret-${randomUUID()}`;
let running: RosterInProcess;
let dataDir: string;

interface User {
  readonly id: string;
  readonly token: string;
}

async function newUser(): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id, {}, '1h') };
}

function call(method: string, path: string, as: User, body?: unknown, headers?: Record<string, string>): Promise<JsonAnswer> {
  return requestJson(running.baseUrl, method, path, { token: as.token, body, headers });
}

function expectRefused(answer: JsonAnswer, code: string): void {
  if (answer.status !== 400) throw new Error(`expected 400 ${code}, got ${answer.status}: ${answer.text}`);
  expect(answer.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(answer.body.code).toBe(code);
}

const org = (id: string) => `/organizations/${id}`;

async function createOrganization(admin: User): Promise<{ organizationId: string; revision: bigint }> {
  const answer = await call('POST', '/organizations', admin, { name: `Org ${randomUUID().slice(0, 8)}` });
  expect(answer.status).toBe(201);
  return { organizationId: answer.body.organizationId, revision: BigInt(answer.body.revision) };
}

/** The revision the next command on the organization gets: one more than the last appended. */
async function nextRevision(organizationId: string, admin: User): Promise<bigint> {
  const answer = await call('PATCH', org(organizationId), admin, { description: `touched ${randomUUID()}` });
  expect(answer.status).toBe(200);
  return BigInt(answer.body.revision);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-input-'));
  running = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
});

afterAll(async () => {
  await running?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('control and format characters', () => {
  it('are refused in every free-text field with 400 and the field code, and change nothing', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { organizationId } = await createOrganization(alice);
    const request = await call('POST', `${org(organizationId)}/join-requests`, bob, { message: 'Hello' });
    expect(request.status).toBe(201);
    const requestId = request.body.requestId as string;
    const before = await nextRevision(organizationId, alice);

    expectRefused(await call('POST', '/organizations', alice, { name: 'Acme\u0000' }), 'VALIDATION.NAME');
    expectRefused(await call('POST', '/organizations', alice, { name: 'evil\u202ecod.exe' }), 'VALIDATION.NAME');
    expectRefused(await call('POST', '/organizations', alice, { name: 'Acme \ud800' }), 'VALIDATION.NAME');
    expectRefused(await call('POST', '/organizations', alice, { name: 'Acme', description: 'bell\u0007' }), 'VALIDATION.DESCRIPTION');
    expectRefused(await call('PATCH', org(organizationId), alice, { name: 'Two\nlines' }), 'VALIDATION.NAME');
    expectRefused(await call('PATCH', org(organizationId), alice, { description: '\u2066isolated' }), 'VALIDATION.DESCRIPTION');
    expectRefused(await call('POST', `${org(organizationId)}/join-requests`, await newUser(), { message: 'hi\u200b' }), 'VALIDATION.MESSAGE');
    expectRefused(await call('POST', `${org(organizationId)}/join-requests/${requestId}/reject`, alice, { reason: 'no\udc00' }), 'VALIDATION.REASON');
    expectRefused(await call('POST', `${org(organizationId)}/invitations`, alice, { email: 'a\u0000@example.org', role: 'member' }), 'VALIDATION.EMAIL');
    expectRefused(await call('POST', `${org(organizationId)}/invitations`, alice, { userId: 'user\u202e', role: 'member' }), 'VALIDATION.USER_ID');
    expectRefused(await call('DELETE', `${org(organizationId)}/members/user%00x`, alice), 'VALIDATION.USER_ID');
    // The permission check judges a user id by the same rule.
    const service = { id: 'portal', token: await signTestToken(SECRET, 'portal', { roles: ['service'] }, '1h') };
    const check = await call('POST', '/authorizations/check', service, { userId: 'bob\u202e', organizationId, action: 'dataset.read' });
    expectRefused(check, 'VALIDATION.USER_ID');

    expect(await nextRevision(organizationId, alice)).toBe(before + 1n);
  });

  it('line breaks and tabs stay allowed in a description, a message and a reason', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const created = await call('POST', '/organizations', alice, { name: 'Lines', description: 'One\r\nTwo\n\tThree' });
    expect(created.status).toBe(201);
    const organizationId = created.body.organizationId as string;
    const request = await call('POST', `${org(organizationId)}/join-requests`, bob, { message: 'Hello,\n\nI publish the timetables.' });
    expect(request.status).toBe(201);
    const rejected = await call('POST', `${org(organizationId)}/join-requests/${request.body.requestId}/reject`, alice, { reason: 'Not now.\nAsk again in March.' });
    expect(rejected.status).toBe(200);
  });
});

describe('one code per field', () => {
  it('is the same for a wrong type and for a broken rule', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const invitations = `${org(organizationId)}/invitations`;
    const cases: [string, string, unknown, unknown, string][] = [
      ['POST', '/organizations', { name: 42 }, { name: 'n'.repeat(201) }, 'VALIDATION.NAME'],
      ['PATCH', org(organizationId), { description: { text: 'x' } }, { description: 'd'.repeat(2001) }, 'VALIDATION.DESCRIPTION'],
      ['POST', invitations, { email: 5, role: 'member' }, { email: 'not an address', role: 'member' }, 'VALIDATION.EMAIL'],
      ['POST', invitations, { userId: 12, role: 'member' }, { userId: 'u'.repeat(129), role: 'member' }, 'VALIDATION.USER_ID'],
      ['POST', invitations, { userId: 'u', role: 1 }, { userId: 'u', role: 'owner' }, 'VALIDATION.ROLE'],
      ['POST', invitations, { userId: 'u', role: 'member', expiresInDays: '7' }, { userId: 'u', role: 'member', expiresInDays: 31 }, 'VALIDATION.EXPIRES_IN_DAYS'],
    ];
    for (const [method, path, wrongType, brokenRule, code] of cases) {
      for (const body of [wrongType, brokenRule]) {
        const answer = await call(method, path, alice, body);
        expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status: 400, code });
        expect(answer.body.errors).toEqual([expect.objectContaining({ code })]);
      }
    }
  });
});

describe('the answer of a command route', () => {
  it('a replayed creation answers 201 again, marked idempotent-replayed; the first is not', async () => {
    const alice = await newUser();
    const headers = { 'idempotency-key': randomUUID() };
    const first = await call('POST', '/organizations', alice, { name: 'Once' }, headers);
    const replay = await call('POST', '/organizations', alice, { name: 'Once' }, headers);
    expect([first.status, replay.status]).toEqual([201, 201]);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('a command that creates nothing answers 200', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const noop = await call('PUT', `${org(organizationId)}/members/${alice.id}/role`, alice, { role: 'admin' });
    expect(noop.status).toBe(200);
    expect(noop.body).toEqual({ organizationId, revision: '0', position: expect.stringMatching(/^\d+$/) });
  });
});

describe('OpenAPI request bodies', () => {
  it('are closed, with integers as integers and the invitation as "userId or email"', async () => {
    const document = (await requestJson(running.baseUrl, 'GET', '/docs-json')).body;
    const schemas = document.components.schemas as Record<string, Record<string, unknown>>;
    for (const name of ['CreateOrganizationRequest', 'UpdateOrganizationProfileRequest', 'InviteMemberRequest', 'RequestJoinRequest', 'ApproveJoinRequest', 'RejectJoinRequest', 'ChangeRoleRequest']) {
      expect({ name, additionalProperties: schemas[name]?.additionalProperties }).toEqual({ name, additionalProperties: false });
    }
    const invite = schemas.InviteMemberRequest as { oneOf: unknown; properties: Record<string, { type?: string }> };
    expect(invite.oneOf).toEqual([{ required: ['userId'] }, { required: ['email'] }]);
    expect(invite.properties.expiresInDays.type).toBe('integer');
  });

  it('give path ids their format: the service ids UUIDs, user ids bounded', async () => {
    const document = (await requestJson(running.baseUrl, 'GET', '/docs-json')).body;
    type Parameter = { name: string; in: string; schema: Record<string, unknown> };
    const parameters = (path: string, method: string) =>
      Object.fromEntries(((document.paths[path][method].parameters ?? []) as Parameter[]).filter((p) => p.in === 'path').map((p) => [p.name, p.schema]));
    expect(parameters('/organizations/{orgId}/invitations/{invitationId}/accept', 'post')).toEqual({
      orgId: { type: 'string', format: 'uuid' },
      invitationId: { type: 'string', format: 'uuid' },
    });
    expect(parameters('/organizations/{orgId}/members/{userId}', 'delete')).toEqual({
      orgId: { type: 'string', format: 'uuid' },
      userId: { type: 'string', minLength: 1, maxLength: 128, pattern: TEXT_PATTERNS.oneLine },
    });
  });

  it('say which characters text fields take, with the patterns of the domain', async () => {
    const document = (await requestJson(running.baseUrl, 'GET', '/docs-json')).body;
    const schemas = document.components.schemas as Record<string, { properties: Record<string, { pattern?: string }> }>;
    const pattern = (schema: string, field: string) => schemas[schema].properties[field].pattern;
    expect(pattern('CreateOrganizationRequest', 'name')).toBe(TEXT_PATTERNS.oneLine);
    expect(pattern('UpdateOrganizationProfileRequest', 'description')).toBe(TEXT_PATTERNS.multiLine);
    expect(pattern('RequestJoinRequest', 'message')).toBe(TEXT_PATTERNS.multiLine);
    expect(pattern('RejectJoinRequest', 'reason')).toBe(TEXT_PATTERNS.multiLine);
    expect(pattern('InviteMemberRequest', 'userId')).toBe(TEXT_PATTERNS.oneLine);
    expect(pattern('InviteMemberRequest', 'email')).toBe(TEXT_PATTERNS.email);
  });

  it('document 414 on every route with a path parameter, and only there', async () => {
    const document = (await requestJson(running.baseUrl, 'GET', '/docs-json')).body;
    type Operation = { parameters?: { in: string }[]; responses: Record<string, unknown> };
    const operations = Object.values(document.paths as Record<string, Record<string, Operation>>).flatMap((item) => Object.values(item));
    const hasPathParameter = (operation: Operation) => (operation.parameters ?? []).some((parameter) => parameter.in === 'path');
    expect(operations.filter(hasPathParameter).length).toBeGreaterThan(10);
    for (const operation of operations) expect('414' in operation.responses).toBe(hasPathParameter(operation));
  });
});
