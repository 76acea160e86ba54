/**
 * `npm run bench:commands`: the command API under load, with its baselines measured in
 * the same run, printed as ONE JSON line on stdout (progress goes to stderr).
 *
 * - The service runs as a child process (the compiled dist/, embedded SQLite store in a
 *   temporary data directory, its embedded read-model projection in the same process, as
 *   `npm start` runs it), so the load generator (autocannon, in this process) and the
 *   server each get a core of their own. Between phases the bench waits for the
 *   projection to catch up, so one phase's backlog does not slow the next.
 * - Load: concurrent connections over ORGANIZATIONS organizations, each connection cycling
 *   through invite -> revoke -> profile update -> role toggle, commands that always succeed
 *   (a toggle to the role a member already holds is a 2xx no-op).
 * - p99 at half the peak rate: the same load at overallRate = peak / 2 (autocannon sends each
 *   second's share in a burst at its start), and again evenly paced (pacedHttpLoad from
 *   @roster/testing, latency counted from when each request was issued) over the stateless
 *   part of the cycle: invite, profile update, role change (`p99_at_half_rate_paced_ms`).
 * - Baselines: a no-op POST route on bare Fastify (own child process, same autocannon
 *   settings), and raw appends to a SqliteEventStore with the same durability
 *   (synchronous=FULL, group commit) and the same number of concurrent writers.
 * - CPU per command at peak: the service's (every thread), its main thread's alone (the one
 *   whose core bounds the rate: HTTP, the command and the embedded projection; the rest is the
 *   SQLite writer thread and the collector's helpers), and this process's (the load generator,
 *   on the same machine's cores).
 * - long_history_ratio: throughput of profile updates on an organization whose stream
 *   holds 100,000 events (written straight to the store before the service starts) over
 *   the same load on a fresh organization. The first command to it reads and folds the whole
 *   stream (long_history_first_command_ms); GET /health asked over and over meanwhile gives
 *   its slowest answer (long_history_first_command_slowest_health_ms): how long that read
 *   held the event loop.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { EVENT_SCHEMA_VERSION } from '@roster/domain';
import { GENESIS_HASH, SqliteEventStore } from '@roster/event-store';
import { freePort, pacedHttpLoad, signTestToken, startServiceProcess, stopProcess, type PacedRequest, type ServiceProcess } from '@roster/testing';
import { loadRosterConfig } from '../apps/roster/src/config/roster-config';
import { benchApiWorkers, mainThreadCpuMs, processCpuMs } from './support';
import { appendHistory, CROWDED_MEMBERS, CROWDED_PENDING, crowdedHistory, inviteThenRevoke } from './crowded-organization';

const ROOT = resolve(__dirname, '..', '..');
const SERVICE_ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const SELF = __filename;
const REGISTER_PATHS = ['-r', join(ROOT, 'scripts/register-paths.js')];

const ORGANIZATIONS = 200;
const CONNECTIONS = 64;
const WARMUP_S = 3;
const PEAK_S = 10;
const HALF_RATE_S = 8;
const SINGLE_ORG_CONNECTIONS = 16;
const SINGLE_ORG_S = 3;
const SINGLE_ORG_ORDER = ['fresh', 'long', 'long', 'fresh', 'fresh', 'long', 'long', 'fresh'] as const;
const APPEND_S = 8;
const LONG_HISTORY_EVENTS = 100_000;

const log = (message: string) => process.stderr.write(`[bench:commands] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// Processes

/** The bare-Fastify baseline server, run as `commands.js --serve-fastify <port>`. */
async function serveFastify(port: number): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/noop', async () => ({ ok: true }));
  await app.listen({ port, host: '127.0.0.1' });
}

// ---------------------------------------------------------------------------------------
// Load

interface Run {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

function summarize(result: autocannon.Result): Run {
  const ok = (result as unknown as Record<string, number>)['2xx'];
  return {
    perSecond: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Several equal-length runs as one: mean rate, worst percentiles. */
function combine(runs: readonly Run[]): Run {
  return {
    perSecond: runs.reduce((sum, run) => sum + run.perSecond, 0) / runs.length,
    p50: Math.max(...runs.map((run) => run.p50)),
    p99: Math.max(...runs.map((run) => run.p99)),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  };
}

function cannon(options: autocannon.Options): Promise<Run> {
  return new Promise((ok, fail) => {
    autocannon(options, (error, result) => (error ? fail(error) : ok(summarize(result))));
  });
}

interface Organization {
  readonly id: string;
  readonly adminToken: string;
  readonly memberId: string;
  memberRole: 'member' | 'editor';
}

interface ConnectionContext {
  org?: Organization;
  invitationId?: string;
}

/** The mixed command cycle each connection runs, over randomly chosen organizations. */
function commandCycle(organizations: readonly Organization[]): autocannon.Request[] {
  const pick = () => organizations[Math.floor(Math.random() * organizations.length)];
  const json = (org: Organization) => ({ authorization: `Bearer ${org.adminToken}`, 'content-type': 'application/json' });
  return [
    {
      setupRequest: (request, context: ConnectionContext) => {
        const org = pick();
        context.org = org;
        context.invitationId = undefined;
        return {
          ...request,
          method: 'POST',
          path: `/organizations/${org.id}/invitations`,
          headers: json(org),
          body: JSON.stringify({ userId: `bench-${randomUUID()}`, role: 'member' }),
        };
      },
      onResponse: (status, body, context: ConnectionContext) => {
        if (status === 201) context.invitationId = (JSON.parse(body) as { invitationId: string }).invitationId;
      },
    },
    {
      setupRequest: (request, context: ConnectionContext) => {
        const org = context.org ?? pick();
        if (!context.invitationId) {
          return { ...request, method: 'PATCH', path: `/organizations/${org.id}`, headers: json(org), body: JSON.stringify({ description: randomUUID() }) };
        }
        return { ...request, method: 'DELETE', path: `/organizations/${org.id}/invitations/${context.invitationId}`, headers: { authorization: `Bearer ${org.adminToken}` }, body: undefined };
      },
    },
    {
      setupRequest: (request) => {
        const org = pick();
        return { ...request, method: 'PATCH', path: `/organizations/${org.id}`, headers: json(org), body: JSON.stringify({ description: `profile ${randomUUID()}` }) };
      },
    },
    {
      setupRequest: (request) => {
        const org = pick();
        org.memberRole = org.memberRole === 'member' ? 'editor' : 'member';
        return {
          ...request,
          method: 'PUT',
          path: `/organizations/${org.id}/members/${org.memberId}/role`,
          headers: json(org),
          body: JSON.stringify({ role: org.memberRole }),
        };
      },
    },
  ];
}

/** `count` commands of the cycle that need no answer to build the next: invite, profile update, role change. */
function pacedCommandMix(organizations: readonly Organization[], count: number): PacedRequest[] {
  const pick = () => organizations[Math.floor(Math.random() * organizations.length)];
  const json = (org: Organization) => ({ authorization: `Bearer ${org.adminToken}`, 'content-type': 'application/json' });
  return Array.from({ length: count }, (_, i): PacedRequest => {
    const org = pick();
    switch (i % 3) {
      case 0:
        return { method: 'POST', path: `/organizations/${org.id}/invitations`, headers: json(org), body: JSON.stringify({ userId: `bench-${randomUUID()}`, role: 'member' }) };
      case 1:
        return { method: 'PATCH', path: `/organizations/${org.id}`, headers: json(org), body: JSON.stringify({ description: `profile ${randomUUID()}` }) };
      default:
        return { method: 'PUT', path: `/organizations/${org.id}/members/${org.memberId}/role`, headers: json(org), body: JSON.stringify({ role: Math.random() < 0.5 ? 'member' : 'editor' }) };
    }
  });
}

/** Profile updates on one organization only. */
function profileUpdates(org: Organization): autocannon.Request[] {
  return [
    {
      setupRequest: (request) => ({
        ...request,
        method: 'PATCH',
        path: `/organizations/${org.id}`,
        headers: { authorization: `Bearer ${org.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ description: `profile ${randomUUID()}` }),
      }),
    },
  ];
}

// ---------------------------------------------------------------------------------------
// Set-up through the API

async function command(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, string>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, string>;
}

async function createOrganization(baseUrl: string, sign: (sub: string) => Promise<string>): Promise<Organization> {
  const admin = `admin-${randomUUID()}`;
  const memberId = `member-${randomUUID()}`;
  const adminToken = await sign(admin);
  const { organizationId } = await command(baseUrl, adminToken, 'POST', '/organizations', { name: `Bench ${admin.slice(6, 14)}` });
  const { invitationId } = await command(baseUrl, adminToken, 'POST', `/organizations/${organizationId}/invitations`, { userId: memberId, role: 'member' });
  await command(baseUrl, await sign(memberId), 'POST', `/organizations/${organizationId}/invitations/${invitationId}/accept`);
  return { id: organizationId, adminToken, memberId, memberRole: 'member' };
}

/**
 * Waits until the read models (the embedded projection runs in the service process) have
 * caught up with a fresh command, so one phase's projection backlog does not slow the next.
 */
async function settle(baseUrl: string, org: Organization): Promise<number> {
  const started = Date.now();
  const { position } = await command(baseUrl, org.adminToken, 'PATCH', `/organizations/${org.id}`, { description: `settle ${randomUUID()}` });
  while (Date.now() - started < 120_000) {
    const response = await fetch(`${baseUrl}/organizations/${org.id}`, { headers: { authorization: `Bearer ${org.adminToken}` } });
    await response.arrayBuffer();
    const reflected = response.headers.get('x-read-model-position');
    if (reflected === null) return Date.now() - started; // projection elsewhere (MongoDB): nothing to wait for here
    if (BigInt(reflected) >= BigInt(position)) return Date.now() - started;
    await sleep(100);
  }
  throw new Error('the read models did not catch up within 120 s');
}

/** Writes a valid history straight to the store: a creation then profile updates, hash-chained like the service does. */
async function seedLongHistory(storePath: string, organizationId: string, admin: string, events: number): Promise<void> {
  await appendHistory(
    storePath,
    organizationId,
    (function* () {
      yield { type: 'OrganizationCreated', data: { organizationId, name: 'Long history', description: '', createdBy: admin }, command: 'CreateOrganization', actor: admin };
      for (let revision = 1; revision < events; revision++) {
        yield { type: 'OrganizationProfileUpdated', data: { organizationId, description: `revision ${revision}` }, command: 'UpdateOrganizationProfile', actor: admin };
      }
    })(),
  );
}

/** Raw durable appends: `writers` concurrent loops, one event per append, for `seconds`. */
async function appendBaseline(path: string, writers: number, seconds: number): Promise<number> {
  const store = new SqliteEventStore({ path });
  const streams = Array.from({ length: ORGANIZATIONS }, () => `organization-${randomUUID()}`);
  const admin = `admin-${randomUUID()}`;
  let appended = 0;
  const deadline = Date.now() + seconds * 1000;
  const writer = async () => {
    while (Date.now() < deadline) {
      const streamId = streams[Math.floor(Math.random() * streams.length)];
      const id = randomUUID();
      const data = { organizationId: streamId.slice(13), description: `profile ${id}` };
      const metadata = {
        actor: { userId: admin },
        occurredAt: new Date().toISOString(),
        correlationId: id,
        causationId: id,
        schemaVersion: EVENT_SCHEMA_VERSION,
        command: 'UpdateOrganizationProfile',
        previousHash: GENESIS_HASH,
        hash: GENESIS_HASH,
      };
      await store.append(streamId, [{ id, type: 'OrganizationProfileUpdated', data, metadata }], 'any');
      appended++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: writers }, writer));
  const elapsed = (Date.now() - started) / 1000;
  await store.close();
  return appended / elapsed;
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const began = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-commands-'));
  const children: ServiceProcess[] = [];
  try {
    const secret = `bench-${randomUUID()}-${randomUUID()}`;
    const sign = (sub: string) => signTestToken(secret, sub);
    const storeConfig = loadRosterConfig({ ROSTER_DATA_DIR: dataDir }, 'tool').eventStore;
    if (storeConfig.kind !== 'sqlite') throw new Error('expected the embedded store');

    log(`seeding an organization with ${LONG_HISTORY_EVENTS} events`);
    const longAdmin = `admin-${randomUUID()}`;
    const longOrg: Organization = { id: randomUUID(), adminToken: await sign(longAdmin), memberId: '', memberRole: 'member' };
    await seedLongHistory(storeConfig.path, longOrg.id, longAdmin, LONG_HISTORY_EVENTS);
    log(`seeding an organization with ${CROWDED_MEMBERS} members and ${CROWDED_PENDING} pending invitations`);
    const crowdedAdmin = `admin-${randomUUID()}`;
    const crowdedOrg = { id: randomUUID(), adminToken: await sign(crowdedAdmin) };
    const crowdedEvents = await appendHistory(storeConfig.path, crowdedOrg.id, crowdedHistory(crowdedOrg.id, crowdedAdmin));

    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.EVENTSTORE_CONNECTION_STRING;
    delete env.MONGODB_URL;
    delete env.KAFKA_BROKERS;
    // The load comes from a few admins: no per-user command rate.
    Object.assign(env, { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: secret, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'warn', ROSTER_COMMAND_RATE: '0', ROSTER_API_WORKERS: benchApiWorkers() });
    // BENCH_SERVICE_NODE_ARGS: extra node flags for the service only (e.g. `-r ./profile-hook.js` to profile it).
    const serviceArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
    // As `npm start` and the Dockerfile run the service: a 32 MB young generation.
    const service = await startServiceProcess({ entry: SERVICE_ENTRY, nodeArgs: ['--max-semi-space-size=32', ...REGISTER_PATHS, ...serviceArgs], cwd: ROOT, env });
    children.push(service);
    const url = service.baseUrl;

    log(`creating ${ORGANIZATIONS} organizations`);
    const organizations: Organization[] = [];
    for (let i = 0; i < ORGANIZATIONS; i += 20) {
      organizations.push(...(await Promise.all(Array.from({ length: Math.min(20, ORGANIZATIONS - i) }, () => createOrganization(url, sign)))));
    }
    const freshOrg = await createOrganization(url, sign);
    log('waiting for the read models to project the seeded history');
    const initialSettleMs = await settle(url, organizations[0]);

    log('warm-up');
    await cannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: commandCycle(organizations) });
    log('peak');
    const cpuBefore = processCpuMs(service.child.pid);
    const mainBefore = mainThreadCpuMs(service.child.pid);
    const generatorBefore = process.cpuUsage();
    const peak = await cannon({ url, connections: CONNECTIONS, duration: PEAK_S, requests: commandCycle(organizations) });
    const cpuAfter = processCpuMs(service.child.pid);
    const mainAfter = mainThreadCpuMs(service.child.pid);
    const generator = process.cpuUsage(generatorBefore);
    // The service's CPU per command at peak (its projection and writer thread included): steadier than rates on a shared machine.
    const cpuPerCommandMs = cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / (peak.perSecond * PEAK_S) : null;
    // Its main thread's share (HTTP, the command, the embedded projection): the thread whose core bounds the rate.
    const mainCpuPerCommandMs = mainBefore !== undefined && mainAfter !== undefined ? (mainAfter - mainBefore) / (peak.perSecond * PEAK_S) : null;
    log(`peak ${peak.perSecond.toFixed(0)}/s; at half the rate`);
    await settle(url, organizations[0]);
    const half = await cannon({
      url,
      connections: CONNECTIONS,
      duration: HALF_RATE_S,
      overallRate: Math.max(1, Math.floor(peak.perSecond / 2)),
      requests: commandCycle(organizations),
    });

    await settle(url, organizations[0]);
    const halfRate = Math.max(1, Math.floor(peak.perSecond / 2));
    const halfPaced = await pacedHttpLoad({ baseUrl: url, connections: CONNECTIONS, ratePerS: halfRate, durationS: HALF_RATE_S, requests: pacedCommandMix(organizations, halfRate * HALF_RATE_S) });
    log(`half rate, evenly paced: ${halfPaced.ratePerS}/s, p50 ${halfPaced.p50Ms} ms, p99 ${halfPaced.p99Ms} ms, non-2xx ${halfPaced.non2xx}, errors ${halfPaced.errors}`);

    await settle(url, organizations[0]);
    log('long history vs fresh organization');
    // Meanwhile GET /health, one after the other: the slowest answer is how long the first command's read held the event loop.
    let probing = true;
    let slowestHealthMs = 0;
    const probes = (async () => {
      while (probing) {
        const started = performance.now();
        await fetch(`${url}/health`).then((answer) => answer.arrayBuffer());
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
      }
    })();
    const firstStarted = process.hrtime.bigint();
    await command(url, longOrg.adminToken, 'PATCH', `/organizations/${longOrg.id}`, { description: 'first command after start' });
    const longFirstCommandMs = Number(process.hrtime.bigint() - firstStarted) / 1e6;
    probing = false;
    await probes;
    await command(url, freshOrg.adminToken, 'PATCH', `/organizations/${freshOrg.id}`, { description: 'warm' });
    // Short runs alternated fresh, long, long, fresh, ... so drift in the machine's load
    // (other processes, disk) falls on both sides alike; totals over all rounds compared.
    const single = { fresh: [] as Run[], long: [] as Run[] };
    for (const kind of SINGLE_ORG_ORDER) {
      await settle(url, organizations[0]);
      single[kind].push(await cannon({ url, connections: SINGLE_ORG_CONNECTIONS, duration: SINGLE_ORG_S, requests: profileUpdates(kind === 'fresh' ? freshOrg : longOrg) }));
    }
    const fresh = combine(single.fresh);
    const long = combine(single.long);

    // Crowded vs fresh organization: invite then revoke, rounds alternated; the service's CPU per command on each side too.
    log('crowded vs fresh organization');
    await command(url, crowdedOrg.adminToken, 'PATCH', `/organizations/${crowdedOrg.id}`, { description: 'first command after start' });
    const crowdedRounds = { fresh: [] as Run[], long: [] as Run[] };
    const crowdedCpu = { fresh: 0, long: 0 };
    for (const kind of SINGLE_ORG_ORDER) {
      await settle(url, organizations[0]);
      const org = kind === 'fresh' ? freshOrg : crowdedOrg;
      const cpuStart = processCpuMs(service.child.pid) ?? 0;
      crowdedRounds[kind].push(await cannon({ url, connections: SINGLE_ORG_CONNECTIONS, duration: SINGLE_ORG_S, requests: inviteThenRevoke(() => org) }));
      crowdedCpu[kind] += (processCpuMs(service.child.pid) ?? 0) - cpuStart;
    }
    const crowdedFresh = combine(crowdedRounds.fresh);
    const crowded = combine(crowdedRounds.long);
    const cpuPer = (kind: 'fresh' | 'long', run: Run) => crowdedCpu[kind] / (run.perSecond * SINGLE_ORG_S * crowdedRounds[kind].length);
    await stopProcess(service.child, 'SIGTERM', 5000);

    log('baseline: bare Fastify');
    const fastifyPort = await freePort();
    const fastify = await startServiceProcess({ entry: SELF, nodeArgs: REGISTER_PATHS, args: ['--serve-fastify', String(fastifyPort)], port: fastifyPort, cwd: ROOT });
    children.push(fastify);
    const noop = await cannon({
      url: `${fastify.baseUrl}/noop`,
      connections: CONNECTIONS,
      duration: PEAK_S,
      method: 'POST',
      headers: { authorization: `Bearer ${organizations[0].adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description: `profile ${randomUUID()}` }),
    });
    await stopProcess(fastify.child, 'SIGTERM', 5000);

    log('baseline: raw durable appends');
    const appendPerSecond = await appendBaseline(join(dataDir, 'append-baseline.sqlite'), CONNECTIONS, APPEND_S);

    const round = (n: number, digits = 2) => Number(n.toFixed(digits));
    const line = {
      bench: 'commands',
      // ROSTER_METRICS=0 in the environment turns the service's metrics off (passed on to it).
      metrics: process.env.ROSTER_METRICS === '0' ? 'off' : 'on',
      api_workers: Number(benchApiWorkers()),
      store: 'sqlite',
      read_models: 'embedded projection in the service process',
      connections: CONNECTIONS,
      organizations: ORGANIZATIONS,
      commands_per_s: round(peak.perSecond, 1),
      p50_ms: peak.p50,
      p99_ms: peak.p99,
      half_rate_per_s: round(half.perSecond, 1),
      p99_at_half_rate_ms: half.p99,
      half_rate_paced_per_s: halfPaced.ratePerS,
      p50_at_half_rate_paced_ms: halfPaced.p50Ms,
      p99_at_half_rate_paced_ms: halfPaced.p99Ms,
      half_rate_paced_non2xx: halfPaced.non2xx + halfPaced.errors,
      service_cpu_ms_per_command: cpuPerCommandMs === null ? null : round(cpuPerCommandMs, 3),
      service_main_thread_cpu_ms_per_command: mainCpuPerCommandMs === null ? null : round(mainCpuPerCommandMs, 3),
      // This process (autocannon) shares the machine's cores with the service: its CPU per command at peak.
      load_generator_cpu_ms_per_command: round((generator.user + generator.system) / 1000 / (peak.perSecond * PEAK_S), 3),
      baseline_fastify_per_s: round(noop.perSecond, 1),
      baseline_append_per_s: round(appendPerSecond, 1),
      ratio_vs_fastify: round(peak.perSecond / noop.perSecond, 3),
      ratio_vs_append: round(peak.perSecond / appendPerSecond, 3),
      long_history_events: LONG_HISTORY_EVENTS,
      long_history_per_s: round(long.perSecond, 1),
      fresh_org_per_s: round(fresh.perSecond, 1),
      long_history_ratio: round(long.perSecond / fresh.perSecond, 3),
      long_history_first_command_ms: round(longFirstCommandMs, 1),
      long_history_first_command_slowest_health_ms: round(slowestHealthMs, 1),
      crowded_org_members: CROWDED_MEMBERS,
      crowded_org_pending_invitations: CROWDED_PENDING,
      crowded_org_events: crowdedEvents,
      crowded_org_per_s: round(crowded.perSecond, 1),
      crowded_fresh_org_per_s: round(crowdedFresh.perSecond, 1),
      crowded_org_ratio: round(crowded.perSecond / crowdedFresh.perSecond, 3),
      crowded_org_cpu_ms_per_command: round(cpuPer('long', crowded), 3),
      crowded_fresh_org_cpu_ms_per_command: round(cpuPer('fresh', crowdedFresh), 3),
      initial_projection_catch_up_ms: initialSettleMs,
      non2xx: peak.non2xx + half.non2xx + fresh.non2xx + long.non2xx + crowded.non2xx + crowdedFresh.non2xx,
      errors: peak.errors + half.errors + fresh.errors + long.errors + crowded.errors + crowdedFresh.errors,
      duration_s: round((Date.now() - began) / 1000, 1),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } catch (error) {
    for (const child of children) process.stderr.write(child.output.join(''));
    throw error;
  } finally {
    for (const child of children) await stopProcess(child.child, 'SIGTERM', 5000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve-fastify') {
  serveFastify(Number(process.argv[3])).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
