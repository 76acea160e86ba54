/**
 * ROSTER_API_WORKERS=2: two API processes share the port (node:cluster hands connections to
 * each in turn) over one embedded SQLite store, each with its own state cache. Concurrent
 * commands on one organization land in both; the store's expected-revision check keeps the
 * stream whole: every acknowledged command is recorded once, a command still conflicting after
 * its retry budget (ROSTER_COMMAND_RETRIES, then ROSTER_COMMAND_RETRY_MS) is refused (409) and
 * recorded nowhere, the hash chain verifies, and a rule that depends on the stream (one
 * pending join request per user) holds across them. A burst of commands that do not conflict
 * in the domain is answered all 2xx: the losing worker decides again until it wins. A
 * person's key destroyed by an erasure in one worker reads as destroyed in the other at once
 * (each keeps keys, and values opened with them, in memory).
 * `npm test` builds dist/ before jest; run `npm run build` first when running this file alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rawExchange, requestJson, signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const SECRET = `workers-secret-${randomUUID()}`;
const token = (sub: string, roles?: string[]) => signTestToken(SECRET, sub, roles ? { roles } : undefined);

let dataDir: string;
let service: ServiceProcess | undefined;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-workers-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.EVENTSTORE_CONNECTION_STRING;
  delete env.MONGODB_URL;
  delete env.KAFKA_BROKERS;
  Object.assign(env, { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'log', ROSTER_COMMAND_RATE: '0', ROSTER_API_WORKERS: '2' });
  service = await startServiceProcess({ entry: ENTRY, nodeArgs: ['-r', './scripts/register-paths.js'], cwd: ROOT, env, timeoutMs: 60_000 });
  // Both copies listen (the first answers /health before the second may have).
  while ((service.output.join('').match(/Roster listening on/g) ?? []).length < 2) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  if (service) await stopProcess(service.child, 'SIGTERM', 15_000);
  rmSync(dataDir, { recursive: true, force: true });
});

const send = (method: string, path: string, token: string, body?: unknown) => requestJson(service!.baseUrl, method, path, { token, body });

describe('two API workers on one store', () => {
  it('start as two processes, and stop together on SIGTERM', () => {
    const pids = new Set([...service!.output.join('').matchAll(/\[Nest\] (\d+) .*Roster listening on/g)].map((match) => match[1]));
    expect(pids.size).toBe(2);
    expect(pids.has(String(service!.child.pid))).toBe(false); // the primary only supervises
  });

  it('keep one organization stream whole under concurrent commands from both: each recorded once, the chain verifies', async () => {
    const admin = `admin-${randomUUID()}`;
    const adminToken = await token(admin);
    const created = await send('POST', '/organizations', adminToken, { name: 'Two workers' });
    expect(created.status).toBe(201);
    const organizationId = created.body.organizationId as string;

    // Many connections at once: the cluster spreads them over both workers, whose caches go stale in turn.
    const invited = Array.from({ length: 60 }, () => `user-${randomUUID()}`);
    const answers = await Promise.all([
      ...invited.map((userId) => send('POST', `/organizations/${organizationId}/invitations`, adminToken, { userId, role: 'member' })),
      ...Array.from({ length: 60 }, (_, i) => send('PATCH', `/organizations/${organizationId}`, adminToken, { description: `revision ${i}` })),
    ]);
    // Two processes racing on one stream conflict; after its retries a command may still be refused
    // (409 CONCURRENCY.CONFLICT, nothing recorded). Every other answer is one recorded command.
    const refused = answers.filter((answer) => answer.status >= 300);
    expect(refused.map((answer) => [answer.status, answer.body.code])).toEqual(refused.map(() => [409, 'CONCURRENCY.CONFLICT']));
    const accepted = answers.filter((answer) => answer.status < 300);
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted.map((answer) => String(answer.body.revision))).size).toBe(accepted.length);
    const acceptedInvites = answers.slice(0, invited.length).filter((answer) => answer.status === 201).length;
    const auditor = await token(`auditor-${randomUUID()}`, ['auditor']);
    const verified = await send('GET', `/organizations/${organizationId}/verify`, auditor);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ valid: true, events: 1 + accepted.length });

    // Every invitation is there once, whichever worker answers the query.
    const last = accepted.reduce((max, answer) => (BigInt(answer.body.position) > max ? BigInt(answer.body.position) : max), 0n);
    const response = await fetch(`${service!.baseUrl}/organizations/${organizationId}/invitations?status=pending`, {
      headers: { authorization: `Bearer ${adminToken}`, 'x-min-position': last.toString() },
    });
    expect(response.status).toBe(200);
    const pending = (await response.json()) as { items?: { inviteeUserId?: string; invitee?: { userId?: string } }[] } | { invitee?: { userId?: string } }[];
    const items = Array.isArray(pending) ? pending : (pending.items ?? []);
    expect(new Set(items.map((item) => item.invitee?.userId)).size).toBe(acceptedInvites);
    expect(items).toHaveLength(acceptedInvites);
  });

  it('answer a burst of 64 commands on one organization that do not conflict in the domain all 2xx, each recorded exactly once', async () => {
    const adminToken = await token(`admin-${randomUUID()}`);
    const organizationId = (await send('POST', '/organizations', adminToken, { name: 'Burst' })).body.organizationId as string;
    // Distinct invitees and profile updates: any order is a valid history; only the workers race.
    const invited = Array.from({ length: 32 }, () => `user-${randomUUID()}`);
    const answers = await Promise.all([
      ...invited.map((userId) => send('POST', `/organizations/${organizationId}/invitations`, adminToken, { userId, role: 'member' })),
      ...Array.from({ length: 32 }, (_, i) => send('PATCH', `/organizations/${organizationId}`, adminToken, { description: `burst ${i}` })),
    ]);
    expect(answers.map((answer) => (answer.status < 300 ? 'ok' : `${answer.status} ${answer.body?.code}`))).toEqual(answers.map(() => 'ok'));
    // Both workers took part (each logs the commands it handled with its pid).
    const pids = [...service!.output.join('').matchAll(new RegExp(`\\[Nest\\] (\\d+) .*organizationId=${organizationId} commandType=\\w+ outcome=accepted`, 'g'))].map((match) => match[1]);
    expect(pids).toHaveLength(1 + answers.length);
    expect(new Set(pids).size).toBe(2);
    // Each recorded once: 64 distinct revisions after the creation's, and nothing else in the stream.
    expect(answers.map((answer) => Number(answer.body.revision)).sort((x, y) => x - y)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    const auditor = await token(`auditor-${randomUUID()}`, ['auditor']);
    const verified = await send('GET', `/organizations/${organizationId}/verify`, auditor);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ valid: true, events: 65 });
    const history = await send('GET', `/organizations/${organizationId}/history?limit=100`, auditor);
    expect(history.status).toBe(200);
    const types = (history.body.events as { type: string }[]).map((event) => event.type);
    expect(types.filter((type) => type === 'MemberInvited')).toHaveLength(32);
    expect(types.filter((type) => type === 'OrganizationProfileUpdated')).toHaveLength(32);
  });

  it('hold a rule across both: one pending join request per user, however many are sent at once', async () => {
    const adminToken = await token(`admin-${randomUUID()}`);
    const organizationId = (await send('POST', '/organizations', adminToken, { name: 'One request each' })).body.organizationId as string;
    const requester = await token(`user-${randomUUID()}`);
    const answers = await Promise.all(Array.from({ length: 16 }, () => send('POST', `/organizations/${organizationId}/join-requests`, requester, {})));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(15);
  });

  it("make an erasure in one seen at once in the other: every answer reads the person's address as erased, though both had it open in memory", async () => {
    const adminToken = await token(`admin-${randomUUID()}`);
    const organizationId = (await send('POST', '/organizations', adminToken, { name: 'Erasure across workers' })).body.organizationId as string;
    const bob = `user-${randomUUID()}`;
    const bobEmail = `bob.${randomUUID().slice(0, 8)}@example.org`;
    const invited = await send('POST', `/organizations/${organizationId}/invitations`, adminToken, { email: bobEmail, role: 'member' });
    expect(invited.status).toBe(201);
    // A new connection each time: the cluster hands them to the workers in turn, so both answer (and keep bob's key and address in memory).
    const read = async (path: string, minPosition?: string) => {
      const answer = await rawExchange(
        service!.baseUrl,
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${adminToken}\r\n${minPosition ? `X-Min-Position: ${minPosition}\r\n` : ''}Connection: close\r\n\r\n`,
      );
      expect(answer.head).toMatch(/^HTTP\/1\.1 200/);
      return JSON.parse(answer.body) as Record<string, unknown>;
    };
    const paths = [`/organizations/${organizationId}/invitations?status=all`, `/organizations/${organizationId}/dashboard`];
    const addresses = (answer: Record<string, unknown>) => {
      const invitations = (answer.items ?? answer.pendingInvitations ?? []) as Array<{ invitee: { email?: unknown } }>;
      const activity = (answer.recentActivity ?? []) as Array<{ subjectEmail?: unknown }>;
      return [...invitations.map((item) => item.invitee.email), ...activity.filter((entry) => 'subjectEmail' in entry).map((entry) => entry.subjectEmail)];
    };
    for (let i = 0; i < 6; i++) {
      for (const path of paths) {
        const shown = addresses(await read(path, String(invited.body.position)));
        expect(shown.length).toBeGreaterThan(0);
        expect(shown).toEqual(shown.map(() => bobEmail));
      }
    }
    const identity = await token('identity', ['service']);
    const erased = await send('POST', `/users/${bob}/erasure`, identity, { emails: [bobEmail] });
    expect(erased.status).toBe(200);
    // At once, whichever worker answers, whether or not its read models have applied the erasure yet.
    for (let i = 0; i < 6; i++) {
      for (const path of paths) {
        const shown = addresses(await read(path));
        expect(shown.length).toBeGreaterThan(0);
        expect(shown).toEqual(shown.map(() => ({ erased: true })));
      }
    }
  });
});
