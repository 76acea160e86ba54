/**
 * `npm run bench:workers`: reads, permission checks and commands with ROSTER_API_WORKERS=1
 * and then 2, printed as ONE JSON line on stdout (progress goes to stderr).
 *
 * - The service runs as a child process (compiled dist/, embedded SQLite store and read
 *   models, `api,projections`), started once per worker count on the same data directory
 *   seeded through the API with ORGANIZATIONS organizations of MEMBERS members each.
 * - Phases, each the same autocannon load (CONNECTIONS connections, PHASE_S seconds):
 *   reads (GET /organizations/:id/members), checks (POST /authorizations/check, a service
 *   token), commands (PATCH /organizations/:id, fsynced appends), hot (the same commands, all
 *   on one organization: with 2 workers both race on its stream, and a command that keeps
 *   losing is tried again within ROSTER_COMMAND_RETRY_MS). Rounds interleave 1 and 2
 *   workers (1, 2, 2, 1) so that drift in the machine's load falls on both alike.
 * - Printed: the rate of each phase with 1 and 2 workers, their ratio (2 over 1), and the
 *   CPU the service's processes used per request (all workers and the supervisor, from /proc),
 *   with the machine's core count: the load generator runs on the same cores; and each
 *   phase's non-2xx answers with 1 and 2 workers (a 409 CONCURRENCY.CONFLICT there is a
 *   command given up on although nothing conflicted in the domain).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { requestJson, signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';

const ROOT = resolve(__dirname, '..', '..');
const SERVICE_ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
// As `npm start` and the Dockerfile run the service: a 32 MB young generation.
const REGISTER_PATHS = ['--max-semi-space-size=32', '-r', join(ROOT, 'scripts/register-paths.js')];
const ORGANIZATIONS = 50;
const MEMBERS = 20;
const CONNECTIONS = 32;
const PHASE_S = 6;
const ROUNDS = [1, 2, 2, 1] as const;

const log = (message: string) => process.stderr.write(`[bench:workers] ${message}\n`);
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** CPU (user + system) in ms of a process and its children (the cluster's workers), from /proc. */
function treeCpuMs(pid: number): number {
  let total = 0;
  const stat = (id: number) => {
    const text = readFileSync(`/proc/${id}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpu: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 };
  };
  const all = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  for (const name of all) {
    try {
      const { ppid, cpu } = stat(Number(name));
      if (Number(name) === pid || ppid === pid) total += cpu;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

interface Setup {
  readonly organizations: { readonly id: string; readonly adminToken: string; readonly members: string[] }[];
  readonly serviceToken: string;
}

/** One command or query through the project's own JSON client; a non-2xx answer stops the bench. */
async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, string>> {
  const answer = await requestJson(baseUrl, method, path, { token, body });
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return (answer.body ?? {}) as Record<string, string>;
}

/** Organizations with members, through the API (invite, accept), on the first start. */
async function seed(baseUrl: string, sign: (sub: string, roles?: string[]) => Promise<string>): Promise<Setup> {
  const organizations: Setup['organizations'][number][] = [];
  for (let i = 0; i < ORGANIZATIONS; i++) {
    const adminToken = await sign(`admin-${randomUUID()}`);
    const { organizationId } = await call(baseUrl, adminToken, 'POST', '/organizations', { name: `Workers ${i}` });
    const members = Array.from({ length: MEMBERS }, () => `member-${randomUUID()}`);
    await Promise.all(
      members.map(async (userId) => {
        const { invitationId } = await call(baseUrl, adminToken, 'POST', `/organizations/${organizationId}/invitations`, { userId, role: 'editor' });
        await call(baseUrl, await sign(userId), 'POST', `/organizations/${organizationId}/invitations/${invitationId}/accept`);
      }),
    );
    organizations.push({ id: organizationId, adminToken, members });
  }
  return { organizations, serviceToken: await sign('svc-bench', ['service']) };
}

function load(url: string, requests: autocannon.Request[]): Promise<{ perSecond: number; non2xx: number; errors: number }> {
  return new Promise((ok, fail) => {
    autocannon({ url, connections: CONNECTIONS, duration: PHASE_S, requests }, (error, result) => {
      if (error) return fail(error);
      const done = (result as unknown as Record<string, number>)['2xx'];
      ok({ perSecond: done / result.duration, non2xx: result.non2xx, errors: result.errors + result.timeouts });
    });
  });
}

type Phase = 'reads' | 'checks' | 'commands' | 'hot';
const PHASES = ['reads', 'checks', 'commands', 'hot'] as const;

function phaseRequests(phase: Phase, setup: Setup): autocannon.Request[] {
  const pick = () => setup.organizations[Math.floor(Math.random() * setup.organizations.length)];
  switch (phase) {
    case 'reads':
      return [
        {
          setupRequest: (request) => {
            const org = pick();
            return { ...request, method: 'GET', path: `/organizations/${org.id}/members?limit=50`, headers: { authorization: `Bearer ${setup.serviceToken}` } };
          },
        },
      ];
    case 'checks':
      return [
        {
          setupRequest: (request) => {
            const org = pick();
            const userId = org.members[Math.floor(Math.random() * org.members.length)];
            return {
              ...request,
              method: 'POST',
              path: '/authorizations/check',
              headers: { authorization: `Bearer ${setup.serviceToken}`, 'content-type': 'application/json' },
              body: JSON.stringify({ userId, organizationId: org.id, action: 'dataset.update' }),
            };
          },
        },
      ];
    case 'commands':
    case 'hot':
      return [
        {
          setupRequest: (request) => {
            const org = phase === 'hot' ? setup.organizations[0] : pick();
            return {
              ...request,
              method: 'PATCH',
              path: `/organizations/${org.id}`,
              headers: { authorization: `Bearer ${org.adminToken}`, 'content-type': 'application/json' },
              body: JSON.stringify({ description: `profile ${randomUUID()}` }),
            };
          },
        },
      ];
  }
}

async function main(): Promise<void> {
  const began = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-workers-'));
  const secret = `bench-workers-${randomUUID()}`;
  const sign = (sub: string, roles?: string[]) => signTestToken(secret, sub, roles ? { roles } : undefined);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.EVENTSTORE_CONNECTION_STRING;
  delete env.MONGODB_URL;
  delete env.KAFKA_BROKERS;
  Object.assign(env, { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: secret, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'warn', ROSTER_COMMAND_RATE: '0' });
  let setup: Setup | undefined;
  const empty = () => ({ perSecond: [] as number[], cpuMsPerRequest: [] as number[], non2xx: 0 });
  const figures = Object.fromEntries(PHASES.map((phase) => [phase, { 1: empty(), 2: empty() }])) as Record<Phase, Record<1 | 2, ReturnType<typeof empty>>>;
  let failures = 0;
  try {
    for (const workers of ROUNDS) {
      log(`${workers} worker(s): starting`);
      const service: ServiceProcess = await startServiceProcess({
        entry: SERVICE_ENTRY,
        nodeArgs: REGISTER_PATHS,
        cwd: ROOT,
        env: { ...env, ROSTER_API_WORKERS: String(workers) },
        timeoutMs: 120_000,
      });
      try {
        setup ??= await seed(service.baseUrl, sign);
        // Every worker has caught up (each projects the store into its own read models) and warmed up.
        for (let i = 0; i < 50; i++) await call(service.baseUrl, setup.serviceToken, 'GET', `/organizations/${setup.organizations[0].id}/members?limit=50`);
        await new Promise((r) => setTimeout(r, 1000));
        for (const phase of PHASES) {
          const pid = service.child.pid!;
          const cpuBefore = treeCpuMs(pid);
          const run = await load(service.baseUrl, phaseRequests(phase, setup));
          const cpu = treeCpuMs(pid) - cpuBefore;
          failures += run.non2xx + run.errors;
          figures[phase][workers].non2xx += run.non2xx;
          figures[phase][workers].perSecond.push(run.perSecond);
          figures[phase][workers].cpuMsPerRequest.push(cpu / (run.perSecond * PHASE_S));
          log(`${workers} worker(s), ${phase}: ${Math.round(run.perSecond)}/s, ${(cpu / (run.perSecond * PHASE_S)).toFixed(3)} ms CPU each, ${run.non2xx} non-2xx`);
        }
      } finally {
        await stopProcess(service.child, 'SIGTERM', 15_000);
      }
    }
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const line: Record<string, unknown> = { bench: 'workers', store: 'sqlite', cores: availableParallelism(), connections: CONNECTIONS, organizations: ORGANIZATIONS, members_per_organization: MEMBERS };
    for (const phase of PHASES) {
      const one = mean(figures[phase][1].perSecond);
      const two = mean(figures[phase][2].perSecond);
      line[`${phase}_1_worker_per_s`] = round(one, 1);
      line[`${phase}_2_workers_per_s`] = round(two, 1);
      line[`${phase}_scaling_ratio`] = round(two / one, 3);
      line[`${phase}_cpu_ms_1_worker`] = round(mean(figures[phase][1].cpuMsPerRequest), 3);
      line[`${phase}_cpu_ms_2_workers`] = round(mean(figures[phase][2].cpuMsPerRequest), 3);
      line[`${phase}_non2xx_1_worker`] = figures[phase][1].non2xx;
      line[`${phase}_non2xx_2_workers`] = figures[phase][2].non2xx;
    }
    line.non2xx_or_errors = failures;
    line.duration_s = round((Date.now() - began) / 1000, 1);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
