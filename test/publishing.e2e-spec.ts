/**
 * Publishing end to end: the service (HTTP API + publisher worker in one process, embedded
 * SQLite store) against a Kafka broker of this suite's own, which it stops and restarts on
 * the same port and log directory. Commands go through HTTP; what the portal's services
 * would read is consumed from the topic and checked against asyncapi.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { organizationStreamId } from '@roster/domain';
import { SqliteCheckpointStore, SqliteEventStore } from '@roster/event-store';
import { KAFKA_PUBLISHER_CHECKPOINT, loadAsyncApi, toCloudEvents, validateCloudEvent } from '@roster/messaging';
import { organizationEvents } from '@roster/messaging/testing/sample-events';
import { allIdsRead, consumeUntil, orderProblems, type ConsumedRecord } from '@roster/messaging/testing/kafka-test-kit';
import { requestJson, signTestToken, stopProcess } from '@roster/testing';
import { startKafka, type KafkaServer } from '@roster/testing/servers';
import { PublishingService } from '../apps/roster/src/publishing/publishing.service';
import { startRosterInProcess } from './roster-in-process';

const SECRET = `publishing-e2e-${randomUUID()}`;
const topic = `roster.e2e.${randomUUID()}`;
const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');

let kafka: KafkaServer;
let dataDir: string;
let app: NestFastifyApplication;
let baseUrl: string;

interface User {
  readonly id: string;
  readonly token: string;
}

async function newUser(): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id) };
}

/** A command through HTTP; fails the test unless answered 2xx. */
async function command(method: string, path: string, as: User, body?: unknown): Promise<Record<string, string>> {
  const answer = await requestJson(baseUrl, method, path, { token: as.token, body });
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return (answer.body ?? {}) as Record<string, string>;
}

/** One organization's whole membership life, through the API; returns its id. */
async function organizationLife(): Promise<string> {
  const [admin, bob, carol, dave, erin] = await Promise.all([newUser(), newUser(), newUser(), newUser(), newUser()]);
  const { organizationId } = await command('POST', '/organizations', admin, { name: `Org ${randomUUID().slice(0, 8)}`, description: 'e2e' });
  const o = `/organizations/${organizationId}`;
  await command('PATCH', o, admin, { description: 'renamed' });
  const { invitationId } = await command('POST', `${o}/invitations`, admin, { userId: bob.id, role: 'editor' });
  await command('POST', `${o}/invitations/${invitationId}/accept`, bob);
  const byMail = await command('POST', `${o}/invitations`, admin, { email: `x-${randomUUID().slice(0, 8)}@example.org`, role: 'member' });
  await command('DELETE', `${o}/invitations/${byMail.invitationId}`, admin);
  const toDecline = await command('POST', `${o}/invitations`, admin, { userId: erin.id, role: 'member' });
  await command('POST', `${o}/invitations/${toDecline.invitationId}/decline`, erin);
  const { requestId } = await command('POST', `${o}/join-requests`, carol, { message: 'I maintain the bus datasets' });
  await command('POST', `${o}/join-requests/${requestId}/approve`, admin, { role: 'member' });
  await command('PUT', `${o}/members/${carol.id}/role`, admin, { role: 'admin' });
  const rejected = await command('POST', `${o}/join-requests`, dave, {});
  await command('POST', `${o}/join-requests/${rejected.requestId}/reject`, admin, { reason: 'staff only' });
  const cancelled = await command('POST', `${o}/join-requests`, dave, {});
  await command('DELETE', `${o}/join-requests/${cancelled.requestId}`, dave);
  await command('DELETE', `${o}/members/${bob.id}`, admin);
  await command('DELETE', `${o}/members/${admin.id}`, admin).catch(() => undefined);
  return organizationId;
}

const typesOf = (records: readonly ConsumedRecord[], org: string): string[] => {
  const seen = new Set<string>();
  return records
    .filter((r) => r.key === org && !seen.has(r.event.id) && seen.add(r.event.id))
    .map((r) => r.event.type.replace(/^org\.roster\./, ''));
};

/** The compiled service as a publisher-only process (ROSTER_RUN=publisher) on `dataDir`. */
function startPublisherProcess(dataDir: string, processTopic: string): { child: ChildProcess; output: string[] } {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: npm test builds it (or run npm run build first)`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.MONGODB_URL;
  delete env.EVENTSTORE_CONNECTION_STRING;
  Object.assign(env, {
    ROSTER_DATA_DIR: dataDir,
    ROSTER_JWT_SECRET: SECRET,
    ROSTER_RUN: 'publisher',
    KAFKA_BROKERS: kafka.brokers.join(','),
    ROSTER_KAFKA_TOPIC: processTopic,
    LOG_LEVEL: 'warn',
  });
  const child = spawn(process.execPath, ['-r', './scripts/register-paths.js', ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return { child, output };
}

/** Polls the publisher's checkpoint file until a first position is saved. */
async function firstCheckpoint(path: string, output: readonly string[]): Promise<bigint> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      const checkpoints = new SqliteCheckpointStore({ path });
      try {
        const position = await checkpoints.load(KAFKA_PUBLISHER_CHECKPOINT);
        if (position !== undefined && position > 0n) return position;
      } catch {
        // being created by the publisher
      } finally {
        await checkpoints.close();
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no publisher checkpoint within 90 s:\n${output.join('')}`);
}

beforeAll(async () => {
  // Docker bypassed: only the locally started broker can be restarted on the same port and data.
  kafka = await startKafka({ env: { ...process.env, KAFKA_BROKERS: '', ROSTER_TEST_DOCKER: '0' } });
  if (!kafka.restart) throw new Error(`the harness cannot restart ${kafka.description}`);
  dataDir = mkdtempSync(join(tmpdir(), 'roster-publishing-e2e-'));
  ({ app, baseUrl } = await startRosterInProcess({
    ROSTER_DATA_DIR: dataDir,
    ROSTER_JWT_SECRET: SECRET,
    ROSTER_RUN: 'api,projections,publisher',
    KAFKA_BROKERS: kafka.brokers.join(','),
    ROSTER_KAFKA_TOPIC: topic,
  }));
}, 180_000);

afterAll(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await kafka?.stop();
}, 60_000);

describe('publishing membership events to Kafka', () => {
  const asyncapi = loadAsyncApi();

  it('publishes every command effect as documented CloudEvents, keyed and ordered by organization', async () => {
    const org = await organizationLife();
    const records = await consumeUntil(kafka.brokers, topic, (read) => typesOf(read, org).includes('member.removed.v1'));
    for (const record of records) expect(validateCloudEvent(asyncapi, record.json)).toEqual([]);
    expect(orderProblems(records)).toEqual([]);
    expect(typesOf(records, org)).toEqual([
      'organization.created.v1',
      'member.joined.v1',
      'organization.updated.v1',
      'member.invited.v1',
      'invitation.accepted.v1',
      'member.joined.v1',
      'member.invited.v1',
      'invitation.revoked.v1',
      'member.invited.v1',
      'invitation.declined.v1',
      'join-request.submitted.v1',
      'join-request.approved.v1',
      'member.joined.v1',
      'member.role-changed.v1',
      'join-request.submitted.v1',
      'join-request.rejected.v1',
      'join-request.submitted.v1',
      'join-request.cancelled.v1',
      'member.removed.v1',
      ...(typesOf(records, org).includes('member.left.v1') ? ['member.left.v1'] : []),
    ]);
    const submitted = records.find((r) => r.key === org && r.event.type === 'org.roster.join-request.submitted.v1')!;
    expect(submitted.event.data).toMatchObject({ message: 'I maintain the bus datasets', reviewerRole: 'admin' });
    expect(submitted.event.actor).toMatch(/^user-/);
    expect(submitted.event.correlationid).toBeTruthy();
    // The publisher's checkpoint lives in the data directory (no MONGODB_URL here).
    expect(existsSync(join(dataDir, 'checkpoints.sqlite'))).toBe(true);
  });

  it('publishes a resent invitation for the mailer, and the reasons of a role change and a removal (contract 1.4.0)', async () => {
    const [admin, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
    const { organizationId: org } = await command('POST', '/organizations', admin, { name: `Org ${randomUUID().slice(0, 8)}`, description: 'e2e' });
    const o = `/organizations/${org}`;
    for (const user of [bob, carol]) {
      const { invitationId } = await command('POST', `${o}/invitations`, admin, { userId: user.id, role: 'member' });
      await command('POST', `${o}/invitations/${invitationId}/accept`, user);
    }
    const { invitationId } = await command('POST', `${o}/invitations`, admin, { email: `resend-${randomUUID().slice(0, 8)}@example.org`, role: 'editor' });
    await command('POST', `${o}/invitations/${invitationId}/resend`, admin, { expiresInDays: 10 });
    await command('PUT', `${o}/members/${bob.id}/role`, admin, { role: 'editor', reason: 'Publishes the transport data' });
    await command('DELETE', `${o}/members/${carol.id}`, admin, { reason: 'Left the agency' });

    const records = await consumeUntil(kafka.brokers, topic, (read) => typesOf(read, org).includes('member.removed.v1'));
    const mine = records.filter((r) => r.key === org);
    for (const record of mine) expect(validateCloudEvent(asyncapi, record.json)).toEqual([]);
    const only = (type: string) => mine.find((r) => r.event.type === `org.roster.${type}`)!.event.data as unknown as Record<string, unknown>;
    const resent = only('invitation.resent.v1');
    expect(resent).toEqual({ organizationId: org, invitationId, expiresAt: expect.any(String), resentBy: admin.id });
    expect(Math.round((Date.parse(String(resent.expiresAt)) - Date.now()) / 86_400_000)).toBe(10);
    expect(only('member.role-changed.v1')).toMatchObject({ userId: bob.id, from: 'member', to: 'editor', reason: 'Publishes the transport data' });
    expect(only('member.removed.v1')).toMatchObject({ userId: carol.id, removedBy: admin.id, reason: 'Left the agency' });
  });

  it('commands keep succeeding while Kafka is down; everything arrives after it returns, in order, without restarting the service', async () => {
    const orgsBefore = [await organizationLife()];
    const duringOutage: string[] = [];
    await kafka.restart!(async () => {
      for (let i = 0; i < 3; i++) duringOutage.push(await organizationLife());
    });
    const after = await organizationLife();
    const orgs = [...orgsBefore, ...duringOutage, after];

    const records = await consumeUntil(
      kafka.brokers,
      topic,
      (read) => orgs.every((org) => typesOf(read, org).includes('member.removed.v1')),
      120_000,
    );
    expect(orderProblems(records)).toEqual([]);
    for (const org of orgs) {
      const revisions = [...new Set(records.filter((r) => r.key === org).map((r) => Number(r.event.streamrevision)))];
      expect(revisions).toEqual(revisions.map((_, i) => i));
    }
    const publishing = app.get(PublishingService);
    expect(publishing.isRunning).toBe(true);
  });
  it('an erasure publishes person.erased; what is published after it carries no plaintext of the person', async () => {
    const [admin, bob] = await Promise.all([newUser(), newUser()]);
    const identity: User = { id: 'identity-service', token: await signTestToken(SECRET, 'identity-service', { roles: ['service'] }) };
    const email = `bob-${randomUUID().slice(0, 8)}@example.org`;
    const message = `MESSAGE-${randomUUID()}`;
    let org = '';
    let invitationId = '';
    let requestId = '';
    let partnershipId = '';
    // Recorded while Kafka is down, published only after the erasure.
    await kafka.restart!(async () => {
      ({ organizationId: org } = await command('POST', '/organizations', admin, { name: 'Erasure', description: '' }));
      ({ invitationId } = await command('POST', `/organizations/${org}/invitations`, admin, { email, role: 'member' }));
      ({ requestId } = await command('POST', `/organizations/${org}/join-requests`, bob, { message }));
      // bob also invited as the contact of a partner not on the portal yet.
      ({ partnershipId } = await command('POST', `/organizations/${org}/partners`, admin, { name: 'Hydro', contactEmail: email, access: 'read' }));
      await command('POST', `/users/${bob.id}/erasure`, identity, { emails: [email] });
    });
    const records = await consumeUntil(kafka.brokers, topic, (read) => typesOf(read, org).includes('person.erased.v1'), 120_000);
    const ours = records.filter((r) => r.key === org);
    for (const record of ours) expect(validateCloudEvent(asyncapi, record.json)).toEqual([]);
    expect(typesOf(records, org)).toEqual([
      'organization.created.v1',
      'member.joined.v1',
      'member.invited.v1',
      'join-request.submitted.v1',
      'partnership.invited.v1',
      'person.erased.v1',
    ]);
    expect(ours.find((r) => r.event.type === 'org.roster.person.erased.v1')!.event.data).toEqual({
      organizationId: org,
      userId: bob.id,
      capabilitiesRevoked: [],
      invitationIds: [invitationId],
      requestIds: [requestId],
      partnershipIds: [partnershipId],
      erasedBy: identity.id,
    });
    const published = JSON.stringify(ours.map((r) => r.json));
    expect([email, message].filter((secret) => published.includes(secret))).toEqual([]);
    expect(ours.find((r) => r.event.type === 'org.roster.join-request.submitted.v1')!.event.data).toMatchObject({ message: { erased: true } });
    expect(ours.find((r) => r.event.type === 'org.roster.partnership.invited.v1')!.event.data).toMatchObject({ contact: { name: 'Hydro', contactEmail: { erased: true } } });
  });

  it('a publisher process SIGKILLed mid-relay and started again republishes from its checkpoint and skips nothing', async () => {
    const PER_ORG = 500;
    const crashDir = mkdtempSync(join(tmpdir(), 'roster-publisher-crash-'));
    const crashTopic = `roster.e2e.crash.${randomUUID()}`;
    const ids = new Set<string>();
    try {
      const store = new SqliteEventStore({ path: join(crashDir, 'events.sqlite') });
      const orgs = Array.from({ length: 20 }, () => randomUUID());
      for (const org of orgs) {
        for (let start = 0; start < PER_ORG; start += 100) {
          await store.append(organizationStreamId(org), organizationEvents(org, 100, start), start === 0 ? 'no_stream' : BigInt(start - 1));
        }
      }
      for await (const event of store.readAll()) for (const ce of toCloudEvents(event)) ids.add(ce.id);
      const head = await store.headPosition();
      await store.close();

      const first = startPublisherProcess(crashDir, crashTopic);
      let checkpointAtKill: bigint | undefined;
      try {
        // Killed as soon as its first batch is checkpointed: the rest of the backlog is in flight or pending.
        checkpointAtKill = await firstCheckpoint(join(crashDir, 'checkpoints.sqlite'), first.output);
      } finally {
        await stopProcess(first.child, 'SIGKILL');
      }
      expect(checkpointAtKill).toBeLessThan(head);

      const second = startPublisherProcess(crashDir, crashTopic);
      try {
        const records = await consumeUntil(kafka.brokers, crashTopic, allIdsRead(ids), 120_000);
        expect(orderProblems(records)).toEqual([]);
        expect(new Set(records.map((r) => r.event.id))).toEqual(ids);
        for (const org of orgs) {
          const revisions = new Set(records.filter((r) => r.key === org).map((r) => r.event.streamrevision));
          expect(revisions.size).toBe(PER_ORG);
        }
      } finally {
        await stopProcess(second.child, 'SIGTERM');
      }
      expect(existsSync(join(crashDir, 'checkpoints.sqlite'))).toBe(true);
    } finally {
      rmSync(crashDir, { recursive: true, force: true });
    }
  });
});
