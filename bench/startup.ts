/**
 * `npm run bench:startup`: how the service starts on a large embedded store, printed as ONE
 * JSON line on stdout (progress goes to stderr).
 *
 * - The store: ten organizations of 100,000 events each (1,000,000 events), written by
 *   bench:audit's own seeder (`seed`: real commands through `decide` and the service's
 *   envelope and hash chain, personal fields sealed). It is seeded once under
 *   .cache/bench-startup/ and reused by later runs (delete the directory to seed afresh).
 * - Baseline, same run: a no-op drain, the same catch-up worker over the same store (read,
 *   personal fields opened, checkpoint kept) with a handler that does nothing.
 * - The floor, same run: the same service started on an empty store (port_open_empty_store_ms).
 * - Measured: the compiled service started as a child process with no MongoDB (read models
 *   rebuilt in the embedded store at every start, as `npm start` runs): the time until
 *   /health answers (port_open_ms), the time until the read models reflect the store's head
 *   (head_reached_ms, through X-Read-Model-Position), the catch-up rate over that span and its
 *   ratio to the no-op drain, the same ratio in CPU time (cpu_ratio_vs_no_op_drain: the
 *   drain's CPU over the catch-up's, which the load of a shared machine changes less), the
 *   peak resident memory (VmHWM) and the count of ERROR lines.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CatchUpWorker } from '@roster/event-store';
import { signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';
import { loadRosterConfig } from '../apps/roster/src/config/roster-config';
import { openEventStore } from '../apps/roster/src/infrastructure/open-event-store';
import { seed } from './audit';
import { processCpuMs } from './support';

const ROOT = resolve(__dirname, '..', '..');
const SERVICE_ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
// As `npm start` and the Dockerfile run the service: a 32 MB young generation.
const REGISTER_PATHS = ['--max-semi-space-size=32', '-r', join(ROOT, 'scripts/register-paths.js')];
const ORGANIZATIONS = 10;
const EVENTS_PER_ORGANIZATION = 100_000;
const DATA_DIR = join(ROOT, '.cache', 'bench-startup');
const MARKER = join(DATA_DIR, 'seeded.json');
const TARGETS = { port_open_ms: 2000, head_reached_ms: 15_000, ratio: 0.4, rss_mb: 1024, errors: 0 };

const log = (message: string) => process.stderr.write(`[bench:startup] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

interface Seeded {
  readonly events: number;
  readonly organizations: { readonly id: string; readonly admin: string }[];
}

/** The seeded store's description, seeding it first when the cache holds none. */
async function seededStore(): Promise<Seeded> {
  if (existsSync(MARKER)) {
    const seeded = JSON.parse(readFileSync(MARKER, 'utf8')) as Seeded;
    if (seeded.events === ORGANIZATIONS * EVENTS_PER_ORGANIZATION) return seeded;
  }
  rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  const config = loadRosterConfig({ ROSTER_DATA_DIR: DATA_DIR }, 'tool');
  const store = await openEventStore(config);
  const organizations = Array.from({ length: ORGANIZATIONS }, () => ({ id: randomUUID(), admin: `admin-${randomUUID()}` }));
  log(`seeding ${ORGANIZATIONS} organizations of ${EVENTS_PER_ORGANIZATION} events into ${DATA_DIR} (once)`);
  const started = Date.now();
  // One after the other: the seeder's batches are large, and one at a time keeps memory low.
  for (const [i, organization] of organizations.entries()) {
    await seed(store, organization.id, organization.admin, config);
    log(`organization ${i + 1}/${ORGANIZATIONS} seeded (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  const head = Number(await store.headPosition());
  await store.close();
  const seeded: Seeded = { events: head, organizations };
  writeFileSync(MARKER, JSON.stringify(seeded));
  return seeded;
}

/** The baseline: the catch-up worker over the whole store with a handler that does nothing. */
async function noOpDrain(head: bigint): Promise<{ ms: number; perSecond: number; cpuMs: number }> {
  const config = loadRosterConfig({ ROSTER_DATA_DIR: DATA_DIR }, 'tool');
  const store = await openEventStore(config);
  let position = 0n;
  const worker = new CatchUpWorker({
    name: 'no-op drain',
    store,
    checkpoints: { load: async () => 0n, save: async (_name, at) => void (position = at) },
    handle: async () => undefined,
    maxBatchSize: 1000,
  });
  const started = performance.now();
  const cpuStarted = processCpuMs(process.pid) ?? 0;
  await worker.start();
  await worker.waitForPosition(head, 600_000);
  const ms = performance.now() - started;
  const cpuMs = (processCpuMs(process.pid) ?? 0) - cpuStarted;
  await worker.stop();
  await store.close();
  if (position < head) throw new Error(`the no-op drain stopped at ${position} of ${head}`);
  return { ms, perSecond: (Number(head) * 1000) / ms, cpuMs };
}

/** Peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const seeded = await seededStore();
  const head = BigInt(seeded.events);
  log(`baseline: no-op drain of ${seeded.events} events`);
  const drain = await noOpDrain(head);
  log(`no-op drain: ${Math.round(drain.perSecond)} events/s`);

  const secret = `bench-startup-${randomUUID()}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.EVENTSTORE_CONNECTION_STRING;
  delete env.MONGODB_URL;
  delete env.KAFKA_BROKERS;
  // One API process: without MongoDB each worker would rebuild its own read models from the
  // whole store; this measures one such rebuild, its memory and its log.
  Object.assign(env, { ROSTER_DATA_DIR: DATA_DIR, ROSTER_JWT_SECRET: secret, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'log', ROSTER_API_WORKERS: '1' });
  const serviceArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const last = seeded.organizations[seeded.organizations.length - 1];
  const token = await signTestToken(secret, last.admin);

  // The floor, same run: the same start on an empty store (Node, Nest and the modules loading).
  const emptyDir = mkdtempSync(join(tmpdir(), 'roster-bench-startup-empty-'));
  let emptyPortOpenMs: number;
  try {
    const emptyStarted = performance.now();
    const empty = await startServiceProcess({ entry: SERVICE_ENTRY, nodeArgs: [...REGISTER_PATHS, ...serviceArgs], cwd: ROOT, env: { ...env, ROSTER_DATA_DIR: emptyDir }, timeoutMs: 120_000 });
    emptyPortOpenMs = performance.now() - emptyStarted;
    await stopProcess(empty.child, 'SIGTERM', 10_000);
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
  }
  log(`empty store: port open after ${Math.round(emptyPortOpenMs)} ms`);

  log('starting the service');
  const started = performance.now();
  let service: ServiceProcess | undefined;
  try {
    service = await startServiceProcess({ entry: SERVICE_ENTRY, nodeArgs: [...REGISTER_PATHS, ...serviceArgs], cwd: ROOT, env, timeoutMs: 120_000 });
    const portOpenMs = performance.now() - started;
    const cpuAtPortOpen = processCpuMs(service.child.pid) ?? 0;
    log(`port open after ${Math.round(portOpenMs)} ms; waiting for the read models to reach ${head}`);
    let headReachedMs: number | undefined;
    let catchUpCpuMs = 0;
    while (performance.now() - started < 600_000) {
      const response = await fetch(`${service.baseUrl}/organizations/${last.id}`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      const reflected = response.headers.get('x-read-model-position');
      if (reflected !== null && BigInt(reflected) >= head) {
        headReachedMs = performance.now() - started;
        catchUpCpuMs = (processCpuMs(service.child.pid) ?? 0) - cpuAtPortOpen;
        break;
      }
      await sleep(50);
    }
    if (headReachedMs === undefined) throw new Error('the read models did not reach the head within 600 s');
    const rssMb = peakRssMb(service.child.pid);
    // The catch-up's own span: from the open port (the projection starts with the service) to the head.
    const catchUpPerSecond = (seeded.events * 1000) / (headReachedMs - portOpenMs);
    await sleep(500); // lines logged just after reaching the head count too
    const errors = service.output
      .join('')
      .split('\n')
      .filter((line) => /\bERROR\b|"level":"error"/.test(line));
    for (const line of errors) log(`service error line: ${line.slice(0, 300)}`);
    const line = {
      bench: 'startup',
      store: 'sqlite',
      read_models: 'embedded, rebuilt at start',
      events: seeded.events,
      organizations: ORGANIZATIONS,
      api_workers: 1,
      port_open_ms: Math.round(portOpenMs),
      port_open_empty_store_ms: Math.round(emptyPortOpenMs),
      head_reached_ms: Math.round(headReachedMs),
      catch_up_per_s: Math.round(catchUpPerSecond),
      baseline_no_op_drain_per_s: Math.round(drain.perSecond),
      ratio_vs_no_op_drain: round(catchUpPerSecond / drain.perSecond, 3),
      // The same ratio in CPU time (all threads: the service's from the open port to the head,
      // the drain's in this process), which the machine's other load changes less.
      catch_up_cpu_ms: Math.round(catchUpCpuMs),
      no_op_drain_cpu_ms: Math.round(drain.cpuMs),
      cpu_ratio_vs_no_op_drain: catchUpCpuMs > 0 ? round(drain.cpuMs / catchUpCpuMs, 3) : null,
      peak_rss_mb: rssMb === null ? null : Math.round(rssMb),
      error_lines: errors.length,
      targets: TARGETS,
      meets_targets:
        portOpenMs <= TARGETS.port_open_ms &&
        headReachedMs <= TARGETS.head_reached_ms &&
        catchUpPerSecond / drain.perSecond >= TARGETS.ratio &&
        rssMb !== null &&
        rssMb <= TARGETS.rss_mb &&
        errors.length === TARGETS.errors,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } catch (error) {
    if (service) process.stderr.write(service.output.join(''));
    throw error;
  } finally {
    if (service) await stopProcess(service.child, 'SIGTERM', 10_000);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
