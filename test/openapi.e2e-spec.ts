/**
 * The OpenAPI document against the running service: schemathesis (PyPI, installed into .cache/
 * by scripts/schemathesis.js) generates requests from /docs-json, valid and invalid, and runs
 * every check it has (server errors, undocumented statuses, response schemas, invalid data
 * accepted, valid data refused, ignored auth, unsupported methods, stateful use-after-free).
 * Any failure fails the test, with schemathesis's report. Seeded, so a run is reproducible.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTestToken } from '@roster/testing';
import { startRosterInProcess } from './roster-in-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureSchemathesis } = require('../scripts/schemathesis') as { ensureSchemathesis(log?: (line: string) => void): string };

const SECRET = `e2e-secret-${randomUUID()}`;
/** Test cases per operation and phase: about a minute of requests on this machine (some 3,000 cases). */
const MAX_EXAMPLES = 50;
const SEED = 20261202;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the OpenAPI document', () => {
  let baseUrl = '';
  let close: () => Promise<void> = async () => undefined;
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-openapi-'));
    // A signing key, as production has: the export and the public key answer, not 503.
    const signingKey = join(dataDir, 'audit-signing-key.pem');
    writeFileSync(signingKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ROSTER_AUDIT_SIGNING_KEY_FILE: signingKey });
    baseUrl = roster.baseUrl;
    close = roster.close;
  });
  afterAll(async () => {
    await close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for the bearer token on every route but /health, /health/live, /health/ready and the public audit key', async () => {
    const document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const open = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => !(operation.security ?? []).some((requirement) => Object.keys(requirement as object).includes('bearer')))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(open.sort()).toEqual(['GET /.well-known/roster-audit-key', 'GET /health', 'GET /health/live', 'GET /health/ready']);
  });

  it('is what the service does: schemathesis finds no failure with every check', async () => {
    const st = ensureSchemathesis((line) => process.stdout.write(`${line}\n`));
    const token = await signTestToken(SECRET, `openapi-${randomUUID()}`, {}, '2h');
    const work = mkdtempSync(join(tmpdir(), 'roster-schemathesis-'));
    try {
      const { code, output } = await run(
        st,
        [
          '--config-file', join(__dirname, 'schemathesis.toml'),
          'run', `${baseUrl}/docs-json`,
          '--checks', 'all',
          '--header', `Authorization: Bearer ${token}`,
          '--max-examples', String(MAX_EXAMPLES),
          '--seed', String(SEED),
          '--generation-database', 'none',
          '--workers', '1',
          '--no-color',
        ],
        work,
      );
      // The whole report on failure: each failure with its curl command to reproduce it.
      if (code !== 0) throw new Error(`schemathesis exited with ${code}:\n${output}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 900_000);
});
