/**
 * `npm run bench:audit`: GET /organizations/:id/as-of on an organization with 100,000
 * events, printed as ONE JSON line on stdout (progress goes to stderr).
 *
 * - Seeding: real commands (join requests, approvals, role changes, removals, invitations,
 *   profile updates, one a minute over ~69 days) decided by the domain's `decide` and
 *   chained by the service's own command handler (metadata + hash chain), appended
 *   straight into a temporary SqliteEventStore in batches: no second event builder.
 * - Measured: as-of at uniformly random times through the real HTTP route, one request at
 *   a time, the service running as a child process (the compiled dist/, API worker only)
 *   so that the client and the server each get a core; after one cold call that builds
 *   the snapshot index (reported apart as as_of_cold_ms).
 * - Baselines, same run: the same question answered by folding from zero (read the stream
 *   from revision 0, fold until the time): fold_from_zero_p50_ms; and the floor of one
 *   authenticated HTTP round trip (GET /health): http_floor_p50_ms. Ratio: fold-from-zero
 *   p50 over as-of p50.
 * - Historical permission checks (issue 17): POST /authorizations/check with `at` at random
 *   times, for random users of the organization (an auditor's token), beside the current
 *   check (no `at`, a service token) on the same organization in the same run: p99 of each,
 *   and check_at_over_current_p99_ratio. Target: check_at_p99_ms <= 50.
 * - index_heap_mb: the heap an as-of index of the whole organization holds (built in this
 *   process, measured after a forced collection): what AS_OF_MAX_SNAPSHOTS bounds.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decide, initialState, organizationStreamId, type CommandContext, type OrganizationCommand } from '@roster/domain';
import type { EventStore, EventToAppend } from '@roster/event-store';
import { AsOfIndex, foldRecorded as foldForAsOf, type FoldedPoint } from '@roster/audit';
import { buildEventsToAppend } from '../apps/roster/src/command-handling/event-envelope';
import { emptyOrganizationStream, foldRecorded, type OrganizationStream } from '../apps/roster/src/command-handling/organization-stream';
import { loadRosterConfig, type RosterConfig } from '../apps/roster/src/config/roster-config';
import { openEventStore } from '../apps/roster/src/infrastructure/open-event-store';
import { percentile, signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';
import { benchApiWorkers } from './support';

const EVENTS = 100_000;
const SAMPLES = 1000;
const BASELINE_SAMPLES = 20;
const FLOOR_SAMPLES = 300;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;

const log = (message: string) => process.stderr.write(`[bench:audit] ${message}\n`);

/** The compiled service beside this file in dist/, started with this process's own preload (-r register-paths). */
function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const entry = resolve(__dirname, '../apps/roster/src/main.js');
  return startServiceProcess({ entry, nodeArgs: process.execArgv, env: { ...process.env, ...env } });
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * A varied, valid history: user i requests to join, is approved as member, promoted to
 * editor, and (9 times in 10) removed; every 7th step the profile changes, every 11th an
 * e-mail invitation is sent (7 days) and the previous one revoked.
 */
function* commands(organizationId: string, admin: string): Generator<{ command: OrganizationCommand; actor: string }> {
  yield { command: { type: 'CreateOrganization', data: { organizationId, name: 'Long history', description: 'seeded' } }, actor: admin };
  let pendingInvitation: string | undefined;
  for (let i = 0; ; i++) {
    const userId = `user-${i}`;
    const requestId = randomUUID();
    yield { command: { type: 'RequestJoin', data: { organizationId, requestId, message: `please, ${i}` } }, actor: userId };
    yield { command: { type: 'ApproveJoin', data: { organizationId, requestId, role: 'member' } }, actor: admin };
    yield { command: { type: 'ChangeRole', data: { organizationId, userId, role: 'editor' } }, actor: admin };
    if (i % 10 !== 0) yield { command: { type: 'RemoveMember', data: { organizationId, userId } }, actor: admin };
    if (i % 7 === 0) yield { command: { type: 'UpdateOrganizationProfile', data: { organizationId, description: `revision ${i}` } }, actor: admin };
    if (i % 11 === 0) {
      if (pendingInvitation) yield { command: { type: 'RevokeInvitation', data: { organizationId, invitationId: pendingInvitation } }, actor: admin };
      pendingInvitation = randomUUID();
      yield {
        command: { type: 'InviteMember', data: { organizationId, invitationId: pendingInvitation, invitee: { email: `guest-${i}@example.org` }, role: 'editor', expiresInDays: 7 } },
        actor: admin,
      };
    }
  }
}

export async function seed(store: EventStore, organizationId: string, admin: string, config: RosterConfig): Promise<{ last: number; users: number }> {
  const streamId = organizationStreamId(organizationId);
  let stream = emptyOrganizationStream(streamId);
  let appended = -1n;
  let batch: EventToAppend[] = [];
  let step = 0;
  let now = T0;
  let users = 0;
  const flush = async () => {
    const result = await store.append(streamId, batch, appended < 0n ? 'no_stream' : appended);
    // Sealing personal data re-links the chain: the next batch links to the stored last hash.
    if (result.lastHash !== undefined) stream = { ...stream, lastHash: result.lastHash };
    appended += BigInt(batch.length);
    batch = [];
  };
  for (const { command, actor } of commands(organizationId, admin)) {
    if (stream.revision + 1n >= BigInt(EVENTS)) break;
    if (command.type === 'RequestJoin') users++;
    now = T0 + step++ * MINUTE;
    const context: CommandContext = { actor: { userId: actor, platformRoles: [] }, now: new Date(now) };
    const commandId = randomUUID();
    const events = decide(command, stream.state, context);
    // The service's own metadata and hash-chain builder.
    const toAppend = buildEventsToAppend(stream, events, command.type, context, { commandId, correlationId: commandId, fingerprint: commandId });
    for (const event of toAppend) {
      stream = foldRecorded(stream, { ...event, streamId, revision: stream.revision + 1n, position: 0n, recordedAt: new Date(now) });
    }
    batch.push(...toAppend);
    if (batch.length >= 5000) {
      await flush();
      log(`seeded ${appended + 1n} events`);
    }
  }
  if (batch.length > 0) await flush();
  return { last: now, users };
}

/** The no-snapshot answer: read from revision 0 and fold until the time, with the same fold as the index. */
async function foldFromZero(store: EventStore, organizationId: string, at: number): Promise<FoldedPoint> {
  let point: FoldedPoint = { state: initialState, revision: -1, time: Number.NEGATIVE_INFINITY };
  for await (const event of store.readStream(organizationStreamId(organizationId))) {
    const next = foldForAsOf(point, event);
    if (next.time > at) break;
    point = next;
  }
  return point;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-audit-'));
  const secret = `bench-audit-${randomUUID()}`;
  const env = { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: secret, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'error', ROSTER_API_WORKERS: benchApiWorkers() };
  const config = loadRosterConfig(env);
  if (config.eventStore.kind !== 'sqlite') throw new Error('bench:audit runs on the embedded SQLite store');
  const organizationId = randomUUID();
  const admin = `admin-${randomUUID()}`;
  let service: ServiceProcess | undefined;
  try {
    log(`seeding ${EVENTS} events`);
    // Through the service's own opener: personal fields sealed, as the service writes them.
    const seedStore = await openEventStore(config);
    const seedStart = performance.now();
    const { last, users } = await seed(seedStore, organizationId, admin, config);
    const seedMs = performance.now() - seedStart;

    log('starting the service');
    service = await startService(env);
    const base = service.baseUrl;
    const token = await signTestToken(secret, `auditor-${randomUUID()}`, { roles: ['auditor'] });
    const get = async (path: string): Promise<{ ms: number; body: string }> => {
      const start = performance.now();
      // Raw fetch, not requestJson: the timed span must not include parsing the answer.
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.text();
      const ms = performance.now() - start;
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${body}`);
      return { ms, body };
    };
    const span = last - T0;
    const randomAt = () => new Date(T0 - MINUTE + Math.floor(Math.random() * (span + 2 * MINUTE))).toISOString();
    const asOfPath = (at: string) => `/organizations/${organizationId}/as-of?at=${encodeURIComponent(at)}`;

    log('cold as-of (builds the snapshot index)');
    const cold = await get(asOfPath(randomAt()));
    for (let i = 0; i < 20; i++) await get(asOfPath(randomAt())); // JIT warm-up, not measured

    log(`${SAMPLES} as-of at random times`);
    const asOf: number[] = [];
    for (let i = 0; i < SAMPLES; i++) asOf.push((await get(asOfPath(randomAt()))).ms);
    const members = (JSON.parse((await get(asOfPath(new Date(last).toISOString()))).body).members ?? []).length;
    asOf.sort((a, b) => a - b);

    log(`${SAMPLES} permission checks now, then ${SAMPLES} at random past instants`);
    const serviceToken = await signTestToken(secret, `service-${randomUUID()}`, { roles: ['service'] });
    const post = async (path: string, as: string, body: unknown): Promise<{ ms: number; body: string }> => {
      const start = performance.now();
      const response = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await response.text();
      const ms = performance.now() - start;
      if (response.status !== 200) throw new Error(`POST ${path}: ${response.status} ${text}`);
      return { ms, body: text };
    };
    const CHECK_ACTIONS = ['dataset.read', 'dataset.create', 'membership.invite'];
    const question = () => ({
      userId: Math.random() < 0.05 ? admin : `user-${Math.floor(Math.random() * users)}`,
      organizationId,
      action: CHECK_ACTIONS[Math.floor(Math.random() * CHECK_ACTIONS.length)],
    });
    // The read models catch up with the seeded organization before the current check is timed.
    for (let tries = 0; !JSON.parse((await post('/authorizations/check', serviceToken, { userId: admin, organizationId, action: 'organization.delete' })).body).allowed; tries++) {
      if (tries > 600) throw new Error('the read models did not catch up in 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let i = 0; i < 50; i++) {
      await post('/authorizations/check', serviceToken, question());
      await post('/authorizations/check', token, { ...question(), at: randomAt() });
    }
    const checkNow: number[] = [];
    for (let i = 0; i < SAMPLES; i++) checkNow.push((await post('/authorizations/check', serviceToken, question())).ms);
    checkNow.sort((a, b) => a - b);
    const checkAt: number[] = [];
    let allowedAt = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const answer = await post('/authorizations/check', token, { ...question(), at: randomAt() });
      checkAt.push(answer.ms);
      if (JSON.parse(answer.body).allowed) allowedAt++;
    }
    checkAt.sort((a, b) => a - b);

    log('http floor (GET /health)');
    const floor: number[] = [];
    for (let i = 0; i < FLOOR_SAMPLES; i++) floor.push((await get('/health')).ms);
    floor.sort((a, b) => a - b);

    log('verify (full chain, once)');
    const verify = await get(`/organizations/${organizationId}/verify`);
    const verified = JSON.parse(verify.body) as { valid: boolean; events: number };
    if (!verified.valid || verified.events !== EVENTS) throw new Error(`seeded chain does not verify: ${verify.body}`);

    log(`baseline: ${BASELINE_SAMPLES} folds from zero`);
    const baseline: number[] = [];
    for (let i = 0; i < BASELINE_SAMPLES; i++) {
      const at = Date.parse(randomAt());
      const start = performance.now();
      await foldFromZero(seedStore, organizationId, at);
      baseline.push(performance.now() - start);
    }
    baseline.sort((a, b) => a - b);

    log('heap of an as-of index of the whole organization (this process)');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const index = new AsOfIndex(seedStore);
    await index.current(organizationId);
    gc();
    const indexHeapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    index.forget(organizationId);

    await seedStore.close();

    const asOfP50 = percentile(asOf, 50);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'audit',
        events: EVENTS,
        samples: SAMPLES,
        members_at_end: members,
        as_of_p50_ms: round(asOfP50),
        as_of_p99_ms: round(percentile(asOf, 99)),
        as_of_max_ms: round(asOf[asOf.length - 1]),
        as_of_cold_ms: round(cold.ms),
        fold_from_zero_p50_ms: round(percentile(baseline, 50)),
        fold_from_zero_p99_ms: round(percentile(baseline, 99)),
        fold_from_zero_over_as_of_p50_ratio: round(percentile(baseline, 50) / asOfP50),
        check_now_p50_ms: round(percentile(checkNow, 50)),
        check_now_p99_ms: round(percentile(checkNow, 99)),
        check_at_p50_ms: round(percentile(checkAt, 50)),
        check_at_p99_ms: round(percentile(checkAt, 99)),
        check_at_max_ms: round(checkAt[checkAt.length - 1]),
        check_at_allowed: allowedAt,
        check_at_over_current_p99_ratio: round(percentile(checkAt, 99) / percentile(checkNow, 99)),
        check_at_target_p99_ms: 50,
        check_at_meets_target: percentile(checkAt, 99) <= 50,
        index_heap_mb: round(indexHeapMb),
        http_floor_p50_ms: round(percentile(floor, 50)),
        verify_full_chain_ms: round(verify.ms),
        seed_ms: Math.round(seedMs),
        target_p99_ms: 50,
        meets_target: percentile(asOf, 99) < 50,
      })}\n`,
    );
  } finally {
    if (service) await stopProcess(service.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
