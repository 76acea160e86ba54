import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from './process-util';

/**
 * Server processes started by the harness. Each runs detached in its own process group, so
 * a Ctrl-C aimed at jest does not reach it half-way; the harness kills the whole group on
 * stop(), on process exit and on SIGINT/SIGTERM. Each run directory records its owner pid and
 * children, so a later run can reap what a crashed (SIGKILLed) run left behind.
 */

interface ChildRecord {
  pid: number;
  /** A string the process's command line must contain before a sweep may kill it (pid reuse guard). */
  marker: string;
}

interface OwnerFile {
  ownerPid: number;
  children: ChildRecord[];
}

const live = new Set<ManagedProcess>();
const liveRunDirs = new Set<string>();
let hooksInstalled = false;

export interface SpawnManagedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** File receiving stdout and stderr. */
  logFile: string;
  /** Run directory that records this child (see createRunDir). */
  runDir: string;
  /** Substring of the command line identifying this server (for stale-run sweeps). */
  marker: string;
}

export class ManagedProcess {
  private exited = false;
  private readonly exitPromise: Promise<void>;
  exitDescription = '';

  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = true;
        this.exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
        live.delete(this);
        resolve();
      });
      child.on('error', (err) => {
        this.exited = true;
        this.exitDescription = `failed to start: ${err.message}`;
        live.delete(this);
        resolve();
      });
    });
  }

  static spawn(command: string, args: string[], options: SpawnManagedOptions): ManagedProcess {
    installExitHooks();
    const fd = fs.openSync(options.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
    // Not ref'd: a forgotten stop() must not keep the caller alive; the exit hook kills it instead.
    child.unref();
    const managed = new ManagedProcess(child, options.logFile);
    if (child.pid !== undefined) {
      live.add(managed);
      recordChild(options.runDir, { pid: child.pid, marker: options.marker });
    }
    return managed;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /** Resolves when the process has exited. */
  waitExit(): Promise<void> {
    return this.exitPromise;
  }

  /** SIGTERM to the process group, then SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    // Keep the caller alive until the server is gone (the child is otherwise unref'd).
    this.child.ref();
    killGroup(this.child.pid, 'SIGTERM');
    if (!(await exitsWithin(this.exitPromise, graceMs))) {
      killGroup(this.child.pid, 'SIGKILL');
      await exitsWithin(this.exitPromise, 5_000);
    }
    // Helpers the server forked into its group die with it.
    killGroup(this.child.pid, 'SIGKILL');
  }
}

/** True when `exited` settles within ms; the timer is cleared either way. */
async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Creates `<cacheDir>/run/<name>-<random>/`, recorded as owned by this process. */
export function createRunDir(cacheDir: string, name: string): string {
  const runRoot = path.join(cacheDir, 'run');
  fs.mkdirSync(runRoot, { recursive: true });
  const dir = path.join(runRoot, `${name}-${crypto.randomBytes(6).toString('hex')}`);
  fs.mkdirSync(dir);
  const owner: OwnerFile = { ownerPid: process.pid, children: [] };
  writeFileAtomic(path.join(dir, 'owner.json'), JSON.stringify(owner));
  liveRunDirs.add(dir);
  installExitHooks();
  return dir;
}

/** Removes a run directory (data and logs) once its servers have stopped. */
export function removeRunDir(dir: string): void {
  liveRunDirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

function recordChild(runDir: string, record: ChildRecord): void {
  const file = path.join(runDir, 'owner.json');
  const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as OwnerFile;
  owner.children.push(record);
  writeFileAtomic(file, JSON.stringify(owner));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Kills servers and removes run directories left by harness runs whose owner process is gone
 * (a SIGKILLed jest, a crashed benchmark). Returns how many server processes it killed.
 */
export function sweepStaleRuns(cacheDir: string): number {
  const runRoot = path.join(cacheDir, 'run');
  let killed = 0;
  let entries: string[];
  try {
    entries = fs.readdirSync(runRoot);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const dir = path.join(runRoot, entry);
    let owner: OwnerFile | undefined;
    try {
      owner = JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8')) as OwnerFile;
    } catch {
      owner = undefined;
    }
    if (owner && (isAlive(owner.ownerPid) || liveRunDirs.has(dir))) continue;
    if (!owner) {
      // A directory being created right now has no owner file for a moment; leave young ones alone.
      try {
        if (Date.now() - fs.statSync(dir).mtimeMs < 60_000) continue;
      } catch {
        continue;
      }
    }
    for (const child of owner?.children ?? []) {
      if (isAlive(child.pid) && commandLine(child.pid).includes(child.marker)) {
        killGroup(child.pid, 'SIGKILL');
        killed++;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return killed;
}

/** Synchronous last-resort cleanup: nothing can be awaited in an 'exit' handler. */
export function killAllNow(): void {
  for (const p of live) {
    if (p.pid !== undefined) killGroup(p.pid, 'SIGKILL');
  }
  live.clear();
  for (const dir of liveRunDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  liveRunDirs.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllNow();
      // Our listener replaced the default action (terminate); restore it when nobody else handles it.
      if (process.listenerCount(signal) <= 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}
