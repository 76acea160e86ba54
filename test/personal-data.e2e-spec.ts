/**
 * Personal data at rest, end to end on the embedded default (the service in this process,
 * SQLite in a temporary data directory): the e-mail of an invitation, a join request's
 * message and a rejection's reason reach the API in clear, while events.sqlite, its WAL and
 * the read-model documents hold only ciphertext; the chain verifies over it; the read models
 * rebuild to the same documents; once the person's key is destroyed, everything reads as erased.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, type EventStore, type PersonalDataVault } from '@roster/event-store';
import { COLLECTIONS, EmbeddedDocumentStore, rebuildReadModels, type DocumentStore } from '@roster/read-models';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { PERSONAL_DATA_VAULT, READ_MODEL_DOCUMENTS } from '../apps/roster/src/infrastructure/infrastructure.module';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `personal-data-e2e-${randomUUID()}`;
const PERSONAL_COLLECTIONS = [COLLECTIONS.invitations, COLLECTIONS.joinRequests, COLLECTIONS.activity];

interface User {
  readonly id: string;
  readonly token: string;
}

let roster: RosterInProcess;
let dataDir: string;

async function newUser(roles?: string[]): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id, roles ? { roles } : {}) };
}

function call(method: string, path: string, as: User, body?: unknown): Promise<JsonAnswer> {
  return requestJson(roster.baseUrl, method, path, { token: as.token, body });
}

function ok(answer: JsonAnswer): JsonAnswer {
  if (answer.status < 200 || answer.status >= 300) throw new Error(`expected 2xx, got ${answer.status}: ${answer.text}`);
  return answer;
}

/** Asks until the read models show what `ready` expects (they follow the log asynchronously). */
async function eventually(ask: () => Promise<JsonAnswer>, ready: (answer: JsonAnswer) => boolean): Promise<JsonAnswer> {
  for (let attempt = 0; ; attempt++) {
    const answer = ok(await ask());
    if (ready(answer) || attempt > 200) return answer;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every byte of the event store's files (events.sqlite, -wal, -shm), read while the service runs. */
const eventStoreBytes = (): string =>
  readdirSync(dataDir)
    .filter((name) => name.startsWith('events.sqlite'))
    .map((name) => readFileSync(join(dataDir, name)).toString('latin1'))
    .join('\n');

async function documentsOf(documents: DocumentStore, organizationId: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const collection of PERSONAL_COLLECTIONS) out[collection] = await documents.find(collection, { organizationId }, { sort: { _id: 1 } });
  return out;
}

// The embedded default (keys in keys.sqlite, documents in memory), and MongoDB read models
// (keys in its person_keys collection) on the harness's server (MONGODB_URL, set by test/global-setup.ts).
const LEGS: Array<[string, () => Record<string, string>]> = [
  ['embedded default', () => ({})],
  ['MongoDB read models and keys', () => ({ MONGODB_URL: process.env.MONGODB_URL ?? '', ROSTER_MONGODB_DB: `pd-${randomUUID().slice(0, 18)}` })],
];

describe.each(LEGS)('personal data sealed at rest (%s)', (_leg, legEnv) => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-personal-data-e2e-'));
    roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ...legEnv() });
  });

  afterAll(async () => {
    await roster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const email = `invitee.${randomUUID().slice(0, 8)}@example.org`;
  const message = `Bonjour, je travaille sur les données ${randomUUID()}`;
  const reason = `Not this year ${randomUUID()}`;
  let admin: User;
  let requester: User;
  let rejected: User;
  let auditor: User;
  let orgId: string;

  beforeAll(async () => {
    [admin, requester, rejected, auditor] = await Promise.all([newUser(), newUser(), newUser(), newUser(['auditor'])]);
    orgId = ok(await call('POST', '/organizations', admin, { name: 'Données de Quelque Part', description: '' })).body.organizationId;
    ok(await call('POST', `/organizations/${orgId}/invitations`, admin, { email, role: 'editor' }));
    ok(await call('POST', `/organizations/${orgId}/join-requests`, requester, { message }));
    const requestId = ok(await call('POST', `/organizations/${orgId}/join-requests`, rejected, { message: 'me too' })).body.requestId;
    ok(await call('POST', `/organizations/${orgId}/join-requests/${requestId}/reject`, admin, { reason }));
  });

  it('answers with the plaintext: invitations, join requests, the dashboard, history', async () => {
    const invitations = await eventually(() => call('GET', `/organizations/${orgId}/invitations`, admin), (a) => a.body.items.length === 1);
    expect(invitations.body.items[0].invitee).toEqual({ kind: 'email', email });
    const requests = await eventually(() => call('GET', `/organizations/${orgId}/join-requests?status=all`, admin),
      // both requests, the rejection projected too (MongoDB read models follow the store a moment later)
      (a) => a.body.items.length === 2 && a.body.items.some((r: { status: string }) => r.status === 'rejected'),
    );
    expect(requests.body.items.map((r: { message?: string }) => r.message).sort()).toEqual([message, 'me too'].sort());
    expect(requests.body.items.find((r: { status: string }) => r.status === 'rejected').reason).toBe(reason);
    const dashboard = ok(await call('GET', `/organizations/${orgId}/dashboard`, admin));
    expect(dashboard.text).toContain(email);
    const history = ok(await call('GET', `/organizations/${orgId}/history`, auditor));
    for (const plain of [email, message, reason]) expect(history.text).toContain(plain);
  });

  it('keeps no plaintext in events.sqlite and its WAL, nor in the read-model documents', async () => {
    const bytes = eventStoreBytes();
    expect(readdirSync(dataDir)).toContain('events.sqlite-wal');
    for (const plain of [email, message, reason]) expect(bytes.includes(plain)).toBe(false);
    const documents = JSON.stringify(await documentsOf(roster.app.get<DocumentStore>(READ_MODEL_DOCUMENTS), orgId));
    expect(documents).toContain('"enc":"v1"');
    for (const plain of [email, message, reason]) expect(documents.includes(plain)).toBe(false);
  });

  it('verifies the hash chain, which covers the ciphertext', async () => {
    expect(ok(await call('GET', `/organizations/${orgId}/verify`, auditor)).body).toMatchObject({ valid: true, events: 5 });
  });

  it('rebuilds the read models to the same documents', async () => {
    const rebuilt = new EmbeddedDocumentStore();
    await rebuildReadModels({ store: roster.app.get<EventStore>(EVENT_STORE), documents: rebuilt });
    expect(await documentsOf(rebuilt, orgId)).toEqual(await documentsOf(roster.app.get<DocumentStore>(READ_MODEL_DOCUMENTS), orgId));
  });

  it('reads as erased once the key is destroyed, in the API and history, and the chain still verifies', async () => {
    const vault = roster.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    expect(await vault.destroyKey({ kind: 'email', email })).toBe(true);
    expect(await vault.destroyKey({ kind: 'user', userId: requester.id })).toBe(true);
    const invitations = ok(await call('GET', `/organizations/${orgId}/invitations`, admin));
    expect(invitations.body.items[0].invitee).toEqual({ kind: 'email', email: { erased: true } });
    const requests = ok(await call('GET', `/organizations/${orgId}/join-requests?status=all`, admin));
    expect(requests.body.items.find((r: { userId: string }) => r.userId === requester.id).message).toEqual({ erased: true });
    const history = ok(await call('GET', `/organizations/${orgId}/history`, auditor));
    for (const plain of [email, message]) expect(history.text.includes(plain)).toBe(false);
    expect(history.text).toContain(reason); // another person's key: untouched
    expect(history.text).toContain('"erased":true');
    expect(ok(await call('GET', `/organizations/${orgId}/verify`, auditor)).body).toMatchObject({ valid: true, events: 5 });
  });

  it("names the reason of a history entry opened, then as erased once its owner's key is destroyed", async () => {
    const rejection = async () =>
      (ok(await call('GET', `/organizations/${orgId}/history?type=JoinRejected`, auditor)).body.events as Array<{ command: string; reason: unknown }>)[0];
    expect(await rejection()).toMatchObject({ command: 'RejectJoin', reason });
    const vault = roster.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    expect(await vault.destroyKey({ kind: 'user', userId: rejected.id })).toBe(true);
    expect(await rejection()).toMatchObject({ command: 'RejectJoin', reason: { erased: true } });
  });
});
