/**
 * `npm run bench:projections`: read-model projection throughput, lag and the permission check.
 * - Fills a temporary SqliteEventStore (written straight to the store, hash-chained like the
 *   service) with ORGS organizations x EVENTS_PER_ORG membership events (>= 200,000).
 * - Baseline 1, no-op drain: readAll over every event, doing nothing.
 * - Rebuild: rebuildReadModels into MongoDB (FerretDB from the test harness), as `roster rebuild` does.
 * - Baseline 2, raw bulkWrite: the resulting documents, inserted with insertMany into an empty
 *   database; expressed in events/s (events / time) so the ratio compares like with like.
 * - The service in a child process (API + projections over the rebuilt database, in-process
 *   permission index), the load generator (autocannon) in this process.
 * - check_p99_ms (measured first, with the projection idle): single checks on POST
 *   /authorizations/check at a fixed 5,000/s over CHECK_CONNECTIONS connections (service
 *   token, random members of random organizations); check_rate_per_s says what was reached.
 *   batch_*: the batch form, CHECK_BATCH checks per request at 5,000 checks/s, per-request
 *   latency. Baselines: GET /health under the same load; the check in process (no HTTP).
 * - Lag under a real command load: autocannon drives BENCH_LAG_RATE (default 200) commands/s
 *   through the HTTP API (invitations and profile edits by the organizations' admins) for
 *   BENCH_LAG_SECONDS; meanwhile a sampler sends a profile edit every 200 ms and times,
 *   from its answer, until a read with X-Min-Position = its position answers (503 after 5 s
 *   retried); a sample still waiting after BENCH_LAG_CAP_MS counts as the cap
 *   (lag_samples_capped). lag_commands_per_s is the command rate actually reached.
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
const LAG_COMMANDS_PER_S = Number(process.env.BENCH_LAG_RATE ?? 200);
const LAG_SAMPLE_MS = 200;
const LAG_CAP_MS = Number(process.env.BENCH_LAG_CAP_MS ?? 20_000);
const CHECK_RATE = 5000;
const CHECK_SECONDS = Number(process.env.BENCH_CHECK_SECONDS ?? 10);
const CHECK_CONNECTIONS = 100;
const CHECK_BATCH = 50;
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
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ROSTER_DATA_DIR: dir, MONGODB_URL: mongoUrl, ROSTER_MONGODB_DB: database, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: process.env.BENCH_ROSTER_RUN ?? 'api,projections', LOG_LEVEL: 'warn' },
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

    // The permission check: single checks at a fixed 5,000/s (service token, random members of
    // random organizations), answered by the in-process index; the service is idle otherwise.
    const serviceToken = await sign('bench-service', ['service']);
    const randomCheck = () => {
      const org = seeded.orgs[Math.floor(Math.random() * seeded.orgs.length)];
      const userId = org.members[Math.floor(Math.random() * org.members.length)];
      return { userId, organizationId: org.id, action: Math.random() < 0.5 ? 'dataset.create' : 'organization.read' };
    };
    const bodies = Array.from({ length: 2000 }, () => JSON.stringify(randomCheck()));
    const batchBodies = Array.from({ length: 200 }, () => JSON.stringify({ checks: Array.from({ length: CHECK_BATCH }, randomCheck) }));
    const checkHeaders = { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' };
    let next = 0;
    await autocannon({ url: `${base}/authorizations/check`, method: 'POST', connections: 20, duration: 3, headers: checkHeaders, body: bodies[0] });
    const checks = await autocannon({
      url: `${base}/authorizations/check`,
      method: 'POST',
      connections: CHECK_CONNECTIONS,
      overallRate: CHECK_RATE,
      duration: CHECK_SECONDS,
      headers: checkHeaders,
      requests: [{ setupRequest: ((request: object) => ({ ...request, body: bodies[next++ % bodies.length] })) as never }],
    });
    log(`checks: ${checks.requests.average}/s average (target ${CHECK_RATE}), p50 ${checks.latency.p50} ms, p99 ${checks.latency.p99} ms, non-2xx ${checks.non2xx}`);
    // The batch form: CHECK_BATCH checks per request at CHECK_RATE / CHECK_BATCH requests/s.
    let nextBatch = 0;
    const batches = await autocannon({
      url: `${base}/authorizations/check/batch`,
      method: 'POST',
      connections: 10,
      overallRate: Math.ceil(CHECK_RATE / CHECK_BATCH),
      duration: CHECK_SECONDS,
      headers: checkHeaders,
      requests: [{ setupRequest: ((request: object) => ({ ...request, body: batchBodies[nextBatch++ % batchBodies.length] })) as never }],
    });
    log(`batch checks: ${batches.requests.average} requests/s x ${CHECK_BATCH}, p99 ${batches.latency.p99} ms per request, non-2xx ${batches.non2xx}`);
    // Context for the HTTP figure: the cheapest route (GET /health) under the same load generator.
    const health = await autocannon({ url: `${base}/health`, connections: CHECK_CONNECTIONS, overallRate: CHECK_RATE, duration: 5 });
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

    // Lag under a real command load: autocannon drives LAG_COMMANDS_PER_S commands/s through
    // the HTTP API (admins inviting new users and editing profiles of random organizations)
    // while a sampler sends a profile edit every LAG_SAMPLE_MS and times, from its answer,
    // until a read sent with X-Min-Position = its position answers (a 503 after 5 s is
    // retried). A sample still waiting after LAG_CAP_MS counts as LAG_CAP_MS (lag_samples_capped).
    log(`lag: ${LAG_COMMANDS_PER_S} commands/s for ${LAG_SECONDS} s`);
    const loadOrgs = await Promise.all(seeded.orgs.slice(0, 500).map(async (org) => ({ ...org, token: await sign(org.admin) })));
    const pickOrg = () => loadOrgs[Math.floor(Math.random() * loadOrgs.length)];
    const startHead = BigInt(((await (await fetch(`${base}/health`)).json()) as { headPosition: string }).headPosition);
    // The command load runs in a process of its own: an in-process autocannon starved the sampler's timers.
    const loadChild = spawn(process.execPath, ['-r', resolve(__dirname, '../../scripts/register-paths.js'), __filename], {
      env: { ...process.env, BENCH_PROJECTIONS_LOAD: JSON.stringify({ base, rate: LAG_COMMANDS_PER_S, seconds: LAG_SECONDS, orgs: loadOrgs.map((o) => ({ id: o.id, token: o.token })) }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let loadOutput = '';
    loadChild.stdout!.on('data', (chunk: Buffer) => (loadOutput += chunk.toString()));
    const load = new Promise<{ average: number; ok: number; non2xx: number }>((resolveLoad, reject) =>
      loadChild.once('exit', (code) => (code === 0 ? resolveLoad(JSON.parse(loadOutput)) : reject(new Error(`command load exited with ${code}`)))),
    );
    const lags: number[] = [];
    let lagFailures = 0;
    let lagCapped = 0;
    const loadEnd = Date.now() + LAG_SECONDS * 1000;
    const inflight: Promise<void>[] = [];
    let samplesStarted = 0;
    while (Date.now() < loadEnd) {
      samplesStarted++;
      const org = pickOrg();
      inflight.push(
        (async () => {
          const answer = await fetch(`${base}/organizations/${org.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${org.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ description: `sample ${randomUUID()}` }) });
          const body = (await answer.json()) as { position?: string };
          const answered = performance.now();
          for (;;) {
            const left = LAG_CAP_MS - (performance.now() - answered);
            if (left <= 0) {
              lagCapped++;
              lags.push(LAG_CAP_MS);
              return;
            }
            try {
              const read = await fetch(`${base}/organizations/${org.id}`, { headers: { authorization: `Bearer ${org.token}`, 'x-min-position': String(body.position) }, signal: AbortSignal.timeout(Math.ceil(left)) });
              await read.text();
              if (read.ok) {
                lags.push(performance.now() - answered);
                return;
              }
              lagFailures++;
            } catch (error) {
              // Aborted at the cap: counted on the next turn. Anything else is a bench fault.
              if (!(error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))) throw error;
            }
          }
        })(),
      );
      await new Promise((r) => setTimeout(r, LAG_SAMPLE_MS));
    }
    const loadResult = await load;
    await Promise.all(inflight);
    const endHead = BigInt(((await (await fetch(`${base}/health`)).json()) as { headPosition: string }).headPosition);
    log(`command load: ${loadResult.average}/s average, 2xx ${loadResult.ok}, non-2xx ${loadResult.non2xx}, events ${endHead - startHead}`);
    log(`lag samples started: ${samplesStarted}`);
    log(`lag samples: ${lags.length}, capped at ${LAG_CAP_MS} ms: ${lagCapped}, reads answered 503 after 5 s and retried: ${lagFailures}`);

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
      lag_samples_capped: lagCapped,
      lag_cap_ms: LAG_CAP_MS,
      lag_reads_503: lagFailures,
      lag_commands_target_per_s: LAG_COMMANDS_PER_S,
      lag_commands_per_s: Math.round(loadResult.average),
      lag_commands_non2xx: loadResult.non2xx,
      lag_events: Number(endHead - startHead),
      check_target_per_s: CHECK_RATE,
      check_rate_per_s: Math.round(checks.requests.average),
      check_p50_ms: checks.latency.p50,
      check_p99_ms: checks.latency.p99,
      check_non2xx: checks.non2xx,
      check_connections: CHECK_CONNECTIONS,
      batch_checks_per_request: CHECK_BATCH,
      batch_checks_per_s: Math.round(batches.requests.average * CHECK_BATCH),
      batch_request_p50_ms: batches.latency.p50,
      batch_request_p99_ms: batches.latency.p99,
      batch_non2xx: batches.non2xx,
      baseline_health_rate_per_s: Math.round(health.requests.average),
      baseline_health_p99_ms: health.latency.p99,
      check_inprocess_p99_ms: Number(percentile(inProcess, 99).toFixed(4)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      // A graceful stop waits for the projection's batch in flight, which on FerretDB with a backlog takes minutes.
      const killer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await new Promise((r) => child!.once('exit', r));
      clearTimeout(killer);
    }
    await servers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The command load of the lag phase (child process): invitations and profile edits at a fixed rate. */
async function commandLoad(spec: { base: string; rate: number; seconds: number; orgs: Array<{ id: string; token: string }> }): Promise<void> {
  const pick = () => spec.orgs[Math.floor(Math.random() * spec.orgs.length)];
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const result = await autocannon({
    url: spec.base,
    connections: 32,
    overallRate: spec.rate,
    duration: spec.seconds,
    requests: [
      {
        setupRequest: ((request: object) => {
          const org = pick();
          return { ...request, method: 'POST', path: `/organizations/${org.id}/invitations`, headers: headers(org.token), body: JSON.stringify({ userId: `bench-${randomUUID()}`, role: 'member' }) };
        }) as never,
      },
      {
        setupRequest: ((request: object) => {
          const org = pick();
          return { ...request, method: 'PATCH', path: `/organizations/${org.id}`, headers: headers(org.token), body: JSON.stringify({ description: `load ${randomUUID()}` }) };
        }) as never,
      },
    ],
  });
  process.stdout.write(JSON.stringify({ average: result.requests.average, ok: result['2xx'], non2xx: result.non2xx }));
}

const loadSpec = process.env.BENCH_PROJECTIONS_LOAD;
(loadSpec ? commandLoad(JSON.parse(loadSpec)) : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
