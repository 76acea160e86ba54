/** What the HTTP benchmarks share: the load generator, a process's CPU time, set-up requests. */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface Run {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

export function cannon(options: autocannon.Options): Promise<Run> {
  return new Promise((ok, fail) => {
    autocannon(options, (error, result) => {
      if (error) return fail(error);
      const ok2xx = (result as unknown as Record<string, number>)['2xx'];
      ok({
        requests: ok2xx,
        perSecond: ok2xx / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
  });
}

/** CPU time (user + system, all threads) a process has used, in ms; undefined where /proc is missing. */
export function processCpuMs(pid: number | undefined): number | undefined {
  return taskCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU time (user + system) of a process's main thread alone, in ms (its task whose id is the
 * process id); undefined where /proc is missing. With processCpuMs: what the other threads
 * (a worker thread, the collector's helpers) used.
 */
export function mainThreadCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : taskCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function taskCpuMs(statPath: string): number | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat) in clock ticks, 100 per second on Linux.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** One request that must succeed; its JSON answer. */
export async function request(baseUrl: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The environment of a benchmark's service process: the embedded store in `dataDir`, its
 * projection in the same process (as `npm start` runs it), no MongoDB, EventStoreDB or
 * Kafka, no per-user command rate (the load comes from a few users).
 */
/**
 * The API workers a benchmark's service runs: one unless ROSTER_API_WORKERS says otherwise,
 * so its CPU figures read one process and its ratios compare like with like (bench:workers
 * compares one and two).
 */
export const benchApiWorkers = (): string => process.env.ROSTER_API_WORKERS ?? '1';

export function embeddedServiceEnv(dataDir: string, jwtSecret: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.EVENTSTORE_CONNECTION_STRING;
  delete env.MONGODB_URL;
  delete env.KAFKA_BROKERS;
  return { ...env, ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: jwtSecret, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'warn', ROSTER_COMMAND_RATE: '0', ROSTER_API_WORKERS: benchApiWorkers() };
}
