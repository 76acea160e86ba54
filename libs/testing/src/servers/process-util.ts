import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** Where the harness keeps built binaries, fetched jars and per-run data (gitignored). */
export interface HarnessPaths {
  /** Repository root (holds package.json and scripts/servers). */
  rootDir: string;
  /** `<root>/.cache` unless overridden. */
  cacheDir: string;
}

export interface HarnessOptions {
  /** Repository root; found by walking up from this file when omitted. */
  rootDir?: string;
  /** Cache directory; `<rootDir>/.cache` when omitted. */
  cacheDir?: string;
  /** Environment consulted for configured servers; `process.env` when omitted. */
  env?: NodeJS.ProcessEnv;
  /** Prints progress lines (builds, fetches); silent when omitted. */
  log?: (line: string) => void;
}

/** Finds the repository root from both libs/testing/src/servers and dist/libs/testing/src/servers. */
export function findRootDir(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'scripts', 'servers')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`test harness: no repository root (with scripts/servers) above ${start}`);
    dir = parent;
  }
}

export function harnessPaths(options: HarnessOptions = {}): HarnessPaths {
  const rootDir = options.rootDir ?? findRootDir();
  return { rootDir, cacheDir: options.cacheDir ?? path.join(rootDir, '.cache') };
}

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requireTool(name: string, purpose: string): string {
  const found = which(name);
  if (!found) {
    throw new Error(`test harness: \`${name}\` not found on PATH; it is needed to ${purpose}. ` + 'Install it, or point the tests at a running server through the environment.');
  }
  return found;
}

/** Runs a command to completion (asynchronously, so parallel starts overlap); throws with its output on failure. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; what: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => errChunks.push(c));
    child.on('error', (err) => reject(new Error(`test harness: ${options.what} failed to run ${command}: ${err.message}`)));
    child.on('close', (code, signal) => {
      const out = Buffer.concat(chunks).toString('utf8');
      if (code === 0) return resolve(out);
      const err = Buffer.concat(errChunks).toString('utf8');
      reject(
        new Error(
          `test harness: ${options.what} failed (${command} ${args.join(' ')} -> ${signal ?? `exit ${code}`}):\n` +
            tail(`${out}\n${err}`, 40),
        ),
      );
    });
  });
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function tailFile(file: string, lines = 40): string {
  try {
    return tail(fs.readFileSync(file, 'utf8'), lines);
  } catch {
    return `(no log at ${file})`;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Writes a file atomically enough for concurrent harness runs (temp name, then rename). */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}
