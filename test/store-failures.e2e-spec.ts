/**
 * The embedded store failing under the service, through HTTP: its writer thread dying (ended
 * here as a crash would end it) and its file locked by another process. The service answers
 * 503 with a stable code and Retry-After, records nothing it did not acknowledge, and /health
 * says when it cannot record commands.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENT_STORE, PersonalDataEventStore, SqliteEventStore } from '@roster/event-store';
import { killSqliteWriter, requestJson, signTestToken } from '@roster/testing';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `store-failures-${randomUUID()}`;
const dirs: string[] = [];
const running: RosterInProcess[] = [];

async function start(): Promise<{ roster: RosterInProcess; dataDir: string; store: SqliteEventStore }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-store-failures-'));
  dirs.push(dataDir);
  const roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
  running.push(roster);
  // The service's store seals personal data around the SQLite store: the fault goes to the one beneath.
  const service = roster.app.get(EVENT_STORE);
  return { roster, dataDir, store: (service instanceof PersonalDataEventStore ? service.sealed : service) as SqliteEventStore };
}

afterAll(async () => {
  for (const roster of running) await roster.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function createOrganization(roster: RosterInProcess) {
  const user = `user-${randomUUID()}`;
  return requestJson(roster.baseUrl, 'POST', '/organizations', { token: await signTestToken(SECRET, user), body: { name: 'Store failures' } });
}

describe('the embedded store failing under the service', () => {
  it('restarts a writer thread that died: commands are recorded again and /health is 200', async () => {
    const { roster, store } = await start();
    expect((await createOrganization(roster)).status).toBe(201);
    await killSqliteWriter(store);
    expect((await createOrganization(roster)).status).toBe(201);
    const health = await requestJson(roster.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
  });

  it('answers 503 STORE.WRITER_FAILED to commands and /health once the writer thread keeps dying', async () => {
    const { roster, store } = await start();
    for (let i = 0; i < 4; i++) await killSqliteWriter(store);
    const health = await requestJson(roster.baseUrl, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.headers.get('content-type')).toContain('application/problem+json');
    expect(health.body).toMatchObject({ status: 503, code: 'STORE.WRITER_FAILED' });
    const command = await createOrganization(roster);
    expect(command.status).toBe(503);
    expect(command.body).toMatchObject({ code: 'STORE.WRITER_FAILED' });
    expect(Number(command.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 503 STORE.BUSY with Retry-After, and records nothing, while another process holds the file past the busy timeout', async () => {
    const { roster, dataDir, store } = await start();
    const before = await store.headPosition();
    const other = new Database(join(dataDir, 'events.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const command = await createOrganization(roster);
      expect(command.status).toBe(503);
      expect(command.headers.get('content-type')).toContain('application/problem+json');
      expect(command.body).toMatchObject({ status: 503, code: 'STORE.BUSY' });
      expect(command.headers.get('retry-after')).toBe('1');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.headPosition()).toBe(before);
    expect((await createOrganization(roster)).status).toBe(201);
  });
});
