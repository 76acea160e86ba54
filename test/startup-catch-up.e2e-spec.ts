/**
 * A start on a store with a backlog: the compiled service, embedded store and read models,
 * started on 100,000 recorded events (bench:audit's seeder: real commands, hash-chained,
 * personal fields sealed). Its port opens while the read models replay the store: /health
 * answers and /health/ready says it is catching up; then the read models reach the head, and
 * nothing was logged at ERROR on the way (the projection's lease is renewed while it catches
 * up). `npm test` builds dist/ before jest; run `npm run build` first when running this file alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';
import { seed } from '../bench/audit';
import { loadRosterConfig } from '../apps/roster/src/config/roster-config';
import { openEventStore } from '../apps/roster/src/infrastructure/open-event-store';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const SECRET = `catch-up-secret-${randomUUID()}`;

let dataDir: string;
let service: ServiceProcess | undefined;
afterEach(async () => {
  if (service) await stopProcess(service.child, 'SIGTERM', 10_000);
  service = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

it('opens its port while the read models catch up on a backlog, says so in readiness, reaches the head and logs no ERROR', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-catch-up-e2e-'));
  const organizationId = randomUUID();
  const admin = `admin-${randomUUID()}`;
  const config = loadRosterConfig({ ROSTER_DATA_DIR: dataDir }, 'tool');
  const store = await openEventStore(config);
  await seed(store, organizationId, admin, config);
  const head = await store.headPosition();
  await store.close();
  expect(head).toBe(100_000n);

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.EVENTSTORE_CONNECTION_STRING;
  delete env.MONGODB_URL;
  delete env.KAFKA_BROKERS;
  // LOG_LEVEL log: every line the service would log on a normal start, ERROR lines included.
  Object.assign(env, { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'log' });
  // Resolves as soon as /health answers 200.
  service = await startServiceProcess({ entry: ENTRY, nodeArgs: ['-r', './scripts/register-paths.js'], cwd: ROOT, env, timeoutMs: 60_000 });

  const first = await fetch(`${service.baseUrl}/health/ready`);
  const firstBody = (await first.json()) as { code?: string; conditions: Record<string, { ready: boolean; detail?: string; figures: Record<string, unknown> }> };
  expect(first.status).toBe(503);
  expect(firstBody.code).toBe('HEALTH.NOT_READY');
  expect(firstBody.conditions.catchUp).toMatchObject({ ready: false, figures: { catchingUp: true, startHeadPosition: '100000' } });
  expect(firstBody.conditions.catchUp.detail).toMatch(/^catching up/);

  // Then the head: readiness holds, and a query reflects the last event.
  const token = await signTestToken(SECRET, admin);
  let reflected = 0n;
  while (reflected < head) {
    const response = await fetch(`${service.baseUrl}/organizations/${organizationId}`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    reflected = BigInt(response.headers.get('x-read-model-position') ?? '0');
    if (reflected < head) await new Promise((r) => setTimeout(r, 100));
  }
  const ready = await fetch(`${service.baseUrl}/health/ready`);
  const readyBody = (await ready.json()) as { conditions: Record<string, { ready: boolean; figures: Record<string, unknown> }> };
  expect(ready.status).toBe(200);
  expect(readyBody.conditions.catchUp).toEqual({ ready: true, figures: { catchingUp: false, position: expect.any(String), startHeadPosition: '100000' } });

  expect(service.output.join('')).not.toMatch(/\bERROR\b/);
});
