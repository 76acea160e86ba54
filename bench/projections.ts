/**
 * `npm run bench:projections`: read-model projection throughput, lag and the permission check.
 * - Fills a temporary SqliteEventStore (written straight to the store, hash-chained like the
 *   service) with ORGS organizations x EVENTS_PER_ORG membership events (>= 200,000).
 * - Baseline 1, no-op drain: readAll over every event, doing nothing.
 * - Rebuild: rebuildReadModels into MongoDB (FerretDB from the test harness), as `roster rebuild` does.
 * - Baseline 2, raw bulkWrite: the resulting documents, inserted with insertMany into an empty
 *   database; expressed in events/s (events / time) so the ratio compares like with like.
 * - The service in a child process (API + projections over the rebuilt database, in-process
 *   permission index); every load comes from pacedHttpLoad (@roster/testing), run by a child
 *   process of this script with a small heap of its own: an open-loop load at an even rate
 *   over keep-alive connections, latency counted from when a request was sent (how late the
 *   generator itself was is reported apart).
 * - check_p99_ms (measured first, with the projection idle): single checks on POST
 *   /authorizations/check at a fixed 5,000/s over CHECK_CONNECTIONS connections (service
 *   token, random members of random organizations); check_rate_per_s says what was reached.
 *   Baselines, the same requests at the same rate: a bare node:http server answering a
 *   constant (the floor of this machine's HTTP stack and generator) and a bare Fastify route
 *   answering from the parsed body (the framework's floor). The three run in
 *   BENCH_CHECK_ROUNDS (3) interleaved rounds of 10 s; each figure is the median of its
 *   rounds (*_p99_rounds_ms lists them): this machine's noise comes and goes.
 *   batch_*: the batch form, CHECK_BATCH checks per request at 5,000 checks/s, per-request
 *   latency. Also GET /health of the service, and the check in process (no HTTP).
 *   A PARTNER_CHECK_SHARE (20 %) of the single checks ask about a member of a partner
 *   organization (answered via the partner); check_partner_* and check_membership_* report
 *   the two kinds apart, over HTTP and in process.
 * - Lag under a real command load: a child process drives BENCH_LAG_RATE (default 200)
 *   commands/s, evenly paced, through the HTTP API (invitations and profile edits by the
 *   admins of 500 organizations); meanwhile a sampler sends a profile edit every 100 ms and
 *   times, from its answer, until a read with X-Min-Position = its position answers (503
 *   after 5 s retried); a sample still waiting after BENCH_LAG_CAP_MS counts as the cap
 *   (lag_samples_capped). First BENCH_LAG_WARMUP_SECONDS (5) of warm-up, reported apart
 *   (lag_warmup_*: a service just started loads each organization's stream on its first
 *   command and runs uncompiled code), then BENCH_LAG_SECONDS (30) measured.
 *   lag_commands_per_s is the command rate actually reached.
 *   Measured twice: on FerretDB (lag_*), whose SQLite backend scans a whole collection for
 *   every update, even by _id, and on mongo-java-server's in-memory backend (lag_indexed_*),
 *   which finds a document by _id through its index (BENCH_SKIP_INDEXED_LEG=1 skips it).
 *   On that server a second phase runs at BENCH_LAG_HIGH_RATE (default 1000, 0 skips it)
 *   commands/s (lag_indexed_high_*), nearer the command benchmark's own rates: there the
 *   service, the server and the loads share this machine's cores.
 * Prints one JSON line on stdout; progress on stderr.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EVENT_SCHEMA_VERSION, organizationStreamId, type OrganizationEvent, type Role } from '@roster/domain';
import { eventHash, GENESIS_HASH, SqliteEventStore, type EventToAppend } from '@roster/event-store';
import { EmbeddedDocumentStore, ensureReadModelIndexes, INDEXED_COLLECTIONS, MongoDocumentStore, PermissionChecker, projectBatch, type Doc, READ_MODEL_COLLECTIONS, rebuildReadModels } from '@roster/read-models';
import { pacedHttpLoad, percentile, type LabelledLatency, signTestToken, startMongoJavaServer, startServers, startServiceProcess, stopProcess, type MongoServer, type PacedLoadOptions, type PacedLoadResult, type PacedRequest, type ServiceProcess } from '@roster/testing';
import { benchApiWorkers } from './support';
import { RosterMetrics } from '../apps/roster/src/metrics/roster-metrics';

const METRICS_ON = process.env.ROSTER_METRICS !== '0';
const ORGS = Number(process.env.BENCH_ORGS ?? 5000);
const EVENTS_PER_ORG = 40;
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 30);
const LAG_WARMUP_SECONDS = Number(process.env.BENCH_LAG_WARMUP_SECONDS ?? 5);
const LAG_COMMANDS_PER_S = Number(process.env.BENCH_LAG_RATE ?? 200);
/** The second lag phase on the indexed server: where this machine's two cores run out (0 skips it). */
const LAG_HIGH_COMMANDS_PER_S = Number(process.env.BENCH_LAG_HIGH_RATE ?? 1000);
const LAG_SAMPLE_MS = 100;
const LAG_CAP_MS = Number(process.env.BENCH_LAG_CAP_MS ?? 20_000);
const CHECK_RATE = 5000;
/** One organization in PARTNER_EVERY invites the next as a partner; PARTNER_CHECK_SHARE of the checks ask about a partner's member. */
const PARTNER_EVERY = 4;
const PARTNER_CHECK_SHARE = 0.2;
const CHECK_SECONDS = Number(process.env.BENCH_CHECK_SECONDS ?? 10);
const CHECK_CONNECTIONS = 100;
const CHECK_ROUNDS = Number(process.env.BENCH_CHECK_ROUNDS ?? 3);
const CHECK_BATCH = 50;
const SECRET = `bench-secret-${randomUUID()}`;
/** The bare HTTP baseline: reads the body, answers a constant permission answer. */
const BARE_SERVER = `
const answer = JSON.stringify({ allowed: true, role: 'admin', reason: 'role admin grants dataset.create' });
require('node:http').createServer({ keepAliveTimeout: 120000 }, (request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) }).end(answer));
}).listen(Number(process.env.PORT), process.env.HOST);
`;

/** The bare Fastify baseline: our fastify, one route answering a constant-shaped answer from the parsed body. */
const BARE_FASTIFY_SERVER = `
const app = require(${JSON.stringify(require.resolve('fastify'))})({ keepAliveTimeout: 120000 });
app.get('/health', async () => ({ ok: true }));
app.post('/authorizations/check', async (request) => ({ allowed: true, role: 'admin', reason: 'role admin grants ' + request.body.action }));
app.listen({ port: Number(process.env.PORT), host: process.env.HOST });
`;

const log = (line: string) => process.stderr.write(`[bench:projections] ${line}\n`);

interface Seeded {
  readonly events: number;
  /** Per organization: its id, admin and current members; `partnerIndex`: the organization it invited as a partner, if any. */
  readonly orgs: Array<{ id: string; admin: string; members: string[]; partnerIndex?: number }>;
}

/**
 * Creation, then 13 x (join request, approval, promotion or departure): 40 events per
 * organization. Every PARTNER_EVERY-th organization also invites the next one as a partner
 * (read or write access, in turn), whose admin accepts: 2 more events in its stream.
 */
async function seed(path: string): Promise<Seeded> {
  const store = new SqliteEventStore({ path });
  const start = Date.parse('2026-01-01T00:00:00Z');
  const orgs: Seeded['orgs'] = [];
  let total = 0;
  const pending: Promise<unknown>[] = [];
  const ids = Array.from({ length: ORGS }, () => randomUUID());
  for (let o = 0; o < ORGS; o++) {
    const organizationId = ids[o];
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
    const partnerIndex = o % PARTNER_EVERY === 0 && o + 1 < ORGS ? o + 1 : undefined;
    if (partnerIndex !== undefined) {
      const partnershipId = randomUUID();
      const access = (o / PARTNER_EVERY) % 2 === 0 ? 'write' : 'read';
      const partnerOrganizationId = ids[partnerIndex];
      facts.push([{ type: 'PartnerInvited', data: { organizationId, partnershipId, partnerOrganizationId, access, invitedBy: admin } }, admin]);
      const partnerAdmin = `admin-${partnerIndex}`;
      facts.push([{ type: 'PartnershipAccepted', data: { organizationId, partnershipId, partnerOrganizationId, access, acceptedBy: partnerAdmin, acceptedByRole: 'admin' } }, partnerAdmin]);
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
    orgs.push({ id: organizationId, admin, members, ...(partnerIndex !== undefined ? { partnerIndex } : {}) });
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

async function main(): Promise<void> {
  const servers = await startServers({ mongo: true }, { log });
  const mongoUrl = servers.mongo!.url;
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-projections-'));
  const storePath = join(dir, 'events.sqlite');
  let service: ServiceProcess | undefined;
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

    // In functions of their own, so that the bench's large staging data is garbage before the
    // lag phase, whose sampler runs in this process.
    const { rawDocs, rawSeconds } = await rawInsert(storePath, mongoUrl);
    const bulkRate = seeded.events / rawSeconds;
    log(`raw insertMany: ${rawDocs} documents in ${rawSeconds.toFixed(1)} s`);

    // The service over the rebuilt read models, in its own process.
    service = await startService(dir, mongoUrl, database);
    const base = service.baseUrl;
    const sign = (sub: string, roles?: string[]) => signTestToken(SECRET, sub, roles ? { roles } : {}, '2h');

    // The permission check: single checks at a fixed 5,000/s, evenly paced (service token,
    // random members of random organizations), answered by the in-process index; the service
    // is idle otherwise.
    const serviceToken = await sign('bench-service', ['service']);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
    const inviters = seeded.orgs.filter((org) => org.partnerIndex !== undefined);
    const membershipCheck = () => {
      const org = pick(seeded.orgs);
      return { userId: pick(org.members), organizationId: org.id, action: Math.random() < 0.5 ? 'dataset.create' : 'organization.read' };
    };
    // A member of the partner (never of the inviting organization) asking about the inviting one: answered via the partner.
    const partnerCheck = () => {
      const org = pick(inviters);
      return { userId: pick(seeded.orgs[org.partnerIndex!].members), organizationId: org.id, action: Math.random() < 0.5 ? 'dataset.update' : 'dataset.read' };
    };
    const randomCheck = () => (Math.random() < PARTNER_CHECK_SHARE ? partnerCheck() : membershipCheck());
    const checkHeaders = { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' };
    const post = (path: string, body: unknown, label?: string): PacedRequest => ({ method: 'POST', path, headers: checkHeaders, body: JSON.stringify(body), ...(label ? { label } : {}) });
    const singles = Array.from({ length: 2000 }, () => {
      const partner = Math.random() < PARTNER_CHECK_SHARE;
      return post('/authorizations/check', partner ? partnerCheck() : membershipCheck(), partner ? 'partner' : 'membership');
    });
    const batchRequests = Array.from({ length: 200 }, () => post('/authorizations/check/batch', { checks: Array.from({ length: CHECK_BATCH }, randomCheck) }));
    const paced = (requests: readonly PacedRequest[], ratePerS: number, durationS = CHECK_SECONDS, baseUrl = base) =>
      pacedLoadInChild(dir, { baseUrl, connections: CHECK_CONNECTIONS, ratePerS, durationS, requests });
    // The floors, in processes of their own, answering the same requests at the same rate: a
    // bare node:http server (what this machine's HTTP stack and generator allow) and a bare
    // Fastify route answering from the parsed body (the framework's own floor).
    const bare = await startServiceProcess({ entry: '-e', args: [BARE_SERVER], env: { ...process.env }, healthPath: '/' });
    const bareFastify = await startServiceProcess({ entry: '-e', args: [BARE_FASTIFY_SERVER], env: { ...process.env } });
    const targets = [base, bare.baseUrl, bareFastify.baseUrl];
    // Warm-up for all three, then CHECK_ROUNDS interleaved rounds: this machine's noise comes
    // and goes, so each figure is the median of its rounds, and every round is printed.
    for (const baseUrl of targets) await paced(singles, CHECK_RATE / 2, 3, baseUrl);
    const rounds: PacedLoadResult[][] = [[], [], []];
    for (let round = 0; round < CHECK_ROUNDS; round++) {
      for (const [i, baseUrl] of targets.entries()) rounds[i].push(await paced(singles, CHECK_RATE, CHECK_SECONDS, baseUrl));
      log(`round ${round + 1}/${CHECK_ROUNDS}: checks ${describeLoad(rounds[0][round])}; bare node:http p99 ${rounds[1][round].p99Ms} ms; bare Fastify p99 ${rounds[2][round].p99Ms} ms`);
    }
    await stopProcess(bare.child);
    await stopProcess(bareFastify.child);
    const [checks, bareLoad, fastifyLoad] = rounds.map(medianOfRounds);
    const batches = await paced(batchRequests, Math.ceil(CHECK_RATE / CHECK_BATCH));
    log(`batch checks (${CHECK_BATCH} per request): ${describeLoad(batches)}`);
    // Context for the HTTP figure: the cheapest route (GET /health) at the same rate.
    const health = await paced([{ method: 'GET', path: '/health' }], CHECK_RATE, 5);
    log(`health baseline: ${describeLoad(health)}`);

    const inProcess = await inProcessChecks(mongoUrl, database, singles);
    const inProcessP99 = inProcess.p99Ms;
    log(`in-process checks: p99 ${inProcessP99.toFixed(4)} ms (membership ${inProcess.byLabel.membership?.toFixed(4)}, partner ${inProcess.byLabel.partner?.toFixed(4)})`);

    const loadOrgs = await Promise.all(seeded.orgs.slice(0, 500).map(async (org) => ({ ...org, token: await sign(org.admin) })));
    const lag = await measureLag(dir, base, loadOrgs, LAG_COMMANDS_PER_S);
    log(`lag on ${servers.mongo!.description}: ${JSON.stringify(lag)}`);
    await stopProcess(service.child, 'SIGTERM', 10_000);
    // FerretDB goes on with the scans the killed service left queued: stop it, or it takes a
    // core from the next leg.
    await servers.stop();

    // The same lag phase with the read models on mongo-java-server, whose in-memory backend
    // has real indexes: FerretDB 1.24 scans the whole collection for every update, even by _id.
    let second: MongoServer | undefined;
    let lagIndexed: Lag | undefined;
    let lagIndexedHigh: Lag | undefined;
    if (process.env.BENCH_SKIP_INDEXED_LEG !== '1') {
      // 345,000 documents live on its heap: room enough that its collector does not stall the writes.
      second = await startMongoJavaServer({ log, maxHeapMb: 6144 });
      try {
        const indexedDatabase = `bench-rm-${randomUUID().slice(0, 8)}`;
        const indexedStore = new SqliteEventStore({ path: storePath });
        const indexedDocuments = await MongoDocumentStore.connect({ url: second.url, database: indexedDatabase });
        const indexedRebuild = await rebuildReadModels({ store: indexedStore, documents: indexedDocuments });
        log(`rebuild into ${second.description}: ${(indexedRebuild.elapsedMs / 1000).toFixed(1)} s`);
        await indexedStore.close();
        await indexedDocuments.close();
        service = await startService(dir, second.url, indexedDatabase);
        lagIndexed = await measureLag(dir, service.baseUrl, loadOrgs, LAG_COMMANDS_PER_S);
        log(`lag on ${second.description}: ${JSON.stringify(lagIndexed)}`);
        if (LAG_HIGH_COMMANDS_PER_S > 0) {
          lagIndexedHigh = await measureLag(dir, service.baseUrl, loadOrgs, LAG_HIGH_COMMANDS_PER_S);
          log(`lag on ${second.description} at ${LAG_HIGH_COMMANDS_PER_S} commands/s: ${JSON.stringify(lagIndexedHigh)}`);
        }
        await stopProcess(service.child, 'SIGTERM', 10_000);
      } finally {
        await second.stop();
      }
    }

    const result = {
      bench: 'projections',
      // ROSTER_METRICS=0 in the environment turns metrics off: in the service (passed on to it) and in the in-process check.
      metrics: METRICS_ON ? 'on' : 'off',
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
      lag_p50_ms: lag.p50Ms,
      lag_p99_ms: lag.p99Ms,
      lag_samples: lag.samples,
      lag_samples_capped: lag.capped,
      lag_cap_ms: LAG_CAP_MS,
      lag_seconds: LAG_SECONDS,
      lag_warmup_seconds: LAG_WARMUP_SECONDS,
      lag_warmup_p99_ms: lag.warmup.p99Ms,
      lag_warmup_samples_capped: lag.warmup.capped,
      lag_reads_503: lag.reads503,
      lag_commands_target_per_s: LAG_COMMANDS_PER_S,
      lag_commands_per_s: lag.commandsPerS,
      lag_commands_non2xx: lag.commandsNon2xx,
      lag_events: lag.events,
      ...(lagIndexed && second
        ? {
            lag_indexed_server: second.description,
            lag_indexed_p50_ms: lagIndexed.p50Ms,
            lag_indexed_p99_ms: lagIndexed.p99Ms,
            lag_indexed_samples: lagIndexed.samples,
            lag_indexed_samples_capped: lagIndexed.capped,
            lag_indexed_warmup_p50_ms: lagIndexed.warmup.p50Ms,
            lag_indexed_warmup_p99_ms: lagIndexed.warmup.p99Ms,
            lag_indexed_commands_per_s: lagIndexed.commandsPerS,
            lag_indexed_commands_non2xx: lagIndexed.commandsNon2xx,
          }
        : {}),
      ...(lagIndexedHigh
        ? {
            lag_indexed_high_commands_target_per_s: LAG_HIGH_COMMANDS_PER_S,
            lag_indexed_high_commands_per_s: lagIndexedHigh.commandsPerS,
            lag_indexed_high_p50_ms: lagIndexedHigh.p50Ms,
            lag_indexed_high_p99_ms: lagIndexedHigh.p99Ms,
            lag_indexed_high_samples: lagIndexedHigh.samples,
            lag_indexed_high_samples_capped: lagIndexedHigh.capped,
            lag_indexed_high_commands_non2xx: lagIndexedHigh.commandsNon2xx,
          }
        : {}),
      check_target_per_s: CHECK_RATE,
      check_rounds: CHECK_ROUNDS,
      check_rate_per_s: checks.ratePerS,
      check_p50_ms: checks.p50Ms,
      check_p99_ms: checks.p99Ms,
      check_p99_rounds_ms: checks.p99Rounds,
      check_max_ms: checks.maxMs,
      // The same single checks, split: members asking about their organization, and partners' members (answered via the partner).
      check_partner_share: PARTNER_CHECK_SHARE,
      check_membership_p50_ms: checks.byLabel?.membership?.p50Ms,
      check_membership_p99_ms: checks.byLabel?.membership?.p99Ms,
      check_partner_p50_ms: checks.byLabel?.partner?.p50Ms,
      check_partner_p99_ms: checks.byLabel?.partner?.p99Ms,
      check_non2xx: checks.non2xx + checks.errors,
      check_connections: CHECK_CONNECTIONS,
      check_generator_send_delay_p99_ms: checks.sendDelayP99Ms,
      batch_checks_per_request: CHECK_BATCH,
      batch_checks_per_s: batches.ratePerS * CHECK_BATCH,
      batch_request_p50_ms: batches.p50Ms,
      batch_request_p99_ms: batches.p99Ms,
      batch_non2xx: batches.non2xx + batches.errors,
      baseline_bare_http_rate_per_s: bareLoad.ratePerS,
      baseline_bare_http_p50_ms: bareLoad.p50Ms,
      baseline_bare_http_p99_ms: bareLoad.p99Ms,
      baseline_bare_http_p99_rounds_ms: bareLoad.p99Rounds,
      check_p99_over_bare_http: Number((checks.p99Ms / bareLoad.p99Ms).toFixed(2)),
      baseline_fastify_rate_per_s: fastifyLoad.ratePerS,
      baseline_fastify_p50_ms: fastifyLoad.p50Ms,
      baseline_fastify_p99_ms: fastifyLoad.p99Ms,
      baseline_fastify_p99_rounds_ms: fastifyLoad.p99Rounds,
      check_p99_over_fastify: Number((checks.p99Ms / fastifyLoad.p99Ms).toFixed(2)),
      baseline_health_rate_per_s: health.ratePerS,
      baseline_health_p50_ms: health.p50Ms,
      baseline_health_p99_ms: health.p99Ms,
      check_inprocess_p99_ms: Number(inProcessP99.toFixed(4)),
      check_inprocess_membership_p99_ms: Number((inProcess.byLabel.membership ?? NaN).toFixed(4)),
      check_inprocess_partner_p99_ms: Number((inProcess.byLabel.partner ?? NaN).toFixed(4)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (service) await stopProcess(service.child, 'SIGTERM', 10_000);
    await servers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Baseline 2: the documents the rebuild produced, projected in memory (untimed), then inserted raw into a fresh database. */
async function rawInsert(storePath: string, mongoUrl: string): Promise<{ rawDocs: number; rawSeconds: number }> {
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
  return { rawDocs, rawSeconds };
}

/** The check in process over an index loaded from the rebuilt database, paced at CHECK_RATE: its p99 in ms, of all checks and per label. */
async function inProcessChecks(mongoUrl: string, database: string, singles: readonly PacedRequest[]): Promise<{ p99Ms: number; byLabel: Record<string, number> }> {
  const indexSource = await MongoDocumentStore.connect({ url: mongoUrl, database });
  const index = new EmbeddedDocumentStore();
  for (const name of INDEXED_COLLECTIONS) await index.insertMany(name, await indexSource.find(name, {}));
  await indexSource.close();
  // As the service's index has them: the partner grants of an organization are found by its id, not by a scan.
  await ensureReadModelIndexes(index);
  // Observed as the service observes it, unless ROSTER_METRICS=0.
  const checker = new PermissionChecker(index, METRICS_ON ? new RosterMetrics(true).permissionCheck : undefined);
  const parsed = singles.map((r) => ({ ...(JSON.parse(r.body!) as { userId: string; organizationId: string; action: 'dataset.create' }), label: r.label ?? '' }));
  const inProcess: number[] = [];
  const labelled = new Map<string, number[]>();
  const paceStart = performance.now();
  for (let i = 0; i < CHECK_RATE * 5; i++) {
    const due = paceStart + (i * 1000) / CHECK_RATE;
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
    const c = parsed[i % parsed.length];
    const t0 = performance.now();
    await checker.check(c.userId, c.organizationId, c.action);
    const took = performance.now() - t0;
    inProcess.push(took);
    if (!labelled.has(c.label)) labelled.set(c.label, []);
    labelled.get(c.label)!.push(took);
  }
  const p99 = (values: number[]) => percentile(values.sort((x, y) => x - y), 99);
  return { p99Ms: p99(inProcess), byLabel: Object.fromEntries([...labelled].map(([label, values]) => [label, p99(values)])) };
}

/** Rounds of one load as one: the median of each figure (max of maxima, sums of failures), and every round's p99. */
function medianOfRounds(rounds: readonly PacedLoadResult[]): PacedLoadResult & { readonly p99Rounds: number[] } {
  const median = (pick: (r: PacedLoadResult) => number) => percentile(rounds.map(pick).sort((a, b) => a - b), 50);
  return {
    targetRatePerS: rounds[0].targetRatePerS,
    ratePerS: median((r) => r.ratePerS),
    sent: rounds.reduce((sum, r) => sum + r.sent, 0),
    answered: rounds.reduce((sum, r) => sum + r.answered, 0),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    maxMs: Math.max(...rounds.map((r) => r.maxMs)),
    sendDelayP99Ms: median((r) => r.sendDelayP99Ms),
    p99Rounds: rounds.map((r) => r.p99Ms),
    ...(rounds[0].byLabel
      ? {
          byLabel: Object.fromEntries(
            Object.keys(rounds[0].byLabel).map((label) => {
              const of = (pick: (r: LabelledLatency) => number) => median((r) => pick(r.byLabel![label]));
              return [label, { answered: rounds.reduce((sum, r) => sum + r.byLabel![label].answered, 0), p50Ms: of((r) => r.p50Ms), p99Ms: of((r) => r.p99Ms) }];
            }),
          ),
        }
      : {}),
  };
}

function describeLoad(load: PacedLoadResult): string {
  return `${load.ratePerS}/s (target ${load.targetRatePerS}), p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, max ${load.maxMs} ms, non-2xx ${load.non2xx}, errors ${load.errors}, generator late p99 ${load.sendDelayP99Ms} ms`;
}

/** The service (API + projections, in-process permission index) over the given read-model database. */
function startService(dir: string, mongoUrl: string, database: string): Promise<ServiceProcess> {
  return startServiceProcess({
    entry: resolve(__dirname, '../apps/roster/src/main.js'),
    // BENCH_SERVICE_NODE_ARGS: extra node flags for the service only (e.g. `--cpu-prof`), as in bench:commands.
    nodeArgs: ['-r', resolve(__dirname, '../../scripts/register-paths.js'), ...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')],
    env: { ...process.env, ROSTER_DATA_DIR: dir, MONGODB_URL: mongoUrl, ROSTER_MONGODB_DB: database, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: process.env.BENCH_ROSTER_RUN ?? 'api,projections', LOG_LEVEL: 'warn', ROSTER_COMMAND_RATE: '0', ROSTER_API_WORKERS: benchApiWorkers() },
    timeoutMs: 120_000,
  });
}

interface Lag {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
  readonly capped: number;
  readonly reads503: number;
  readonly commandsPerS: number;
  readonly commandsNon2xx: number;
  readonly events: number;
  /** The same figures for the warm-up that came first (a service just started: cold caches and JIT). */
  readonly warmup: { readonly p50Ms: number; readonly p99Ms: number; readonly samples: number; readonly capped: number };
}

/**
 * Lag under a real command load, after LAG_WARMUP_SECONDS of the same load (measured, and
 * reported apart: the first commands on each organization load its stream, and the code is
 * not compiled yet); then LAG_SECONDS measured.
 */
async function measureLag(dir: string, base: string, loadOrgs: ReadonlyArray<{ id: string; token: string }>, ratePerS: number): Promise<Lag> {
  const headPosition = async () => BigInt(((await (await fetch(`${base}/health`)).json()) as { headPosition: string }).headPosition);
  log(`lag: ${ratePerS} commands/s, ${LAG_WARMUP_SECONDS} s of warm-up then ${LAG_SECONDS} s measured`);
  const warmup = await lagPhase(dir, base, loadOrgs, ratePerS, LAG_WARMUP_SECONDS);
  log(`lag warm-up: ${JSON.stringify(warmup)}`);
  const startHead = await headPosition();
  const measured = await lagPhase(dir, base, loadOrgs, ratePerS, LAG_SECONDS);
  const events = Number((await headPosition()) - startHead);
  return {
    ...measured,
    events,
    warmup: { p50Ms: warmup.p50Ms, p99Ms: warmup.p99Ms, samples: warmup.samples, capped: warmup.capped },
  };
}

/**
 * One phase: a child process drives `ratePerS` commands/s, evenly paced, through the
 * HTTP API (admins inviting new users and editing profiles of random organizations) while a
 * sampler here sends a profile edit every LAG_SAMPLE_MS and times, from its answer, until a
 * read sent with X-Min-Position = its position answers (a 503 after 5 s is retried). A sample
 * still waiting after LAG_CAP_MS counts as LAG_CAP_MS.
 */
async function lagPhase(dir: string, base: string, loadOrgs: ReadonlyArray<{ id: string; token: string }>, ratePerS: number, seconds: number): Promise<Omit<Lag, 'events' | 'warmup'>> {
  const pickOrg = () => loadOrgs[Math.floor(Math.random() * loadOrgs.length)];
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const commands = Array.from({ length: Math.ceil(ratePerS * seconds) }, (_, i): PacedRequest => {
    const org = pickOrg();
    return i % 2 === 0
      ? { method: 'POST', path: `/organizations/${org.id}/invitations`, headers: headers(org.token), body: JSON.stringify({ userId: `bench-${randomUUID()}`, role: 'member' }) }
      : { method: 'PATCH', path: `/organizations/${org.id}`, headers: headers(org.token), body: JSON.stringify({ description: `load ${randomUUID()}` }) };
  });
  // The command load runs in a process of its own: an in-process load starved the sampler's timers.
  const load = pacedLoadInChild(dir, { baseUrl: base, connections: 32, ratePerS, durationS: seconds, requests: commands });
  const lags: number[] = [];
  let reads503 = 0;
  let capped = 0;
  const loadEnd = Date.now() + seconds * 1000;
  const inflight: Promise<void>[] = [];
  while (Date.now() < loadEnd) {
    const org = pickOrg();
    inflight.push(
      (async () => {
        const answer = await fetch(`${base}/organizations/${org.id}`, { method: 'PATCH', headers: headers(org.token), body: JSON.stringify({ description: `sample ${randomUUID()}` }) });
        const body = (await answer.json()) as { position?: string };
        const answered = performance.now();
        for (;;) {
          const left = LAG_CAP_MS - (performance.now() - answered);
          if (left <= 0) {
            capped++;
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
            reads503++;
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
  log(`command load: ${describeLoad(loadResult)}`);
  log(`lag samples: ${lags.length}, capped at ${LAG_CAP_MS} ms: ${capped}, reads answered 503 after 5 s and retried: ${reads503}`);
  lags.sort((x, y) => x - y);
  return {
    p50Ms: Number(percentile(lags, 50).toFixed(1)),
    p99Ms: Number(percentile(lags, 99).toFixed(1)),
    samples: lags.length,
    capped,
    reads503,
    commandsPerS: loadResult.ratePerS,
    commandsNon2xx: loadResult.non2xx + loadResult.errors,
  };
}

/**
 * A paced load run by a child process of this script: a small heap of its own, so neither the
 * bench's collector nor its timers show in the figures. The spec goes through a file.
 */
async function pacedLoadInChild(dir: string, options: PacedLoadOptions): Promise<PacedLoadResult> {
  const specPath = join(dir, `load-${randomUUID()}.json`);
  writeFileSync(specPath, JSON.stringify(options));
  const child = spawn(process.execPath, ['-r', resolve(__dirname, '../../scripts/register-paths.js'), __filename], {
    env: { ...process.env, BENCH_PROJECTIONS_LOAD: specPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    return await new Promise<PacedLoadResult>((resolveLoad, reject) =>
      child.once('exit', (code) => (code === 0 ? resolveLoad(JSON.parse(output) as PacedLoadResult) : reject(new Error(`paced load exited with ${code}`)))),
    );
  } finally {
    rmSync(specPath, { force: true });
  }
}

const loadSpec = process.env.BENCH_PROJECTIONS_LOAD;
(loadSpec
  ? pacedHttpLoad(JSON.parse(readFileSync(loadSpec, 'utf8')) as PacedLoadOptions).then((result) => void process.stdout.write(JSON.stringify(result)))
  : main()
).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
