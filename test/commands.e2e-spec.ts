/**
 * The command API end to end: real HTTP on a random port, the embedded SQLite store in a
 * temporary data directory, tokens signed with the configured HS256 secret. Every test
 * uses fresh random organizations and users, so the tests share one running service.
 * Whether a refused command appended nothing is judged by the revision of the next
 * successful command on the same organization: it must be exactly one more.
 * Not here: an expired invitation (the API takes at least a day and has no clock to move;
 * the domain's decider specs judge expiry against the command's time).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawExchange, requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { SignJWT } from 'jose';
import { AuthGuard } from '../apps/roster/src/auth/auth.guard';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `e2e-secret-${randomUUID()}`;

type Running = RosterInProcess;

/** Starts the service in this process on 127.0.0.1 and a free port, on `dataDir`. */
const startRoster = (dataDir: string): Promise<Running> =>
  startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });

// ---------------------------------------------------------------------------------------
// Tokens and users

interface User {
  readonly id: string;
  readonly token: string;
}

const sign = (claims: Record<string, unknown>, sub: string, expiresIn: string | number = '1h') => signTestToken(SECRET, sub, claims, expiresIn);

/** A user with a fresh id; an `email` is verified (`email_verified: true`) unless `emailVerified: false`. */
async function newUser(options: { email?: string; emailVerified?: boolean; roles?: string[] } = {}): Promise<User> {
  const id = `user-${randomUUID()}`;
  const claims: Record<string, unknown> = {};
  if (options.email) Object.assign(claims, { email: options.email, email_verified: options.emailVerified ?? true });
  if (options.roles) claims.roles = options.roles;
  return { id, token: await sign(claims, id) };
}

const newEmail = () => `someone-${randomUUID().slice(0, 8)}@example.org`;

// ---------------------------------------------------------------------------------------
// HTTP

type Answer = JsonAnswer;

interface RequestOptions {
  readonly as?: User | string | null;
  readonly body?: unknown;
  /** Sent as is, with Content-Type application/json. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

let running: Running;
let dataDir: string;

async function call(method: string, path: string, options: RequestOptions = {}, base = running.baseUrl): Promise<Answer> {
  const token = typeof options.as === 'string' ? options.as : options.as?.token;
  return requestJson(base, method, path, { token, body: options.body, rawBody: options.rawBody, headers: options.headers });
}

/** A 2xx answer to a command, with its revision and position (positions are decimal strings). */
function expectAccepted(answer: Answer): { organizationId: string; revision: bigint; position: bigint } {
  if (answer.status < 200 || answer.status >= 300) {
    throw new Error(`expected 2xx, got ${answer.status}: ${answer.text}`);
  }
  expect(typeof answer.body.organizationId).toBe('string');
  expect(typeof answer.body.position).toBe('string');
  expect(answer.body.position).toMatch(/^\d+$/);
  expect(String(answer.body.revision)).toMatch(/^\d+$/);
  return {
    organizationId: answer.body.organizationId,
    revision: BigInt(answer.body.revision),
    position: BigInt(answer.body.position),
  };
}

/** A problem+json refusal with the given status (and code, when given). */
function expectProblem(answer: Answer, status: number, code?: string): void {
  if (answer.status !== status) throw new Error(`expected ${status}${code ? ` ${code}` : ''}, got ${answer.status}: ${answer.text}`);
  expect(answer.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(answer.body).toEqual(expect.objectContaining({ status, title: expect.any(String), type: expect.any(String) }));
  expect(typeof answer.body.code).toBe('string');
  if (code) expect(answer.body.code).toBe(code);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------
// Commands, one helper per route

const org = (id: string) => `/organizations/${id}`;

async function createOrganization(admin: User, name = `Org ${randomUUID().slice(0, 8)}`) {
  const answer = await call('POST', '/organizations', { as: admin, body: { name, description: 'An e2e organization' } });
  expect(answer.status).toBe(201);
  const accepted = expectAccepted(answer);
  expect(accepted.organizationId).toMatch(UUID);
  expect(accepted.revision).toBe(0n);
  return accepted;
}

async function invite(orgId: string, admin: User, invitee: { userId: string } | { email: string }, role = 'editor') {
  const answer = await call('POST', `${org(orgId)}/invitations`, { as: admin, body: { ...invitee, role } });
  const accepted = expectAccepted(answer);
  expect(answer.body.invitationId).toMatch(UUID);
  return { ...accepted, invitationId: answer.body.invitationId as string };
}

async function requestJoin(orgId: string, user: User, message?: string) {
  const answer = await call('POST', `${org(orgId)}/join-requests`, { as: user, body: message === undefined ? {} : { message } });
  const accepted = expectAccepted(answer);
  expect(answer.body.requestId).toMatch(UUID);
  return { ...accepted, requestId: answer.body.requestId as string };
}

/** A member with the given role, through invitation and acceptance. */
async function addMember(orgId: string, admin: User, role: string, user?: User): Promise<User> {
  const member = user ?? (await newUser());
  const { invitationId } = await invite(orgId, admin, { userId: member.id }, role);
  expectAccepted(await call('POST', `${org(orgId)}/invitations/${invitationId}/accept`, { as: member }));
  return member;
}

const changeRole = (orgId: string, as: User, userId: string, role: unknown) =>
  call('PUT', `${org(orgId)}/members/${userId}/role`, { as, body: { role } });

/** A harmless command that always appends one event: the profile's description changes. */
async function touch(orgId: string, admin: User) {
  return expectAccepted(
    await call('PATCH', org(orgId), { as: admin, body: { description: `touched ${randomUUID()}` } }),
  );
}

/** Runs `refused`, then a successful command: its revision must be exactly one past `before`. */
async function expectNothingAppended(orgId: string, admin: User, before: bigint): Promise<bigint> {
  const next = await touch(orgId, admin);
  expect(next.revision).toBe(before + 1n);
  return next.revision;
}

// ---------------------------------------------------------------------------------------

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-'));
  running = await startRoster(dataDir);
});

afterAll(async () => {
  await running?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('health and documentation', () => {
  it('answers /health', async () => {
    const answer = await call('GET', '/health');
    expect(answer.status).toBe(200);
  });

  it('serves the OpenAPI document with every command route', async () => {
    const page = await call('GET', '/docs');
    expect(page.status).toBe(200);
    const json = await call('GET', '/docs-json');
    expect(json.status).toBe(200);
    const paths = Object.keys(json.body.paths ?? {});
    expect(paths).toEqual(
      expect.arrayContaining([
        '/organizations',
        '/organizations/{orgId}',
        '/organizations/{orgId}/invitations',
        '/organizations/{orgId}/invitations/{invitationId}/accept',
        '/organizations/{orgId}/invitations/{invitationId}/decline',
        '/organizations/{orgId}/invitations/{invitationId}',
        '/organizations/{orgId}/join-requests',
        '/organizations/{orgId}/join-requests/{requestId}/approve',
        '/organizations/{orgId}/join-requests/{requestId}/reject',
        '/organizations/{orgId}/join-requests/{requestId}',
        '/organizations/{orgId}/members/{userId}/role',
        '/organizations/{orgId}/members/{userId}',
      ]),
    );
  });
});

describe('walkthrough', () => {
  it('creates an organization: 201 with its id, revision 0 and a position', async () => {
    const alice = await newUser();
    const created = await createOrganization(alice);
    expect(created.position).toBeGreaterThan(0n);
    // The creator is its first admin: an admin-only command succeeds.
    const next = await touch(created.organizationId, alice);
    expect(next.revision).toBe(1n);
    expect(next.position).toBeGreaterThan(created.position);
  });

  it('echoes the X-Correlation-Id it was given', async () => {
    const alice = await newUser();
    const correlationId = randomUUID();
    const answer = await call('POST', '/organizations', { as: alice, body: { name: 'Correlated' }, headers: { 'x-correlation-id': correlationId } });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-correlation-id')).toBe(correlationId);
  });

  it('updates the profile; setting the same values again appends nothing', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice, 'Before');
    const updated = expectAccepted(await call('PATCH', org(organizationId), { as: alice, body: { name: 'After', description: 'New' } }));
    expect(updated.revision).toBe(1n);
    const same = expectAccepted(await call('PATCH', org(organizationId), { as: alice, body: { name: 'After' } }));
    expect(same.revision).toBe(1n);
    await expectNothingAppended(organizationId, alice, 1n);
  });

  it('invites by user id; the invitee accepts and becomes a member with the invited role', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { organizationId } = await createOrganization(alice);
    const invited = await invite(organizationId, alice, { userId: bob.id }, 'admin');
    expect(invited.revision).toBe(1n);
    const accepted = expectAccepted(await call('POST', `${org(organizationId)}/invitations/${invited.invitationId}/accept`, { as: bob }));
    expect(accepted.revision).toBe(2n);
    // Bob is an admin now: he may update the profile.
    expect((await touch(organizationId, bob)).revision).toBe(3n);
    // Accepting twice is refused: the invitation is no longer pending.
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invited.invitationId}/accept`, { as: bob }), 409);
  });

  it('invites by e-mail; whoever proves the address with the token e-mail claim accepts', async () => {
    const alice = await newUser();
    const email = newEmail();
    const carol = await newUser({ email });
    const mallory = await newUser({ email: newEmail() });
    const { organizationId } = await createOrganization(alice);
    const { invitationId, revision } = await invite(organizationId, alice, { email: email.toUpperCase() }, 'member');
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: mallory }), 403, 'INVITATION.NOT_INVITEE');
    const accepted = expectAccepted(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: carol }));
    expect(accepted.revision).toBe(revision + 1n);
    // Carol is a member (not admin): admin commands are forbidden to her.
    expectProblem(await call('PATCH', org(organizationId), { as: carol, body: { name: 'Mine' } }), 403);
  });

  it('an unverified e-mail claim answers no e-mail invitation, not even with the invited address (403, nothing appended)', async () => {
    const alice = await newUser();
    const victim = newEmail();
    const { organizationId } = await createOrganization(alice);
    const { invitationId, revision } = await invite(organizationId, alice, { email: victim }, 'admin');
    // The attack: an account at the identity provider claiming the victim's address, never verified.
    for (const emailVerified of [false, 'true']) {
      const token = await sign({ email: victim, email_verified: emailVerified }, `user-${randomUUID()}`);
      for (const answer of ['accept', 'decline']) {
        expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/${answer}`, { as: token }), 403, 'INVITATION.EMAIL_NOT_VERIFIED');
      }
      expectProblem(await call('PATCH', org(organizationId), { as: token, body: { name: 'Taken over' } }), 403);
    }
    const unverified = await newUser({ email: victim, emailVerified: false });
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: unverified }), 403, 'INVITATION.EMAIL_NOT_VERIFIED');
    await expectNothingAppended(organizationId, alice, revision);
    // The owner of the address, verified, still accepts it.
    const owner = await newUser({ email: victim });
    expectAccepted(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: owner }));
  });

  it('the invitee declines; the declined invitation can no longer be accepted', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { organizationId } = await createOrganization(alice);
    const { invitationId, revision } = await invite(organizationId, alice, { userId: bob.id });
    // Sent the way many clients do: a JSON content type with no body at all.
    const declined = expectAccepted(
      await call('POST', `${org(organizationId)}/invitations/${invitationId}/decline`, { as: bob, headers: { 'content-type': 'application/json' } }),
    );
    expect(declined.revision).toBe(revision + 1n);
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: bob }), 409);
    await expectNothingAppended(organizationId, alice, declined.revision);
  });

  it('an admin revokes a pending invitation; it can no longer be accepted', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { organizationId } = await createOrganization(alice);
    const { invitationId, revision } = await invite(organizationId, alice, { userId: bob.id });
    const revoked = expectAccepted(await call('DELETE', `${org(organizationId)}/invitations/${invitationId}`, { as: alice }));
    expect(revoked.revision).toBe(revision + 1n);
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: bob }), 409);
    expectProblem(await call('DELETE', `${org(organizationId)}/invitations/${invitationId}`, { as: alice }), 409);
  });

  it('a second invitation to the same person replaces the first, never two open', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { organizationId } = await createOrganization(alice);
    const first = await invite(organizationId, alice, { userId: bob.id }, 'member');
    const second = await invite(organizationId, alice, { userId: bob.id }, 'admin');
    expect(second.invitationId).not.toBe(first.invitationId);
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${first.invitationId}/accept`, { as: bob }), 409);
    expectAccepted(await call('POST', `${org(organizationId)}/invitations/${second.invitationId}/accept`, { as: bob }));
    expectAccepted(await call('PATCH', org(organizationId), { as: bob, body: { description: 'bob is admin' } }));
  });

  it('a user requests to join and cancels the request', async () => {
    const alice = await newUser();
    const dave = await newUser();
    const { organizationId } = await createOrganization(alice);
    const { requestId, revision } = await requestJoin(organizationId, dave, 'Please let me in');
    const cancelled = expectAccepted(await call('DELETE', `${org(organizationId)}/join-requests/${requestId}`, { as: dave }));
    expect(cancelled.revision).toBe(revision + 1n);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests/${requestId}/approve`, { as: alice, body: {} }), 409);
  });

  it('an admin approves a join request; the default role is editor', async () => {
    const alice = await newUser();
    const erin = await newUser();
    const { organizationId } = await createOrganization(alice);
    const { requestId, revision } = await requestJoin(organizationId, erin);
    const approved = expectAccepted(await call('POST', `${org(organizationId)}/join-requests/${requestId}/approve`, { as: alice, body: {} }));
    expect(approved.revision).toBe(revision + 1n);
    // She is an editor: making her an editor again is a no-op, nothing appended ...
    const same = expectAccepted(await changeRole(organizationId, alice, erin.id, 'editor'));
    expect(same.revision).toBe(approved.revision);
    // ... and an editor may not do what only an admin may.
    expectProblem(await call('POST', `${org(organizationId)}/invitations`, { as: erin, body: { userId: randomUUID(), role: 'member' } }), 403);
    await expectNothingAppended(organizationId, alice, approved.revision);
  });

  it('an admin approves a join request with an explicit role', async () => {
    const alice = await newUser();
    const erin = await newUser();
    const { organizationId } = await createOrganization(alice);
    const { requestId } = await requestJoin(organizationId, erin);
    expectAccepted(await call('POST', `${org(organizationId)}/join-requests/${requestId}/approve`, { as: alice, body: { role: 'admin' } }));
    // She is an admin: an admin-only command succeeds.
    await touch(organizationId, erin);
  });

  it('an admin rejects a join request with a reason', async () => {
    const alice = await newUser();
    const frank = await newUser();
    const { organizationId } = await createOrganization(alice);
    const { requestId, revision } = await requestJoin(organizationId, frank);
    const rejected = expectAccepted(
      await call('POST', `${org(organizationId)}/join-requests/${requestId}/reject`, { as: alice, body: { reason: 'Staff only' } }),
    );
    expect(rejected.revision).toBe(revision + 1n);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests/${requestId}/approve`, { as: alice, body: {} }), 409);
    // He may ask again: the rejected request is no longer pending.
    await requestJoin(organizationId, frank, 'I am staff now');
  });

  it('changes a role; the same role again is a 2xx no-op that appends nothing', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const bob = await addMember(organizationId, alice, 'member');
    const promoted = expectAccepted(await changeRole(organizationId, alice, bob.id, 'admin'));
    const again = expectAccepted(await changeRole(organizationId, alice, bob.id, 'admin'));
    expect(again.revision).toBe(promoted.revision);
    await expectNothingAppended(organizationId, alice, promoted.revision);
    // Now there are two admins: alice may step down to editor.
    expectAccepted(await changeRole(organizationId, bob, alice.id, 'editor'));
    expectProblem(await call('PATCH', org(organizationId), { as: alice, body: { name: 'x' } }), 403);
  });

  it('an admin removes a member; the removed member may no longer act as one', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const bob = await addMember(organizationId, alice, 'admin');
    const removed = expectAccepted(await call('DELETE', `${org(organizationId)}/members/${bob.id}`, { as: alice }));
    expectProblem(await call('PATCH', org(organizationId), { as: bob, body: { name: 'Bob' } }), 403);
    expectProblem(await call('DELETE', `${org(organizationId)}/members/${bob.id}`, { as: alice }), 404);
    await expectNothingAppended(organizationId, alice, removed.revision);
  });

  it('a member leaves the organization (DELETE on themself) and may ask to join again', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const gina = await addMember(organizationId, alice, 'editor');
    const left = expectAccepted(await call('DELETE', `${org(organizationId)}/members/${gina.id}`, { as: gina }));
    expectProblem(await call('DELETE', `${org(organizationId)}/members/${gina.id}`, { as: gina }), 404);
    const again = await requestJoin(organizationId, gina);
    expect(again.revision).toBe(left.revision + 1n);
  });

  it('deletes an organization; afterwards every command is refused with 409 and appends nothing', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const bob = await addMember(organizationId, alice, 'member');
    const { invitationId } = await invite(organizationId, alice, { userId: randomUUID() });
    const stranger = await newUser();
    const { requestId } = await requestJoin(organizationId, stranger);
    expectAccepted(await call('DELETE', org(organizationId), { as: alice }));

    const refused: Array<[string, string, RequestOptions]> = [
      ['PATCH', org(organizationId), { as: alice, body: { name: 'Again' } }],
      ['DELETE', org(organizationId), { as: alice }],
      ['POST', `${org(organizationId)}/invitations`, { as: alice, body: { userId: randomUUID(), role: 'member' } }],
      ['POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: alice }],
      ['POST', `${org(organizationId)}/invitations/${invitationId}/decline`, { as: alice }],
      ['DELETE', `${org(organizationId)}/invitations/${invitationId}`, { as: alice }],
      ['POST', `${org(organizationId)}/join-requests`, { as: await newUser(), body: {} }],
      ['POST', `${org(organizationId)}/join-requests/${requestId}/approve`, { as: alice, body: {} }],
      ['POST', `${org(organizationId)}/join-requests/${requestId}/reject`, { as: alice, body: {} }],
      ['DELETE', `${org(organizationId)}/join-requests/${requestId}`, { as: stranger }],
      ['PUT', `${org(organizationId)}/members/${bob.id}/role`, { as: alice, body: { role: 'admin' } }],
      ['DELETE', `${org(organizationId)}/members/${bob.id}`, { as: alice }],
      ['DELETE', `${org(organizationId)}/members/${bob.id}`, { as: bob }],
    ];
    for (const [method, path, options] of refused) {
      const answer = await call(method, path, options);
      expectProblem(answer, 409, 'ORGANIZATION.DELETED');
    }
    // Except what is refused before the organization is even looked at: no token, a bad body.
    expectProblem(await call('PATCH', org(organizationId), { body: { name: 'x' } }), 401);
    expectProblem(await call('PATCH', org(organizationId), { as: alice, body: { colour: 'red' } }), 400);
  });
});

describe('refusals: 400 for malformed requests', () => {
  let alice: User;
  let organizationId: string;
  let revision: bigint;

  beforeAll(async () => {
    alice = await newUser();
    ({ organizationId, revision } = await createOrganization(alice));
  });

  afterAll(async () => {
    // None of the refusals below appended anything.
    await expectNothingAppended(organizationId, alice, revision);
  });

  it('malformed JSON', async () => {
    expectProblem(await call('POST', '/organizations', { as: alice, rawBody: '{"name": "Broken' }), 400, 'REQUEST.MALFORMED_JSON');
    expectProblem(await call('PATCH', org(organizationId), { as: alice, rawBody: '{"name": ' }), 400);
  });

  it('an unknown field', async () => {
    expectProblem(await call('POST', '/organizations', { as: alice, body: { name: 'X', owner: 'me' } }), 400);
    expectProblem(await call('PATCH', org(organizationId), { as: alice, body: { colour: 'red' } }), 400);
    expectProblem(await call('POST', `${org(organizationId)}/invitations`, { as: alice, body: { userId: 'u', role: 'member', admin: true } }), 400);
  });

  it('a wrong type', async () => {
    expectProblem(await call('POST', '/organizations', { as: alice, body: { name: 42 } }), 400);
    expectProblem(await call('POST', '/organizations', { as: alice, body: ['name'] }), 400);
    expectProblem(await call('PATCH', org(organizationId), { as: alice, body: { description: { text: 'x' } } }), 400);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests`, { as: await newUser(), body: { message: 7 } }), 400);
  });

  it('a body that is not JSON: 415', async () => {
    const response = await fetch(`${running.baseUrl}/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' },
      body: 'name=Plain',
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  });

  it('a missing required field', async () => {
    expectProblem(await call('POST', '/organizations', { as: alice, body: {} }), 400);
    expectProblem(await call('POST', `${org(organizationId)}/invitations`, { as: alice, body: { userId: 'u' } }), 400);
    expectProblem(await call('PUT', `${org(organizationId)}/members/${alice.id}/role`, { as: alice, body: {} }), 400);
  });

  it('an over-long string', async () => {
    expectProblem(await call('POST', '/organizations', { as: alice, body: { name: 'n'.repeat(201) } }), 400);
    expectProblem(await call('PATCH', org(organizationId), { as: alice, body: { description: 'd'.repeat(2001) } }), 400);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests`, { as: await newUser(), body: { message: 'm'.repeat(1001) } }), 400);
    expectProblem(await call('POST', `${org(organizationId)}/invitations`, { as: alice, body: { userId: 'u'.repeat(129), role: 'member' } }), 400);
  });

  it('an invitation with both or neither of userId and email, or a malformed e-mail', async () => {
    const path = `${org(organizationId)}/invitations`;
    expectProblem(await call('POST', path, { as: alice, body: { userId: 'u', email: 'u@example.org', role: 'member' } }), 400);
    expectProblem(await call('POST', path, { as: alice, body: { role: 'member' } }), 400);
    expectProblem(await call('POST', path, { as: alice, body: { email: 'not an address', role: 'member' } }), 400);
  });

  it('a malformed id in the path', async () => {
    expectProblem(await call('PATCH', '/organizations/not-a-uuid', { as: alice, body: { name: 'x' } }), 400);
    expectProblem(await call('DELETE', '/organizations/12345', { as: alice }), 400);
    expectProblem(await call('POST', `${org(organizationId)}/invitations/nope/accept`, { as: alice }), 400);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests/nope/approve`, { as: alice, body: {} }), 400);
    expectProblem(await call('DELETE', `${org(organizationId)}/join-requests/nope`, { as: alice }), 400);
  });

  it('a path that does not percent-decode', async () => {
    expectProblem(await call('PATCH', '/organizations/%zz', { as: alice, body: { name: 'x' } }), 400, 'REQUEST.MALFORMED_URL');
  });

  it.each([
    ['a header value with a bare newline', 'POST /organizations HTTP/1.1\r\nHost: x\r\nX-Note: a\nb\r\n\r\n'],
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n'],
  ])('HTTP the parser refuses: %s', async (_label, request) => {
    const answer = await rawExchange(running.baseUrl, request);
    expect(answer.head).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ status: 400, code: 'REQUEST.MALFORMED', type: expect.any(String), title: expect.any(String) }));
  });

  it('an unknown role', async () => {
    expectProblem(await call('POST', `${org(organizationId)}/invitations`, { as: alice, body: { userId: 'u', role: 'owner' } }), 400);
    expectProblem(await changeRole(organizationId, alice, alice.id, 'superadmin'), 400);
    const { requestId } = await requestJoin(organizationId, await newUser());
    revision += 1n;
    expectProblem(await call('POST', `${org(organizationId)}/join-requests/${requestId}/approve`, { as: alice, body: { role: 'boss' } }), 400);
  });
});

describe('refusals: 401 without a valid token', () => {
  let alice: User;
  let organizationId: string;
  let revision: bigint;

  beforeAll(async () => {
    alice = await newUser();
    ({ organizationId, revision } = await createOrganization(alice));
  });

  it.each([
    ['no token', async () => null],
    ['a token that is not a JWT', async () => 'not-a-jwt'],
    ['an expired token', async () => sign({}, alice.id, Math.floor(Date.now() / 1000) - 60)],
    [
      'a token signed with another secret',
      async () =>
        signTestToken(`other-${SECRET}`, alice.id),
    ],
    ['an unsigned token (alg none)', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: alice.id })).toString('base64url')}.`],
  ])('%s', async (_name, token) => {
    const as = await token();
    const answer = await call('POST', '/organizations', { as, body: { name: 'Nope' } });
    expectProblem(answer, 401);
    expect(answer.body.code).toMatch(/^AUTH\./);
    expectProblem(await call('PATCH', org(organizationId), { as, body: { name: 'Nope' } }), 401);
    expectProblem(await call('DELETE', org(organizationId), { as }), 401);
  });

  it('a token without exp (it would work forever)', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(alice.id).setIssuedAt().sign(new TextEncoder().encode(SECRET));
    const answer = await call('POST', '/organizations', { as: token, body: { name: 'Nope' } });
    expectProblem(answer, 401, 'AUTH.TOKEN_EXP_MISSING');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expectProblem(await call('PATCH', org(organizationId), { as: token, body: { name: 'Nope' } }), 401, 'AUTH.TOKEN_EXP_MISSING');
  });

  it('a token issued longer ago than ROSTER_JWT_MAX_AGE_SECONDS, whatever its exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(alice.id).setIssuedAt(now - 2 * 86400).setExpirationTime(now + 86400).sign(new TextEncoder().encode(SECRET));
    expectProblem(await call('PATCH', org(organizationId), { as: token, body: { name: 'Nope' } }), 401, 'AUTH.TOKEN_TOO_OLD');
  });

  it('a token without a subject', async () => {
    const token = await signTestToken(SECRET, undefined);
    expectProblem(await call('POST', '/organizations', { as: token, body: { name: 'Nope' } }), 401);
  });

  it('a non-Bearer scheme', async () => {
    const answer = await call('POST', '/organizations', { body: { name: 'Nope' }, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expectProblem(answer, 401);
  });

  it('appended nothing', async () => {
    await expectNothingAppended(organizationId, alice, revision);
  });
});

describe('refusals: 403 when the role forbids it', () => {
  it('a member and an editor may not run admin commands', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const member = await addMember(organizationId, alice, 'member');
    const editor = await addMember(organizationId, alice, 'editor');
    const { requestId } = await requestJoin(organizationId, await newUser());
    const { invitationId, revision } = await invite(organizationId, alice, { userId: randomUUID() });
    for (const as of [member, editor]) {
      const attempts: Array<[string, string, RequestOptions]> = [
        ['PATCH', org(organizationId), { as, body: { name: 'Taken over' } }],
        ['DELETE', org(organizationId), { as }],
        ['POST', `${org(organizationId)}/invitations`, { as, body: { userId: randomUUID(), role: 'member' } }],
        ['DELETE', `${org(organizationId)}/invitations/${invitationId}`, { as }],
        ['POST', `${org(organizationId)}/join-requests/${requestId}/approve`, { as, body: {} }],
        ['POST', `${org(organizationId)}/join-requests/${requestId}/reject`, { as, body: {} }],
        ['PUT', `${org(organizationId)}/members/${as.id}/role`, { as, body: { role: 'admin' } }],
        ['DELETE', `${org(organizationId)}/members/${alice.id}`, { as }],
      ];
      for (const [method, path, options] of attempts) expectProblem(await call(method, path, options), 403);
    }
    await expectNothingAppended(organizationId, alice, revision);
  });

  it('a non-member may not run admin commands', async () => {
    const alice = await newUser();
    const outsider = await newUser();
    const { organizationId, revision } = await createOrganization(alice);
    expectProblem(await call('PATCH', org(organizationId), { as: outsider, body: { name: 'Mine' } }), 403);
    expectProblem(await call('DELETE', org(organizationId), { as: outsider }), 403);
    expectProblem(await changeRole(organizationId, outsider, alice.id, 'member'), 403);
    await expectNothingAppended(organizationId, alice, revision);
  });

  it('only the invitee answers an invitation, only the requester cancels a request', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { organizationId } = await createOrganization(alice);
    const { invitationId } = await invite(organizationId, alice, { userId: bob.id });
    const requester = await newUser();
    const { requestId, revision } = await requestJoin(organizationId, requester);
    const other = await newUser();
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: other }), 403);
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/decline`, { as: other }), 403);
    // Not even an admin answers in the invitee's place.
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: alice }), 403);
    expectProblem(await call('DELETE', `${org(organizationId)}/join-requests/${requestId}`, { as: other }), 403);
    await expectNothingAppended(organizationId, alice, revision);
  });
});

describe('refusals: 404 for what does not exist', () => {
  it('an unknown organization', async () => {
    const alice = await newUser();
    const unknown = randomUUID();
    expectProblem(await call('PATCH', org(unknown), { as: alice, body: { name: 'x' } }), 404);
    expectProblem(await call('DELETE', org(unknown), { as: alice }), 404);
    expectProblem(await call('POST', `${org(unknown)}/invitations`, { as: alice, body: { userId: 'u', role: 'member' } }), 404);
    expectProblem(await call('POST', `${org(unknown)}/join-requests`, { as: alice, body: {} }), 404);
    expectProblem(await changeRole(unknown, alice, alice.id, 'member'), 404);
  });

  it('an unknown invitation, join request or member', async () => {
    const alice = await newUser();
    const { organizationId, revision } = await createOrganization(alice);
    const unknown = randomUUID();
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${unknown}/accept`, { as: alice }), 404);
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${unknown}/decline`, { as: alice }), 404);
    expectProblem(await call('DELETE', `${org(organizationId)}/invitations/${unknown}`, { as: alice }), 404);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests/${unknown}/approve`, { as: alice, body: {} }), 404);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests/${unknown}/reject`, { as: alice, body: {} }), 404);
    expectProblem(await call('DELETE', `${org(organizationId)}/join-requests/${unknown}`, { as: alice }), 404);
    expectProblem(await changeRole(organizationId, alice, `user-${randomUUID()}`, 'editor'), 404);
    expectProblem(await call('DELETE', `${org(organizationId)}/members/user-${randomUUID()}`, { as: alice }), 404);
    await expectNothingAppended(organizationId, alice, revision);
  });
});

describe('refusals: 409 when the organization state refuses', () => {
  it('inviting, or a request to join from, someone who is already a member', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const bob = await addMember(organizationId, alice, 'member');
    const { revision } = await touch(organizationId, alice);
    expectProblem(await call('POST', `${org(organizationId)}/invitations`, { as: alice, body: { userId: bob.id, role: 'admin' } }), 409, 'MEMBERSHIP.ALREADY_MEMBER');
    expectProblem(await call('POST', `${org(organizationId)}/join-requests`, { as: bob, body: {} }), 409, 'MEMBERSHIP.ALREADY_MEMBER');
    await expectNothingAppended(organizationId, alice, revision);
  });

  it('an e-mail invitation accepted by someone who is already a member', async () => {
    const alice = await newUser();
    const email = newEmail();
    const { organizationId } = await createOrganization(alice);
    const bob = await addMember(organizationId, alice, 'member', await newUser({ email }));
    const { invitationId, revision } = await invite(organizationId, alice, { email });
    expectProblem(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: bob }), 409, 'MEMBERSHIP.ALREADY_MEMBER');
    await expectNothingAppended(organizationId, alice, revision);
  });

  it('a second pending request to join from the same user', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const henry = await newUser();
    const { revision } = await requestJoin(organizationId, henry);
    expectProblem(await call('POST', `${org(organizationId)}/join-requests`, { as: henry, body: {} }), 409);
    await expectNothingAppended(organizationId, alice, revision);
  });

  it('demoting, removing or the leaving of the last admin', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    await addMember(organizationId, alice, 'editor');
    const { revision } = await touch(organizationId, alice);
    expectProblem(await changeRole(organizationId, alice, alice.id, 'editor'), 409, 'MEMBERSHIP.LAST_ADMIN');
    expectProblem(await call('DELETE', `${org(organizationId)}/members/${alice.id}`, { as: alice }), 409, 'MEMBERSHIP.LAST_ADMIN');
    const root = await newUser({ roles: ['superadmin'] });
    expectProblem(await call('DELETE', `${org(organizationId)}/members/${alice.id}`, { as: root }), 409, 'MEMBERSHIP.LAST_ADMIN');
    const problem = await changeRole(organizationId, root, alice.id, 'member');
    expectProblem(problem, 409, 'MEMBERSHIP.LAST_ADMIN');
    expect(problem.body.detail).toMatch(/admin/i);
    await expectNothingAppended(organizationId, alice, revision);
  });
});

describe('superadmin', () => {
  it('may do whatever an admin may, in any organization, without being a member', async () => {
    const alice = await newUser();
    const root = await newUser({ roles: ['superadmin'] });
    const { organizationId } = await createOrganization(alice);
    const bob = await newUser();
    const { invitationId } = await invite(organizationId, root, { userId: bob.id }, 'member');
    expectAccepted(await call('POST', `${org(organizationId)}/invitations/${invitationId}/accept`, { as: bob }));
    expectAccepted(await changeRole(organizationId, root, bob.id, 'admin'));
    expectAccepted(await call('PATCH', org(organizationId), { as: root, body: { name: 'Renamed by the platform' } }));
    const { requestId } = await requestJoin(organizationId, await newUser());
    expectAccepted(await call('POST', `${org(organizationId)}/join-requests/${requestId}/reject`, { as: root, body: { reason: 'No' } }));
    expectAccepted(await call('DELETE', `${org(organizationId)}/members/${alice.id}`, { as: root }));
    expectAccepted(await call('DELETE', org(organizationId), { as: root }));
  });

  it('an auditor or service token changes nothing', async () => {
    const alice = await newUser();
    const { organizationId, revision } = await createOrganization(alice);
    for (const role of ['auditor', 'service']) {
      const platform = await newUser({ roles: [role] });
      expectProblem(await call('PATCH', org(organizationId), { as: platform, body: { name: 'x' } }), 403);
    }
    await expectNothingAppended(organizationId, alice, revision);
  });
});

describe('Idempotency-Key', () => {
  it('a retried command answers as the first did and appends once', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const key = randomUUID();
    const body = { userId: `user-${randomUUID()}`, role: 'member' };
    const first = await call('POST', `${org(organizationId)}/invitations`, { as: alice, body, headers: { 'idempotency-key': key } });
    const second = await call('POST', `${org(organizationId)}/invitations`, { as: alice, body, headers: { 'idempotency-key': key } });
    expectAccepted(first);
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    await expectNothingAppended(organizationId, alice, BigInt(first.body.revision));
  });

  it('a retried creation answers with the same organization', async () => {
    const alice = await newUser();
    const key = randomUUID();
    const first = await call('POST', '/organizations', { as: alice, body: { name: 'Once' }, headers: { 'idempotency-key': key } });
    const second = await call('POST', '/organizations', { as: alice, body: { name: 'Once' }, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
  });

  it('the same key with a different request is refused with 422', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const key = randomUUID();
    const first = expectAccepted(
      await call('PATCH', org(organizationId), { as: alice, body: { name: 'One' }, headers: { 'idempotency-key': key } }),
    );
    const other = await call('PATCH', org(organizationId), { as: alice, body: { name: 'Two' }, headers: { 'idempotency-key': key } });
    expectProblem(other, 422, 'IDEMPOTENCY.KEY_REUSED');
    await expectNothingAppended(organizationId, alice, first.revision);
  });

  it('a retried command answers the same after a restart on the same data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-e2e-restart-'));
    let instance = await startRoster(dir);
    try {
      const alice = await newUser();
      const bob = await newUser();
      const created = await call('POST', '/organizations', { as: alice, body: { name: 'Durable' } }, instance.baseUrl);
      const organizationId = created.body.organizationId as string;
      const key = randomUUID();
      const body = { userId: bob.id, role: 'editor' };
      const path = `${org(organizationId)}/invitations`;
      const first = await call('POST', path, { as: alice, body, headers: { 'idempotency-key': key } }, instance.baseUrl);
      expectAccepted(first);

      await instance.close();
      instance = await startRoster(dir);

      const replay = await call('POST', path, { as: alice, body, headers: { 'idempotency-key': key } }, instance.baseUrl);
      expect(replay.status).toBe(first.status);
      expect(replay.body).toEqual(first.body);
      // Appended once: the invitation replied twice is accepted once, at the next revision.
      const accepted = await call('POST', `${path}/${first.body.invitationId}/accept`, { as: bob }, instance.baseUrl);
      expect(expectAccepted(accepted).revision).toBe(BigInt(first.body.revision) + 1n);
    } finally {
      await instance.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('concurrency', () => {
  it('concurrent commands on one organization all succeed at distinct revisions', async () => {
    const alice = await newUser();
    const { organizationId } = await createOrganization(alice);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call('PATCH', org(organizationId), { as: alice, body: { description: `parallel ${i}` } })),
    );
    const revisions = answers.map((answer) => expectAccepted(answer).revision);
    expect(new Set(revisions).size).toBe(10);
    expect(revisions.reduce((a, b) => (a > b ? a : b))).toBe(10n);
  });
});

describe('command fast path (ahead of Nest) answers as the controller', () => {
  // X-Min-Position sends a command the controller's way; without it, an already verified token takes the fast path.
  const CONTROLLER = { 'x-min-position': '0' };

  /** What a client sees, with the ids and positions that differ between two organizations left out. */
  function seen(answer: Answer, ids: readonly string[]) {
    let text = answer.text;
    for (const id of ids) text = text.split(id).join('<id>');
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.position === 'string') body.position = '<position>';
    if (typeof body.invitationId === 'string') body.invitationId = '<invitation>';
    return {
      status: answer.status,
      contentType: answer.headers.get('content-type'),
      replayed: answer.headers.get('idempotent-replayed'),
      correlationId: answer.headers.get('x-correlation-id')?.replace(UUID, '<uuid>'),
      body,
    };
  }

  test('the same commands on two like organizations, one through the controller, one ahead of it', async () => {
    const guard = jest.spyOn(AuthGuard.prototype, 'canActivate');
    const stranger = await newUser();
    await touch((await createOrganization(stranger)).organizationId, stranger); // the stranger's token is verified
    const runs: ReturnType<typeof seen>[][] = [];
    const guardCalls: number[] = [];
    const [unknownInvitation, unknownOrganization] = [randomUUID(), randomUUID()];
    for (const headers of [CONTROLLER, {}]) {
      const admin = await newUser();
      const { organizationId } = await createOrganization(admin, 'Twin');
      const member = await addMember(organizationId, admin, 'member');
      const path = org(organizationId);
      const idempotencyKey = `key-${randomUUID()}`;
      guard.mockClear();
      const steps: [string, string, RequestOptions][] = [
        ['POST', `${path}/invitations`, { as: admin, body: { userId: 'invitee-1', role: 'member' } }],
        ['PATCH', path, { as: admin, body: { description: 'twin' } }],
        ['PATCH', path, { as: admin, body: { description: 'keyed' }, headers: { 'idempotency-key': idempotencyKey, 'x-correlation-id': 'corr-1' } }],
        ['PATCH', path, { as: admin, body: { description: 'keyed' }, headers: { 'idempotency-key': idempotencyKey } }],
        ['PATCH', path, { as: admin, body: { description: 'other' }, headers: { 'idempotency-key': idempotencyKey } }],
        ['PUT', `${path}/members/${member.id}/role`, { as: admin, body: { role: 'editor' } }],
        ['PUT', `${path}/members/${member.id}/role`, { as: admin, body: { role: 'editor' } }],
        ['PUT', `${path}/members/${member.id}/role`, { as: member, body: { role: 'admin' } }],
        ['PATCH', path, { as: stranger, body: { description: 'mine' } }],
        ['DELETE', `${path}/invitations/${unknownInvitation}`, { as: admin }],
        ['PATCH', path, { as: admin, body: { description: 7 } }],
        ['PATCH', path, { as: admin, body: { description: 'x' }, headers: { 'idempotency-key': 'k'.repeat(201) } }],
        ['PATCH', org(unknownOrganization), { as: admin, body: { description: 'nowhere' } }],
        ['DELETE', path, { as: admin }],
        ['PATCH', path, { as: admin, body: { description: 'after deletion' } }],
      ];
      const answers: ReturnType<typeof seen>[] = [];
      for (const [method, target, options] of steps) {
        const answer = await call(method, target, { ...options, headers: { ...options.headers, ...headers } });
        answers.push(seen(answer, [organizationId, admin.id, member.id, stranger.id]));
      }
      runs.push(answers);
      guardCalls.push(guard.mock.calls.length);
    }
    guard.mockRestore();
    expect(runs[1]).toEqual(runs[0]);
    // Every step passed the guard the controller's way; ahead of Nest, only the two refusals the fast path leaves to Nest (the
    // body, the Idempotency-Key) did.
    expect(guardCalls[0]).toBe(15);
    expect(guardCalls[1]).toBe(2);
    expect(runs[0].map((answer) => answer.status)).toEqual([201, 200, 200, 200, 422, 200, 200, 403, 403, 404, 400, 400, 404, 200, 409]);
    expect(runs[0].map((answer) => answer.replayed)).toEqual([null, null, null, 'true', null, null, null, null, null, null, null, null, null, null, null]);
    expect(runs[0][2].correlationId).toBe('corr-1');
  });
});
