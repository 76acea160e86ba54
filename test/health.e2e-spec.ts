/**
 * Liveness apart from readiness, through HTTP: /health/live answers whenever the process does;
 * /health/ready answers 200 or 503 HEALTH.NOT_READY with each condition and its figures, one
 * test per condition failing (the writer thread killed, the read models held back, a Kafka
 * broker address that does not answer). /health keeps answering as it did.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, PersonalDataEventStore, SqliteEventStore } from '@roster/event-store';
import { killSqliteWriter, requestJson, signTestToken } from '@roster/testing';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `health-${randomUUID()}`;
const dirs: string[] = [];
const running: RosterInProcess[] = [];

async function start(env: Record<string, string> = {}): Promise<RosterInProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-health-'));
  dirs.push(dataDir);
  const roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ...env });
  running.push(roster);
  return roster;
}

/** Polls /health/ready until it answers `status` (a readiness condition changes on its own time). */
async function readyUntil(roster: RosterInProcess, status: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await requestJson(roster.baseUrl, 'GET', '/health/ready');
    if (ready.status === status || Date.now() > deadline) return ready;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

afterAll(async () => {
  for (const roster of running) await roster.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function createOrganization(roster: RosterInProcess) {
  const token = await signTestToken(SECRET, `user-${randomUUID()}`);
  return requestJson(roster.baseUrl, 'POST', '/organizations', { token, body: { name: 'Health' } });
}

describe('/health/live and /health/ready', () => {
  let roster: RosterInProcess;
  beforeAll(async () => {
    roster = await start();
  });

  it('/health/live answers 200 with the uptime, without a token', async () => {
    const live = await requestJson(roster.baseUrl, 'GET', '/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ status: 'live' });
    expect(typeof (live.body as { uptimeSeconds: unknown }).uptimeSeconds).toBe('number');
  });

  it('/health/ready answers 200 with every condition of the process and its figures', async () => {
    expect((await createOrganization(roster)).status).toBe(201);
    const ready = await requestJson(roster.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      conditions: {
        eventStore: { ready: true, figures: { kind: 'sqlite' } },
        writer: { ready: true, figures: { writable: true } },
        readModels: { ready: true, figures: { maxLagSeconds: 30 } },
      },
    });
    const conditions = (ready.body as { conditions: Record<string, unknown> }).conditions;
    expect(Object.keys(conditions).sort()).toEqual(['catchUp', 'eventStore', 'readModels', 'writer']);
  });

  it('answers every kind of caller alike: no token, a bad one, a user, a superadmin, an auditor, a service', async () => {
    const user = `user-${randomUUID()}`;
    const tokens: (string | undefined)[] = [
      undefined,
      'not-a-token',
      await signTestToken(SECRET, user),
      await signTestToken(SECRET, user, { roles: ['superadmin'] }),
      await signTestToken(SECRET, user, { roles: ['auditor'] }),
      await signTestToken(SECRET, 'svc-datasets', { roles: ['service'] }),
    ];
    for (const token of tokens) {
      for (const path of ['/health/live', '/health/ready']) {
        const answer = await requestJson(roster.baseUrl, 'GET', path, { token });
        expect([path, answer.status]).toEqual([path, 200]);
      }
    }
  });

  it('/health keeps answering as before', async () => {
    const health = await requestJson(roster.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', eventStore: 'sqlite' });
  });
});

describe('/health/ready, a condition at a time', () => {
  it('writer: 503 HEALTH.NOT_READY once the writer thread keeps dying, naming its code', async () => {
    const roster = await start();
    const service = roster.app.get(EVENT_STORE);
    const store = (service instanceof PersonalDataEventStore ? service.sealed : service) as SqliteEventStore;
    for (let i = 0; i < 4; i++) await killSqliteWriter(store);
    const ready = await requestJson(roster.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toContain('application/problem+json');
    expect(ready.body).toMatchObject({
      status: 503,
      code: 'HEALTH.NOT_READY',
      conditions: { writer: { ready: false, figures: { writable: false, code: 'STORE.WRITER_FAILED' } }, eventStore: { ready: true } },
    });
    // Liveness checks nothing else: the process still answers.
    expect((await requestJson(roster.baseUrl, 'GET', '/health/live')).status).toBe(200);
  });
});

describe('/health/ready: the read models and Kafka', () => {
  const mongoUrl = process.env.MONGODB_URL;
  const brokers = process.env.KAFKA_BROKERS;

  it('readModels: 503 while the projection (elsewhere) is held back past ROSTER_READY_MAX_LAG_SECONDS, 200 once it runs', async () => {
    if (!mongoUrl) throw new Error('MONGODB_URL is not set: this test needs the read models in MongoDB, projected by another process');
    const dataDir = mkdtempSync(join(tmpdir(), 'roster-health-lag-'));
    dirs.push(dataDir);
    const shared = { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, MONGODB_URL: mongoUrl, ROSTER_MONGODB_DB: `e2e-h-${randomUUID().slice(0, 8)}` };
    // The API alone: no projection runs, so the read models stay at position 0.
    const api = await startRosterInProcess({ ...shared, ROSTER_RUN: 'api', ROSTER_READY_MAX_LAG_SECONDS: '1' });
    running.push(api);
    expect((await createOrganization(api)).status).toBe(201);
    const behind = await readyUntil(api, 503);
    expect(behind.status).toBe(503);
    expect(behind.body).toMatchObject({
      code: 'HEALTH.NOT_READY',
      conditions: { readModels: { ready: false, figures: { position: '0', maxLagSeconds: 1 } }, eventStore: { ready: true } },
    });
    const figures = (behind.body as { conditions: { readModels: { figures: { headPosition: string; lagSeconds: number } } } }).conditions.readModels.figures;
    expect(BigInt(figures.headPosition)).toBeGreaterThan(0n);
    expect(figures.lagSeconds).toBeGreaterThan(1);

    const projections = await startRosterInProcess({ ...shared, ROSTER_RUN: 'projections' });
    running.push(projections);
    const caughtUp = await readyUntil(api, 200);
    expect(caughtUp.status).toBe(200);
    expect(caughtUp.body).toMatchObject({ conditions: { readModels: { ready: true, figures: { lagSeconds: 0 } } } });
  });

  it('kafka: 503 when the configured broker address does not answer, without naming the address', async () => {
    const port = await closedPort();
    const roster = await start({ ROSTER_RUN: 'api,projections,publisher', KAFKA_BROKERS: `127.0.0.1:${port}` });
    const ready = await requestJson(roster.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'HEALTH.NOT_READY', conditions: { kafka: { ready: false }, eventStore: { ready: true }, writer: { ready: true } } });
    // Anyone may ask: the answer says which condition fails, not where the brokers are.
    expect(ready.text).not.toContain(String(port));
    expect(ready.text).not.toContain('127.0.0.1');
  });

  it('kafka: 200 with the brokers counted when the broker answers', async () => {
    if (!brokers) throw new Error('KAFKA_BROKERS is not set: this test needs a broker');
    const topic = `roster.e2e.health.${randomUUID()}`;
    const roster = await start({ ROSTER_RUN: 'api,projections,publisher', KAFKA_BROKERS: brokers, ROSTER_KAFKA_TOPIC: topic });
    const ready = await readyUntil(roster, 200);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ conditions: { kafka: { ready: true, figures: { topic, brokers: 1 } } } });
  });
});
