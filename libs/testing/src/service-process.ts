import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './servers/process-util';

export interface ServiceProcess {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Everything the child wrote to stdout and stderr, for failure messages. */
  readonly output: string[];
}

export interface ServiceProcessOptions {
  /** The compiled script to run (e.g. dist/apps/roster/src/main.js). */
  readonly entry: string;
  /** Node options put before the entry (e.g. ['-r', 'scripts/register-paths.js']). */
  readonly nodeArgs?: readonly string[];
  /** Extra arguments after the entry. */
  readonly args?: readonly string[];
  readonly cwd?: string;
  /** The child's whole environment; PORT and HOST are added. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Port to listen on; default: a free one. */
  readonly port?: number;
  readonly healthPath?: string;
  readonly timeoutMs?: number;
}

/**
 * Spawns a Node script that serves HTTP on 127.0.0.1 (PORT/HOST in its env) and resolves
 * once `healthPath` answers 2xx. Rejects, with the child's output, when it exits first or
 * does not answer in time (it is then killed).
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const healthPath = options.healthPath ?? '/health';
  const timeoutMs = options.timeoutMs ?? 60_000;
  const env = { ...(options.env ?? process.env), PORT: String(port), HOST: '127.0.0.1' };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry, ...(options.args ?? [])], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${options.entry} exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${baseUrl}${healthPath}`)).ok) return { baseUrl, child, output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${options.entry} did not answer ${healthPath} within ${timeoutMs / 1000} s:\n${output.join('')}`);
}

/**
 * Sends `signal` and resolves when the child has exited (at once if it already has). With
 * `killAfterMs`, a child still running then gets SIGKILL.
 */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs?: number): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      if (timer) clearTimeout(timer);
      ok();
    });
    child.kill(signal);
  });
}
