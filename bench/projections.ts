/**
 * `npm run bench:projections`: read-model projection throughput, lag and the permission check.
 * - Fills a temporary SqliteEventStore (written straight to the store, hash-chained like the
 *   service) with ORGS organizations x EVENTS_PER_ORG membership events (>= 200,000).
 * - Baseline 1, no-op drain: readAll over every event, doing nothing.
 * - Rebuild: rebuildReadModels into MongoDB (FerretDB from the test harness), as `roster rebuild` does.
 * - Baseline 2, raw bulkWrite: the resulting documents, inserted with insertMany into an empty
 *   database; expressed in events/s (events / time) so the ratio compares like with like.
 * - Lag: the service in a child process (API + projections over the rebuilt database), a
 *   command load for LAG_SECONDS; after each command, the time until a query sent with
 *   X-Min-Position = the command's position answers (lag as a client sees it; a 503 after
 *   5 s is retried and the wait keeps counting).
 * - check_p99_ms (measured first, with the projection idle): autocannon at a fixed 5,000 checks/s on POST /authorizations/check
 *   (service token, random members of random organizations), answered by the in-process index.
 * Prints one JSON line on stdout; progress on stderr.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { EVENT_SCHEMA_VERSION, organizationStreamId, type OrganizationEvent, type Role } from '@roster/domain';
import { eventHash, GENESIS_HASH, SqliteEventStore, type EventToAppend } from '@roster/event-store';
import { EmbeddedDocumentStore, INDEXED_COLLECTIONS, MongoDocumentStore, PermissionChecker, projectBatch, type Doc, READ_MODEL_COLLECTIONS, rebuildReadModels } from '@roster/read-models';
import { startServers } from '@roster/testing';

const ORGS = Number(process.env.BENCH_ORGS ?? 5000);
const EVENTS_PER_ORG = 40;
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 10);
const LAG_COMMANDS_PER_S = Number(process.env.BENCH_LAG_RATE ?? 5);
const CHECK_RATE = 5000;
const CHECK_SECONDS = 10;
const SECRET = `bench-secret-${randomUUID()}`;

const log = (line: string) => process.stderr.write(`[bench:projections] ${line}\n`);

interface Seeded {
  readonly events: number;
  /** Per organization: its id, admin and current members. */
  readonly orgs: Array<{ id: string; admin: string; members: string[] }>;
}

/** Creation, then 13 x (join request, approval, promotion or departure): 40 events per organization. */
async function seed(path: string): Promise<Seeded> {
  const store = new SqliteEventStore({ path });
  const start = Date.parse('2026-01-01T00:00:00Z');
  const orgs: Seeded['orgs'] = [];
  let total = 0;
  const pending: Promise<unknown>[] = [];
  for (let o = 0; o < ORGS; o++) {
    const organizationId = randomUUID();
    const admin = `admin-${o}`;
    const streamId = organizationStreamId(organizationId);
    const facts: Array<[OrganizationEvent, string]> = [
      [{ type: 'OrganizationCreated', data: { organizationId, name: `Organization ${o}`, description: 'benchmark', createdBy: admin } }, admin],
    ];
    const members: string[] = [admin];
    for (let k = 0; k < 13; k++) {
      const userId = `user-${o}-${k}`;
      const requestId = randomUUID();
      const role: Role = k % 3 === 0 ? 'editor' : 'member';
      facts.push([{ type: 'JoinRequested', data: { organizationId, requestId, userId, message: 'hello' } }, userId]);
      facts.push([{ type: 'JoinApproved', data: { organizationId, requestId, userId, role, approvedBy: admin } }, admin]);
      if (k % 4 === 3) facts.push([{ type: 'MemberLeft', data: { organizationId, userId, role } }, userId]);
      else {
        facts.push([{ type: 'MemberRoleChanged', data: { organizationId, userId, from: role, to: role === 'editor' ? 'admin' : 'editor', changedBy: admin } }, admin]);
        members.push(userId);
      }
    }
    let previousHash = GENESIS_HASH;
    const batch: EventToAppend[] = facts.map(([event, actor], revision) => {
      const id = randomUUID();
      const metadata: Record<string, unknown> = {
        actor: { userId: actor },
        occurredAt: new Date(start + (o % 60) * 86_400_000 + revision * 60_000).toISOString(),
        correlationId: id,
        causationId: id,
        schemaVersion: EVENT_SCHEMA_VERSION,
        command: 'Seed',
        previousHash,
      };
      const hash = eventHash(previousHash, { streamId, revision: BigInt(revision), id, type: event.type, data: event.data, metadata });
      metadata.hash = hash;
      previousHash = hash;
      return { id, type: event.type, data: event.data, metadata };
    });
    total += batch.length;
    pending.push(store.append(streamId, batch, 'no_stream'));
    if (pending.length >= 200) await Promise.all(pending.splice(0));
    orgs.push({ id: organizationId, admin, members });
  }
  await Promise.all(pending);
  await store.close();
  return { events: total, orgs };
}

async function drain(path: string): Promise<number> {
  const store = new SqliteEventStore({ path });
  const started = performance.now();
  let count = 0;
  for await (const event of store.readAll()) if (event) count++;
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return count / seconds;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function main(): Promise<void> {
  const servers = await startServers({ mongo: true }, { log });
  const mongoUrl = servers.mongo!.url;
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-projections-'));
  const storePath = join(dir, 'events.sqlite');
  let child: ChildProcess | undefined;
  try {
    log(`seeding ${ORGS} organizations x ${EVENTS_PER_ORG} events`);
    const seeded = await seed(storePath);
    log(`seeded ${seeded.events} events`);

    const drainRate = await drain(storePath);
    log(`no-op drain: ${Math.round(drainRate)} events/s`);

    const database = `bench-rm-${randomUUID().slice(0, 8)}`;
    const store = new SqliteEventStore({ path: storePath });
    const documents = await MongoDocumentStore.connect({ url: mongoUrl, database });
    const rebuild = await rebuildReadModels({
      store,
      documents,
      onProgress: (p) => {
        if (p.done === p.total || p.done % 50_000 < 2000) log(`rebuild ${p.phase}: ${p.done}/${p.total}`);
      },
    });
    const rebuildRate = rebuild.events / (rebuild.elapsedMs / 1000);
    log(`rebuild: ${rebuild.events} events -> ${rebuild.documents} documents in ${(rebuild.elapsedMs / 1000).toFixed(1)} s`);
    await store.close();
    await documents.close();

    // The documents the rebuild produced, projected in memory (untimed), then inserted raw.
    const staging = new EmbeddedDocumentStore();
    const source = new SqliteEventStore({ path: storePath });
    let batch = [];
    for await (const event of source.readAll()) {
      batch.push(event);
      if (batch.length >= 2000) {
        staging.writeSync(projectBatch(batch));
        batch = [];
      }
    }
    staging.writeSync(projectBatch(batch));
    await source.close();
    const raw = await MongoDocumentStore.connect({ url: mongoUrl, database: `bench-raw-${randomUUID().slice(0, 8)}` });
    const staged = READ_MODEL_COLLECTIONS.map((name) => [name, staging.all(name) as Doc[]] as const);
    const rawStarted = performance.now();
    let rawDocs = 0;
    for (const [name, docs] of staged) {
      await raw.insertMany(name, docs);
      rawDocs += docs.length;
    }
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    await raw.close();
    const bulkRate = seeded.events / rawSeconds;
    log(`raw insertMany: ${rawDocs} documents in ${rawSeconds.toFixed(1)} s`);

    // The service over the rebuilt read models, in its own process.
    const port = await freePort();
    child = spawn(process.execPath, ['-r', resolve(__dirname, '../../scripts/register-paths.js'), resolve(__dirname, '../apps/roster/src/main.js')], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ROSTER_DATA_DIR: dir, MONGODB_URL: mongoUrl, ROSTER_MONGODB_DB: database, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('the service did not start within 120 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const sign = (sub: string, roles?: string[]) =>
      new SignJWT(roles ? { roles } : {}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));

    // The permission check at a fixed rate.
    const serviceToken = await sign('bench-service', ['service']);
    const bodies = Array.from({ length: 2000 }, () => {
      const org = seeded.orgs[Math.floor(Math.random() * seeded.orgs.length)];
      const userId = org.members[Math.floor(Math.random() * org.members.length)];
      return JSON.stringify({ userId, organizationId: org.id, action: Math.random() < 0.5 ? 'dataset.create' : 'organization.read' });
    });
    let next = 0;
    const warm = await autocannon({ url: `${base}/authorizations/check`, method: 'POST', connections: 20, duration: 2, headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' }, body: bodies[0] });
    void warm;
    const checks = await autocannon({
      url: `${base}/authorizations/check`,
      method: 'POST',
      connections: 50,
      overallRate: CHECK_RATE,
      duration: CHECK_SECONDS,
      headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' },
      requests: [{ setupRequest: ((request: object) => ({ ...request, body: bodies[next++ % bodies.length] })) as never }],
    });
    log(`checks: ${checks.requests.average}/s average, p99 ${checks.latency.p99} ms, non-2xx ${checks.non2xx}`);
    // Context for the HTTP figure: the cheapest route (GET /health) under the same load generator.
    const health = await autocannon({ url: `${base}/health`, connections: 50, overallRate: CHECK_RATE, duration: 5 });
    log(`health baseline: ${health.requests.average}/s average, p99 ${health.latency.p99} ms`);

    // The check itself, in process over the index the service keeps (loaded from the rebuilt database), paced at 5,000/s.
    const indexSource = await MongoDocumentStore.connect({ url: mongoUrl, database });
    const index = new EmbeddedDocumentStore();
    for (const name of INDEXED_COLLECTIONS) await index.insertMany(name, await indexSource.find(name, {}));
    await indexSource.close();
    const checker = new PermissionChecker(index);
    const parsed = bodies.map((b) => JSON.parse(b) as { userId: string; organizationId: string; action: 'dataset.create' });
    const inProcess: number[] = [];
    const paceStart = performance.now();
    for (let i = 0; i < CHECK_RATE * 5; i++) {
      const due = paceStart + (i * 1000) / CHECK_RATE;
      while (performance.now() < due) await new Promise((r) => setImmediate(r));
      const c = parsed[i % parsed.length];
      const t0 = performance.now();
      await checker.check(c.userId, c.organizationId, c.action);
      inProcess.push(performance.now() - t0);
    }
    log(`in-process checks: p99 ${percentile(inProcess, 99).toFixed(4)} ms`);

    // Lag while commands run: join requests to random organizations, each followed by a read at its position.
    log(`lag: ${LAG_COMMANDS_PER_S} commands/s for ${LAG_SECONDS} s`);
    const lags: number[] = [];
    let lagFailures = 0;
    const loadEnd = Date.now() + LAG_SECONDS * 1000;
    const inflight: Promise<void>[] = [];
    while (Date.now() < loadEnd) {
      const org = seeded.orgs[Math.floor(Math.random() * seeded.orgs.length)];
      inflight.push(
        (async () => {
          const token = await sign(`bench-${randomUUID()}`);
          const answer = await fetch(`${base}/organizations/${org.id}/join-requests`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
          const body = (await answer.json()) as { position?: string };
          const answered = performance.now();
          const adminToken = await sign(org.admin);
          // Each read waits up to 5 s (then 503); retried until the read models reached the command.
          for (;;) {
            const read = await fetch(`${base}/organizations/${org.id}`, { headers: { authorization: `Bearer ${adminToken}`, 'x-min-position': String(body.position) } });
            await read.text();
            if (read.ok) {
              lags.push(performance.now() - answered);
              return;
            }
            lagFailures++;
            if (performance.now() - answered > 120_000) return;
          }
        })(),
      );
      await new Promise((r) => setTimeout(r, 1000 / LAG_COMMANDS_PER_S));
    }
    await Promise.all(inflight);
    log(`lag samples: ${lags.length}, reads answered 503 after 5 s and retried: ${lagFailures}`);

    const result = {
      bench: 'projections',
      mongo: servers.mongo!.description,
      organizations: ORGS,
      events: seeded.events,
      documents: rebuild.documents,
      rebuild_events_per_s: Math.round(rebuildRate),
      baseline_drain_per_s: Math.round(drainRate),
      baseline_bulkwrite_per_s: Math.round(bulkRate),
      baseline_bulkwrite_docs_per_s: Math.round(rawDocs / rawSeconds),
      ratio_vs_bulkwrite: Number((rebuildRate / bulkRate).toFixed(3)),
      ratio_vs_drain: Number((rebuildRate / drainRate).toFixed(3)),
      lag_p50_ms: Number(percentile(lags, 50).toFixed(1)),
      lag_p99_ms: Number(percentile(lags, 99).toFixed(1)),
      lag_samples: lags.length,
      lag_reads_503: lagFailures,
      lag_commands_per_s: LAG_COMMANDS_PER_S,
      check_target_per_s: CHECK_RATE,
      check_rate_per_s: Math.round(checks.requests.average),
      check_p50_ms: checks.latency.p50,
      check_p99_ms: checks.latency.p99,
      check_non2xx: checks.non2xx,
      baseline_health_rate_per_s: Math.round(health.requests.average),
      baseline_health_p99_ms: health.latency.p99,
      check_inprocess_p99_ms: Number(percentile(inProcess, 99).toFixed(4)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await servers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
