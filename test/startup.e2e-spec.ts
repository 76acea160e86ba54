/**
 * Start-up of the compiled service as a child process: what it refuses to start with, and
 * that a process runs exactly the workers ROSTER_RUN names and says so truly. `npm test`
 * builds dist/ before jest; run `npm run build` first when running this file alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, stopProcess } from '@roster/testing';
import { DEVELOPMENT_AUDIT_KEY_FILE, DEVELOPMENT_SECRET_FILE } from '../apps/roster/src/auth/development-secret';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');

let dataDir: string;
beforeEach(() => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: npm test builds it (or run npm run build first)`);
  dataDir = mkdtempSync(join(tmpdir(), 'roster-startup-e2e-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** The service with only `settings` (and a fresh data directory) in its environment, beyond PATH and HOME. */
function spawnService(settings: Record<string, string>): { child: ChildProcess; output: string[]; exited: Promise<number | null> } {
  // One process (ROSTER_API_WORKERS=1): these tests read its log and its exit code.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ROSTER_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', ROSTER_API_WORKERS: '1', ...settings };
  const child = spawn(process.execPath, ['-r', './scripts/register-paths.js', ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return { child, output, exited };
}

/** Resolves once the output contains `text`; rejects if the process exits first. */
async function outputContains(service: ReturnType<typeof spawnService>, text: string): Promise<void> {
  const seen = () => service.output.join('').includes(text);
  while (!seen()) {
    if (service.child.exitCode !== null) throw new Error(`exited with ${service.child.exitCode} before "${text}":\n${service.output.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('start-up', () => {
  it('refuses to serve the API without ROSTER_JWT_SECRET, ROSTER_JWKS_URL or ROSTER_DEV_AUTH=1, naming them', async () => {
    const service = spawnService({});
    expect(await service.exited).toBe(1);
    const output = service.output.join('');
    expect(output).toMatch(/ROSTER_JWT_SECRET.*ROSTER_JWKS_URL.*ROSTER_DEV_AUTH=1/);
    // No development secret was made behind the operator's back.
    expect(existsSync(join(dataDir, DEVELOPMENT_SECRET_FILE))).toBe(false);
  });

  it('refuses a JWKS URL without issuer and audience', async () => {
    const service = spawnService({ ROSTER_JWKS_URL: 'https://id.example.org/jwks' });
    expect(await service.exited).toBe(1);
    expect(service.output.join('')).toContain('ROSTER_JWT_ISSUER is required with ROSTER_JWKS_URL');
  });

  it('with ROSTER_RUN=publisher and no MongoDB, publishes only: no read models, no projection, a true summary', async () => {
    // A broker nobody listens on: the publisher runs (and retries) without ever reaching it.
    const service = spawnService({ ROSTER_RUN: 'publisher', KAFKA_BROKERS: '127.0.0.1:9', LOG_LEVEL: 'log' });
    try {
      await outputContains(service, 'Roster running without HTTP API');
      const output = service.output.join('');
      expect(output).toMatch(/workers: publisher\b/);
      expect(output).not.toMatch(/ReadModels|projection runs in this process|Read models in/);
      expect(existsSync(join(dataDir, DEVELOPMENT_SECRET_FILE))).toBe(false);
    } finally {
      await stopProcess(service.child, 'SIGTERM', 15_000);
    }
  });

  it('with ROSTER_DEV_AUTH=1 and no ROSTER_AUDIT_SIGNING_KEY_FILE, signs with a development key it warns about, and serves its public half', async () => {
    const port = await freePort();
    const service = spawnService({ ROSTER_DEV_AUTH: '1', LOG_LEVEL: 'log', PORT: String(port) });
    try {
      await outputContains(service, 'Roster listening on http://');
      const output = service.output.join('');
      expect(output).toMatch(/DEVELOPMENT key in .*dev-audit-signing-key\.pem .*Do not run this in production: set ROSTER_AUDIT_SIGNING_KEY_FILE/);
      expect(existsSync(join(dataDir, DEVELOPMENT_AUDIT_KEY_FILE))).toBe(true);
      const key = await fetch(`http://127.0.0.1:${port}/.well-known/roster-audit-key`);
      expect(key.status).toBe(200);
      expect(await key.text()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    } finally {
      await stopProcess(service.child, 'SIGTERM', 15_000);
    }
  });

  it('without a signing key (and no ROSTER_DEV_AUTH), says exports are off and answers 503 for the key', async () => {
    const port = await freePort();
    const service = spawnService({ ROSTER_JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'log', PORT: String(port) });
    try {
      await outputContains(service, 'Roster listening on http://');
      const output = service.output.join('');
      expect(output).toContain('No ROSTER_AUDIT_SIGNING_KEY_FILE: signed exports answer 503');
      expect(existsSync(join(dataDir, DEVELOPMENT_AUDIT_KEY_FILE))).toBe(false);
      const key = await fetch(`http://127.0.0.1:${port}/.well-known/roster-audit-key`);
      expect([key.status, ((await key.json()) as { code: string }).code]).toEqual([503, 'AUDIT.SIGNING_KEY_MISSING']);
    } finally {
      await stopProcess(service.child, 'SIGTERM', 15_000);
    }
  });
});
