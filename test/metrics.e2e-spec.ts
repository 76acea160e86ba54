/**
 * GET /metrics after a scripted run: commands accepted, refused, answered without appending,
 * replayed, and one decided again after a conflict (a second service on the same SQLite file
 * appends first); permission checks allowed and denied; rate-limit refusals; the projection
 * and the Kafka publisher (the suite's test broker) caught up. The scrape is read with a
 * Prometheus text-format parser, and every series is checked with its count. Then the
 * Grafana dashboard's queries are matched against the scrape, and the token-protected and
 * turned-off variants are tried by every kind of caller. Last, a service of two API workers
 * (ROSTER_API_WORKERS=2, the compiled entry: `npm run build` first when running this file
 * alone) answers every scrape with both workers' counts added up.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { requestJson, signTestToken, startServiceProcess, stopProcess, type JsonAnswer, type ServiceProcess } from '@roster/testing';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `metrics-e2e-${randomUUID()}`;
const METRICS_TOKEN = `scraper-${randomUUID()}`;
const topic = `roster.metrics-e2e.${randomUUID()}`;

interface User {
  readonly id: string;
  readonly token: string;
}

async function newUser(roles: string[] = []): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id, roles.length > 0 ? { roles } : {}) };
}

/** One family of the scrape, as the parser gives it. */
interface Family {
  readonly name: string;
  readonly type: string;
  readonly metrics: readonly { readonly labels?: Record<string, string>; readonly value?: string }[];
}

/**
 * The scrape, read by the parser twice: as it is (families and their types), and with the
 * histograms' TYPE lines left out, so that each histogram's _bucket, _sum and _count series
 * come back apart with their labels (the parser folds a labelled histogram into one series).
 */
interface Scrape {
  readonly families: Map<string, Family>;
  readonly series: Map<string, Family>;
}

async function scrape(baseUrl: string, token?: string): Promise<Scrape> {
  const answer = await fetch(`${baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await answer.text();
  // A name may come back as several families (series apart in the text): their series together.
  const byName = (families: Family[]) => {
    const named = new Map<string, Family>();
    for (const family of families) {
      const before = named.get(family.name);
      named.set(family.name, before ? { ...before, metrics: [...before.metrics, ...family.metrics] } : family);
    }
    return named;
  };
  const families = byName(parsePrometheusTextFormat(text) as Family[]);
  const histograms = new Set([...families.values()].filter((family) => family.type === 'HISTOGRAM').map((family) => family.name));
  const untyped = text
    .split('\n')
    .filter((line) => !(line.startsWith('# TYPE ') && histograms.has(line.split(' ')[2])))
    .join('\n');
  return { families, series: byName(parsePrometheusTextFormat(untyped) as Family[]) };
}

/** The series of `name` whose labels include `labels`, added up: a counter's or gauge's value, a histogram's count; 0 when none. */
function valueOf(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  const family = scraped.families.get(name);
  if (!family) throw new Error(`${name} is not in the scrape`);
  return total(family.type === 'HISTOGRAM' ? scraped.series.get(`${name}_count`) : family, labels);
}

function sumOf(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  return total(scraped.series.get(`${name}_sum`), labels);
}

function total(family: Family | undefined, labels: Record<string, string>): number {
  const series = (family?.metrics ?? []).filter((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));
  return series.reduce((sum, metric) => sum + Number(metric.value ?? 0), 0);
}

let dataDir: string;
let a: RosterInProcess;
let b: RosterInProcess;

beforeAll(async () => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the integration setup starts a broker');
  dataDir = mkdtempSync(join(tmpdir(), 'roster-metrics-e2e-'));
  const common = { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET };
  // A: the service scraped, with a low command rate; B: a second service on the same file, whose appends A's cache has not seen.
  a = await startRosterInProcess({
    ...common,
    ROSTER_RUN: 'api,projections,publisher',
    KAFKA_BROKERS: brokers,
    ROSTER_KAFKA_TOPIC: topic,
    ROSTER_COMMAND_RATE: '1',
    ROSTER_COMMAND_BURST: '20',
  });
  b = await startRosterInProcess({ ...common, ROSTER_RUN: 'api,projections' });
}, 120_000);

afterAll(async () => {
  await b?.close();
  await a?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('GET /metrics after a scripted run', () => {
  let families: Scrape;
  const expected = { rateLimited: 0, refusedInvite: '', refusedUpdate: '' };

  beforeAll(async () => {
    const [admin, bob, stranger, spammer] = await Promise.all([newUser(), newUser(), newUser(), newUser()]);
    const call = (roster: RosterInProcess, method: string, path: string, as: User, body?: unknown, headers?: Record<string, string>) =>
      requestJson(roster.baseUrl, method, path, { token: as.token, body, headers });
    const ok = (answer: JsonAnswer): Record<string, string> => {
      if (answer.status >= 300) throw new Error(`${answer.status} ${answer.text}`);
      return answer.body as Record<string, string>;
    };

    // Accepted: CreateOrganization (the state cache's one miss), InviteMember, AcceptInvitation.
    const { organizationId } = ok(await call(a, 'POST', '/organizations', admin, { name: `Metrics ${randomUUID().slice(0, 8)}` }));
    const o = `/organizations/${organizationId}`;
    const { invitationId } = ok(await call(a, 'POST', `${o}/invitations`, admin, { userId: bob.id, role: 'editor' }));
    ok(await call(a, 'POST', `${o}/invitations/${invitationId}/accept`, bob));
    // Refused: inviting a member again; a stranger changing the profile.
    const again = await call(a, 'POST', `${o}/invitations`, admin, { userId: bob.id, role: 'editor' });
    expect(again.status).toBe(409);
    expected.refusedInvite = again.body.code;
    const stranger403 = await call(a, 'PATCH', o, stranger, { description: 'not mine' });
    expect(stranger403.status).toBe(403);
    expected.refusedUpdate = stranger403.body.code;
    // Unchanged: the role bob already holds. Replayed: the same Idempotency-Key twice.
    ok(await call(a, 'PUT', `${o}/members/${bob.id}/role`, admin, { role: 'editor' }));
    const key = { 'idempotency-key': randomUUID() };
    ok(await call(a, 'PATCH', o, admin, { description: 'first' }, key));
    const replay = await call(a, 'PATCH', o, admin, { description: 'first' }, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // A conflict: B appends to the organization; A decides on its cached fold, conflicts, reads afresh and appends.
    ok(await call(b, 'POST', `${o}/invitations`, admin, { userId: stranger.id, role: 'member' }));
    const last = ok(await call(a, 'PATCH', o, admin, { description: 'after the conflict' }));

    // Permission checks, read after the last command: one allowed, two denied.
    const check = (as: User, action: string) =>
      call(a, 'POST', '/authorizations/check', as, { userId: as.id, organizationId, action }, { 'x-min-position': last.position });
    expect((await check(bob, 'dataset.create')).body.allowed).toBe(true);
    expect((await check(bob, 'organization.delete')).body.allowed).toBe(false);
    expect((await check(stranger, 'dataset.read')).body.allowed).toBe(false);

    // Rate limit (1 a second, bursts of 20): malformed bodies, refused by the parser before any command is taken.
    for (let i = 0; i < 30; i++) {
      const answer = await requestJson(a.baseUrl, 'POST', '/organizations', { token: spammer.token, rawBody: '{' });
      expect([400, 429]).toContain(answer.status);
      if (answer.status === 429) expected.rateLimited += 1;
    }
    expect(expected.rateLimited).toBeGreaterThan(0);

    // The projection and the publisher reach the store's head (scrapes change no counted series).
    const deadline = Date.now() + 90_000;
    for (;;) {
      families = await scrape(a.baseUrl);
      const head = valueOf(families, 'roster_event_store_head_position');
      const level = ['projection', 'publisher'].every((worker) => valueOf(families, 'roster_worker_position', { worker }) === head);
      if (level && head >= Number(last.position)) break;
      if (Date.now() > deadline) throw new Error('the projection and the publisher did not reach the head within 90 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 180_000);

  it('counts commands by type and outcome, refusals by code, and the conflict retry', () => {
    const commands = (command: string, outcome: string, code?: string) =>
      valueOf(families, 'roster_commands_total', { command, outcome, ...(code ? { code } : {}) });
    expect(commands('CreateOrganization', 'accepted')).toBe(1);
    expect(commands('InviteMember', 'accepted')).toBe(1); // B's invitation is B's to count
    expect(commands('InviteMember', 'refused', expected.refusedInvite)).toBe(1);
    expect(commands('AcceptInvitation', 'accepted')).toBe(1);
    expect(commands('ChangeRole', 'unchanged')).toBe(1);
    expect(commands('UpdateOrganizationProfile', 'accepted')).toBe(2);
    expect(commands('UpdateOrganizationProfile', 'replayed')).toBe(1);
    expect(commands('UpdateOrganizationProfile', 'refused', expected.refusedUpdate)).toBe(1);
    expect(valueOf(families, 'roster_commands_total')).toBe(9);
    expect(valueOf(families, 'roster_command_conflict_retries_total', { command: 'UpdateOrganizationProfile' })).toBe(1);
    expect(valueOf(families, 'roster_command_conflict_retries_total')).toBe(1);
    // One latency per command, by outcome.
    expect(valueOf(families, 'roster_command_duration_seconds')).toBe(9);
    expect(valueOf(families, 'roster_command_duration_seconds', { command: 'UpdateOrganizationProfile', outcome: 'accepted' })).toBe(2);
    expect(families.families.get('roster_command_duration_seconds')!.type).toBe('HISTOGRAM');
  });

  it('reports the state cache, the appends and the group commits the writer thread made', () => {
    expect(valueOf(families, 'roster_state_cache_misses_total')).toBe(1);
    expect(valueOf(families, 'roster_state_cache_hits_total')).toBe(8);
    // Six appends: three accepted commands, the first PATCH, the conflicting attempt and its retry.
    expect(valueOf(families, 'roster_event_store_append_duration_seconds')).toBe(6);
    expect(sumOf(families, 'roster_event_store_group_commit_appends')).toBe(6);
    const commits = valueOf(families, 'roster_event_store_group_commit_duration_seconds');
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(6);
    expect(valueOf(families, 'roster_event_store_group_commit_appends')).toBe(commits);
  });

  it('reports the projection and the publisher level with the head, with every event handled in batches', () => {
    const head = valueOf(families, 'roster_event_store_head_position');
    expect(head).toBeGreaterThanOrEqual(6);
    for (const worker of ['projection', 'publisher']) {
      expect(valueOf(families, 'roster_worker_position', { worker })).toBe(head);
      expect(valueOf(families, 'roster_worker_lag_events', { worker })).toBe(0);
      expect(valueOf(families, 'roster_worker_lag_seconds', { worker })).toBe(0);
      // A fresh data directory: each worker handled every event once, from the first.
      expect(valueOf(families, 'roster_worker_events_total', { worker })).toBe(head);
      expect(valueOf(families, 'roster_worker_batch_duration_seconds', { worker })).toBeGreaterThanOrEqual(1);
    }
  });

  it('counts permission checks by outcome, each with its latency', () => {
    expect(valueOf(families, 'roster_permission_checks_total', { outcome: 'allowed' })).toBe(1);
    expect(valueOf(families, 'roster_permission_checks_total', { outcome: 'denied' })).toBe(2);
    expect(valueOf(families, 'roster_permission_check_duration_seconds', { outcome: 'allowed' })).toBe(1);
    expect(valueOf(families, 'roster_permission_check_duration_seconds', { outcome: 'denied' })).toBe(2);
    expect(total(families.series.get('roster_permission_check_duration_seconds_bucket'), { outcome: 'denied', le: '+Inf' })).toBe(2);
    expect(sumOf(families, 'roster_permission_check_duration_seconds', { outcome: 'allowed' })).toBeGreaterThan(0);
  });

  it('counts rate-limit refusals, and has Node’s process metrics', () => {
    expect(valueOf(families, 'roster_rate_limit_refusals_total')).toBe(expected.rateLimited);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(families.families.has(name)).toBe(true);
    }
  });

  it('the Grafana dashboard queries only metrics the scrape has', () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'ops', 'grafana', 'roster.json'), 'utf8')) as {
      uid: string;
      title: string;
      panels: { title: string; type: string; gridPos: object; targets?: { expr: string; refId: string }[] }[];
    };
    expect(dashboard.uid).toBe('roster');
    const exprs = dashboard.panels.flatMap((panel) => {
      expect(panel.title).toBeTruthy();
      expect(panel.gridPos).toBeTruthy();
      return (panel.targets ?? []).map((target) => target.expr);
    });
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    // Metric names in PromQL: identifiers that start our families; a histogram's series carry a suffix.
    const names = new Set(exprs.flatMap((expr) => expr.match(/\b(?:roster|process|nodejs)_[a-z0-9_]+/g) ?? []));
    const missing = [...names].filter((name) => !families.families.has(name) && !families.families.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(missing).toEqual([]);
    for (const family of families.families.keys()) {
      if (family.startsWith('roster_')) expect([...names].some((name) => name.startsWith(family))).toBe(true);
    }
  });
});

describe('who may scrape', () => {
  /** Every kind of caller the service knows, by the token it sends (none, a user, each platform role). */
  async function callers(): Promise<[string, string | undefined][]> {
    const [user, superadmin, auditor, service] = await Promise.all([newUser(), newUser(['superadmin']), newUser(['auditor']), newUser(['service'])]);
    const expired = await signTestToken(SECRET, `user-${randomUUID()}`, { roles: ['superadmin'] }, Math.floor(Date.now() / 1000) - 60);
    const forged = await signTestToken(`not-${SECRET}`, `user-${randomUUID()}`, { roles: ['superadmin'] });
    // Each organization role and a partner's member, one by one: test/operations-callers.e2e-spec.ts.
    return [
      ['no token', undefined],
      ['a malformed token', 'not-a-token'],
      ['an expired token', expired],
      ['a forged token', forged],
      ['a user (stranger, member, editor, admin alike)', user.token],
      ['a superadmin', superadmin.token],
      ['an auditor', auditor.token],
      ['a service', service.token],
    ];
  }

  it('without ROSTER_METRICS_TOKEN: anyone, like /health', async () => {
    for (const [, token] of await callers()) await scrape(a.baseUrl, token);
  });

  it('with ROSTER_METRICS_TOKEN: only that bearer token; no token 401 AUTH.MISSING_TOKEN, any other 401 AUTH.INVALID_TOKEN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-metrics-token-'));
    const guarded = await startRosterInProcess({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ROSTER_METRICS_TOKEN: METRICS_TOKEN });
    try {
      for (const [who, token] of await callers()) {
        const answer = await requestJson(guarded.baseUrl, 'GET', '/metrics', { token });
        expect([who, answer.status, answer.body?.code]).toEqual([who, 401, token === undefined ? 'AUTH.MISSING_TOKEN' : 'AUTH.INVALID_TOKEN']);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
      const families = await scrape(guarded.baseUrl, METRICS_TOKEN);
      expect(valueOf(families, 'roster_commands_total')).toBe(0);
    } finally {
      await guarded.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with ROSTER_METRICS=0: 404 ROUTE.NOT_FOUND to everyone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-metrics-off-'));
    const off = await startRosterInProcess({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ROSTER_METRICS: '0' });
    try {
      for (const [who, token] of await callers()) {
        const answer = await requestJson(off.baseUrl, 'GET', '/metrics', { token });
        expect([who, answer.status, answer.body?.code]).toEqual([who, 404, 'ROUTE.NOT_FOUND']);
      }
    } finally {
      await off.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /metrics with two API workers (ROSTER_API_WORKERS=2)', () => {
  const ROOT = resolve(__dirname, '..');
  const COMMANDS = 12;
  const CHECKS = 15;
  const CHECKS_AT = 5;
  let dir: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roster-metrics-workers-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.EVENTSTORE_CONNECTION_STRING;
    delete env.MONGODB_URL;
    delete env.KAFKA_BROKERS;
    Object.assign(env, { ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'log', ROSTER_COMMAND_RATE: '0', ROSTER_API_WORKERS: '2' });
    service = await startServiceProcess({ entry: join(ROOT, 'dist/apps/roster/src/main.js'), nodeArgs: ['-r', './scripts/register-paths.js'], cwd: ROOT, env, timeoutMs: 60_000 });
    while ((service.output.join('').match(/Roster listening on/g) ?? []).length < 2) await new Promise((r) => setTimeout(r, 100));
  }, 90_000);

  afterAll(async () => {
    if (service) await stopProcess(service.child, 'SIGTERM', 15_000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('every scrape counts every accepted command and every check, whichever worker took them or the scrape', async () => {
    const baseUrl = service!.baseUrl;
    const users = await Promise.all(Array.from({ length: COMMANDS }, () => newUser()));
    // All at once: the cluster hands the connections to both workers in turn.
    const created = await Promise.all(
      users.map((user, i) => requestJson(baseUrl, 'POST', '/organizations', { token: user.token, body: { name: `Workers ${i} ${randomUUID().slice(0, 8)}` } })),
    );
    expect(created.map((answer) => answer.status)).toEqual(users.map(() => 201));
    // The premise: both workers took commands (each logs its own with its pid), so neither alone has them all.
    const pids = [...service!.output.join('').matchAll(/\[Nest\] (\d+) .*commandType=CreateOrganization outcome=accepted/g)].map((match) => match[1]);
    expect(pids).toHaveLength(COMMANDS);
    expect(new Set(pids).size).toBe(2);

    const at = new Date(Date.now() - 60_000).toISOString();
    const check = (i: number, past: boolean) => {
      const user = users[i % COMMANDS];
      const organizationId = created[i % COMMANDS].body.organizationId as string;
      return requestJson(baseUrl, 'POST', '/authorizations/check', { token: user.token, body: { userId: user.id, organizationId, action: 'dataset.create', ...(past ? { at } : {}) } });
    };
    const checked = await Promise.all([...Array.from({ length: CHECKS }, (_, i) => check(i, false)), ...Array.from({ length: CHECKS_AT }, (_, i) => check(i, true))]);
    expect(checked.map((answer) => answer.status)).toEqual(checked.map(() => 200));
    // A minute ago none of the organizations existed.
    expect(checked.slice(CHECKS).map((answer) => answer.body.allowed)).toEqual(Array.from({ length: CHECKS_AT }, () => false));

    for (let scrapeNumber = 0; scrapeNumber < 6; scrapeNumber++) {
      const scraped = await scrape(baseUrl);
      expect(valueOf(scraped, 'roster_commands_total', { command: 'CreateOrganization', outcome: 'accepted' })).toBe(COMMANDS);
      expect(valueOf(scraped, 'roster_commands_total')).toBe(COMMANDS);
      expect(valueOf(scraped, 'roster_command_duration_seconds')).toBe(COMMANDS);
      const checks = valueOf(scraped, 'roster_permission_checks_total');
      const checksAt = valueOf(scraped, 'roster_permission_checks_total', { kind: 'at' });
      expect([checks - checksAt, checksAt]).toEqual([CHECKS, CHECKS_AT]);
      expect(valueOf(scraped, 'roster_permission_checks_total', { kind: 'at', outcome: 'denied' })).toBe(CHECKS_AT);
      expect(valueOf(scraped, 'roster_permission_check_duration_seconds')).toBe(CHECKS + CHECKS_AT);
      expect(valueOf(scraped, 'roster_permission_check_duration_seconds', { kind: 'at' })).toBe(CHECKS_AT);
      // Gauges combine as their aggregator says: one head, not the two workers' added up.
      expect(valueOf(scraped, 'roster_event_store_head_position')).toBe(Math.max(...created.map((answer) => Number(answer.body.position))));
    }
  }, 120_000);

  it('a worker that does not answer makes the scrape 503 METRICS.WORKERS_UNANSWERED, not a partial count', async () => {
    const pids = [...new Set([...service!.output.join('').matchAll(/\[Nest\] (\d+) .*Roster listening on/g)].map((match) => Number(match[1])))];
    expect(pids).toHaveLength(2);
    // Stopped, one worker answers neither the primary nor the connections handed to it.
    process.kill(pids[0], 'SIGSTOP');
    try {
      // Fresh connections at once: the stopped worker may be handed one (it hangs, cut off here); the other worker takes the rest.
      const answers = await Promise.all(
        Array.from({ length: 3 }, () =>
          fetch(`${service!.baseUrl}/metrics`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(6000) }).then(
            async (answer) => ({ status: answer.status, retryAfter: answer.headers.get('retry-after'), code: ((await answer.json()) as { code?: string }).code }),
            () => undefined,
          ),
        ),
      );
      const answered = answers.filter((answer) => answer !== undefined);
      expect(answered.length).toBeGreaterThan(0);
      expect(answered).toEqual(answered.map(() => ({ status: 503, retryAfter: '1', code: 'METRICS.WORKERS_UNANSWERED' })));
    } finally {
      process.kill(pids[0], 'SIGCONT');
    }
    await scrape(service!.baseUrl);
  }, 30_000);
});
