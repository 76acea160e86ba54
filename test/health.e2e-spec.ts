/**
 * Liveness apart from readiness, through HTTP: /health/live answers whenever the process does;
 * /health/ready answers 200 or 503 HEALTH.NOT_READY with each condition and its figures, one
 * test per condition failing (the writer thread killed, the read models held back, a Kafka
 * broker address that does not answer). /health keeps answering as it did.
 */
import { randomUUID } from 'node:crypto';
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
    expect(Object.keys(conditions).sort()).toEqual(['eventStore', 'readModels', 'writer']);
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
