/**
 * Signed exports end to end (issue 17 item 2, docs/audit-export.md): who may export, through
 * real HTTP (the service in this process on 127.0.0.1, the embedded SQLite store); the public
 * key at /.well-known; `roster export`; signed checkpoints that let `verify` see a removed tail;
 * then, with the service stopped and its data directory deleted, `roster verify-export` and
 * the independent Python verifier (scripts/verify_export.py, in a venv made by
 * scripts/audit-verifier.js) on an untouched export and on each kind of tampering.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import { organizationStreamId } from '@roster/domain';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { runRosterCli, type CliRun } from './roster-cli';
import { startRosterInProcess } from './roster-in-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureAuditVerifier, VERIFIER } = require('../scripts/audit-verifier.js') as { ensureAuditVerifier: (log?: (line: string) => void) => string; VERIFIER: string };

const SECRET = `audit-export-e2e-${randomUUID()}`;

interface User {
  readonly id: string;
  readonly token: string;
}

let baseUrl: string;
let close: (() => Promise<void>) | undefined;
let dataDir: string;
/** Keys and export files: outside the data directory, which is deleted before verification. */
let workDir: string;
let privateKeyFile: string;
let publicKeyFile: string;
let otherPrivateKeyPem: string;
let env: Record<string, string>;
let auditor: User;
let superadmin: User;
let service: User;

async function newUser(roles?: string[]): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id, roles ? { roles } : {}) };
}

const call = (method: string, path: string, as?: User | null, body?: unknown): Promise<JsonAnswer> => requestJson(baseUrl, method, path, { token: as?.token, body });

function ok(answer: JsonAnswer): JsonAnswer {
  if (answer.status < 200 || answer.status >= 300) throw new Error(`expected 2xx, got ${answer.status}: ${answer.text}`);
  return answer;
}

const cli = (args: string[]): Promise<CliRun> => runRosterCli(env, args);

async function joinAs(orgId: string, admin: User, user: User, role: string, departmentId?: string): Promise<void> {
  const { invitationId } = ok(await call('POST', `/organizations/${orgId}/invitations`, admin, { userId: user.id, role, ...(departmentId ? { departmentId } : {}) })).body;
  ok(await call('POST', `/organizations/${orgId}/invitations/${invitationId}/accept`, user));
}

interface Story {
  readonly orgId: string;
  readonly admin: User;
  readonly email: string;
}

/** An organization with a profile change, an e-mail invitation (personal data, sealed at rest) and a member. */
async function story(): Promise<Story> {
  const [admin, member] = await Promise.all([newUser(), newUser()]);
  const orgId = ok(await call('POST', '/organizations', admin, { name: 'Open data of Export', description: 'before' })).body.organizationId;
  ok(await call('PATCH', `/organizations/${orgId}`, admin, { description: 'after' }));
  const email = `auditee-${randomUUID().slice(0, 8)}@example.org`;
  ok(await call('POST', `/organizations/${orgId}/invitations`, admin, { email, role: 'editor' }));
  await joinAs(orgId, admin, member, 'member');
  ok(await call('PATCH', `/organizations/${orgId}`, admin, { name: 'Open data of Export, renamed' }));
  return { orgId, admin, email };
}

async function exportOverHttp(orgId: string, as: User): Promise<{ status: number; text: string; type: string | null; disposition: string | null }> {
  const response = await fetch(`${baseUrl}/organizations/${orgId}/export`, { headers: { authorization: `Bearer ${as.token}` } });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition') };
}

const linesOf = (text: string) => text.split('\n').filter((line) => line !== '');

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-export-e2e-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'roster-export-e2e-work-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  privateKeyFile = join(workDir, 'audit-signing-key.pem');
  publicKeyFile = join(workDir, 'audit-public-key.pem');
  writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  otherPrivateKeyPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  env = {
    ROSTER_DATA_DIR: dataDir,
    ROSTER_JWT_SECRET: SECRET,
    ROSTER_AUDIT_SIGNING_KEY_FILE: privateKeyFile,
    ROSTER_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1',
  };
  const roster = await startRosterInProcess({ ...env, ROSTER_RUN: 'api,projections' });
  baseUrl = roster.baseUrl;
  close = roster.close;
  [auditor, superadmin, service] = await Promise.all([newUser(['auditor']), newUser(['superadmin']), newUser(['service'])]);
});

afterAll(async () => {
  await close?.();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('who may export an organization record', () => {
  it('auditors, superadmins and organization-wide admins; a department admin, editor, member, partner, stranger or service 403; no token 401', async () => {
    const { orgId, admin } = await story();
    const [departmentAdmin, editor, member, stranger, partnerAdmin, partnerMember] = await Promise.all([newUser(), newUser(), newUser(), newUser(), newUser(), newUser()]);
    ok(await call('POST', `/organizations/${orgId}/departments`, admin, { departmentId: 'water', name: 'Water' }));
    await joinAs(orgId, admin, departmentAdmin, 'admin', 'water');
    await joinAs(orgId, admin, editor, 'editor');
    await joinAs(orgId, admin, member, 'member');
    const partnerId = ok(await call('POST', '/organizations', partnerAdmin, { name: 'A partner' })).body.organizationId;
    await joinAs(partnerId, partnerAdmin, partnerMember, 'admin');
    const { partnershipId } = ok(await call('POST', `/organizations/${orgId}/partners`, admin, { partnerOrganizationId: partnerId, access: 'write' })).body;
    ok(await call('POST', `/organizations/${orgId}/partners/${partnershipId}/accept`, partnerAdmin, {}));

    for (const user of [auditor, superadmin, admin]) {
      const answer = await exportOverHttp(orgId, user);
      expect(answer.status).toBe(200);
      expect(answer.type).toContain('application/x-ndjson');
      expect(answer.disposition).toContain(`roster-export-${orgId}.ndjson`);
      expect(JSON.parse(linesOf(answer.text).at(-1)!).manifest.organizationId).toBe(orgId);
    }
    for (const user of [departmentAdmin, editor, member, partnerMember, stranger, service]) {
      const answer = await call('GET', `/organizations/${orgId}/export`, user);
      expect({ status: answer.status, code: answer.body?.code, type: answer.headers.get('content-type') }).toEqual({
        status: 403,
        code: 'AUDIT.FORBIDDEN',
        type: expect.stringContaining('application/problem+json'),
      });
    }
    expect((await call('GET', `/organizations/${orgId}/export`, departmentAdmin)).body.detail).toMatch(/organization-wide/);
    expect((await call('GET', `/organizations/${orgId}/export`, null)).status).toBe(401);
  });

  it('a deleted organization: auditors and superadmins still export it, its admins get 410; unknown 404, malformed 400', async () => {
    const { orgId, admin } = await story();
    ok(await call('DELETE', `/organizations/${orgId}`, admin));
    for (const user of [auditor, superadmin]) expect((await exportOverHttp(orgId, user)).status).toBe(200);
    const gone = await call('GET', `/organizations/${orgId}/export`, admin);
    expect([gone.status, gone.body.code]).toEqual([410, 'ORGANIZATION.DELETED']);
    const unknown = await call('GET', `/organizations/${randomUUID()}/export`, auditor);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ORGANIZATION.NOT_FOUND']);
    expect((await call('GET', '/organizations/not-an-id/export', auditor)).status).toBe(400);
  });
});

describe('the public audit key', () => {
  it('is served to anyone, without a token, as the PEM that --public-key reads', async () => {
    const response = await fetch(`${baseUrl}/.well-known/roster-audit-key`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-pem-file');
    expect(await response.text()).toBe(readFileSync(publicKeyFile, 'utf8'));
  });
});

describe('an export as the service writes it', () => {
  it('holds every event as stored (the e-mail sealed), then a signed manifest that counts them', async () => {
    const { orgId, email } = await story();
    const { text } = await exportOverHttp(orgId, auditor);
    const lines = linesOf(text).map((line) => JSON.parse(line));
    const history = ok(await call('GET', `/organizations/${orgId}/history`, auditor)).body.events;
    const manifest = lines.at(-1).manifest;
    expect(manifest).toMatchObject({
      format: 'roster-audit-export/1',
      organizationId: orgId,
      streamId: organizationStreamId(orgId),
      count: history.length,
      firstRevision: '0',
      lastRevision: String(history.length - 1),
      firstPosition: history[0].position,
      lastPosition: history.at(-1).position,
      headHash: history.at(-1).hash,
    });
    expect(lines.slice(0, -1).map((line) => line.id)).toEqual(history.map((event: { id: string }) => event.id));
    expect(text).not.toContain(email);
    // Every line is in its canonical (RFC 8785) form.
    for (const line of linesOf(text)) expect(canonicalize(JSON.parse(line))).toBe(line);
  });
});

describe('signed checkpoints close the tail', () => {
  it("verify (CLI and HTTP) reports the last events removed once a checkpoint recorded the chain's head", async () => {
    const { orgId } = await story();
    const before = ok(await call('GET', `/organizations/${orgId}/verify`, auditor)).body;
    expect(before.valid).toBe(true);
    const last = String(before.events - 1);
    // The service signs a checkpoint every second (and after each export).
    const checkpointFile = join(dataDir, 'audit-checkpoints.ndjson');
    const recorded = () => existsSync(checkpointFile) && linesOf(readFileSync(checkpointFile, 'utf8')).some((line) => JSON.parse(line).checkpoint.organizations[orgId]?.revision === last);
    for (let waited = 0; !recorded() && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(recorded()).toBe(true);

    const db = new Database(join(dataDir, 'events.sqlite'));
    try {
      db.prepare('DELETE FROM events WHERE stream_id = ? AND revision >= ?').run(organizationStreamId(orgId), before.events - 2);
    } finally {
      db.close();
    }
    const broken = await cli(['verify', orgId]);
    expect(broken.code).toBe(3);
    expect(broken.stdout).toMatch(/tail removed \(checkpoint\).*recorded revision/);
    const answer = ok(await call('GET', `/organizations/${orgId}/verify`, auditor)).body;
    expect(answer).toMatchObject({ valid: false, firstInvalid: { reason: 'tail removed (checkpoint)', revision: last }, checkpoint: { revision: last } });
    const all = await cli(['verify', '--all']);
    expect(all.code).toBe(3);
    expect(all.stdout).toContain(`${orgId}: `);

    // A checkpoint is trusted only with its key: with another one, the tail cannot be seen.
    const otherPublic = join(workDir, 'other-public.pem');
    writeFileSync(otherPublic, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const untrusted = await cli(['verify', orgId, '--public-key', otherPublic]);
    expect(untrusted.code).toBe(0);
    expect(untrusted.stderr).toMatch(/No signed checkpoint/);
  });
});

describe('checking an export with nothing but the file and the key', () => {
  let httpExport: string;
  let cliExport: string;
  let python: string;

  /** verify-export and the Python verifier on one file: both their exit codes and first words. */
  async function bothVerifiers(file: string, keyFile = publicKeyFile): Promise<{ cli: [number, string]; python: [number, string]; cliOut: string }> {
    const run = await cli(['verify-export', file, '--public-key', keyFile]);
    const py = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(python, [VERIFIER, file, keyFile], { timeout: 60_000 }, (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout })),
    );
    const word = (out: string) => /^[A-Z ]+/.exec(out)?.[0].trim() ?? out;
    return { cli: [run.code, word(run.stdout)], python: [py.code, word(py.stdout)], cliOut: run.stdout };
  }

  /** Writes `lines` (an export's, changed) to a new file. */
  function variant(name: string, lines: string[], ending = '\n'): string {
    const file = join(workDir, name);
    writeFileSync(file, lines.join('\n') + ending);
    return file;
  }

  beforeAll(async () => {
    python = ensureAuditVerifier(() => undefined);
    const { orgId } = await story();
    httpExport = join(workDir, 'http-export.ndjson');
    writeFileSync(httpExport, (await exportOverHttp(orgId, auditor)).text);
    cliExport = join(workDir, 'cli-export.ndjson');
    const written = await cli(['export', orgId, '--out', cliExport]);
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/events .* exported to/);
    // Nothing of the service is left: it stops, and its data directory (store, keys, checkpoints) goes.
    await close!();
    close = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  }, 300_000);

  it('an untouched export, from HTTP or from the CLI, is valid for both verifiers', async () => {
    for (const file of [httpExport, cliExport]) {
      const answer = await bothVerifiers(file);
      expect(answer.cli).toEqual([0, 'VALID']);
      expect(answer.python).toEqual([0, 'VALID']);
    }
  });

  it('an edited line: both say EDITED LINE (exit 3)', async () => {
    const lines = linesOf(readFileSync(httpExport, 'utf8'));
    const edited = JSON.parse(lines[1]);
    edited.data = { ...edited.data, description: 'rewritten' };
    const answer = await bothVerifiers(variant('edited.ndjson', [lines[0], JSON.stringify(edited), ...lines.slice(2)]));
    expect(answer.cli).toEqual([3, 'EDITED LINE']);
    expect(answer.python).toEqual([3, 'EDITED LINE']);
    expect(answer.cliOut).toMatch(/line 2: .*hash mismatch/);
  });

  it('a removed line: both say REMOVED LINE (exit 4)', async () => {
    const lines = linesOf(readFileSync(httpExport, 'utf8'));
    const answer = await bothVerifiers(variant('removed.ndjson', [...lines.slice(0, 2), ...lines.slice(3)]));
    expect(answer.cli).toEqual([4, 'REMOVED LINE']);
    expect(answer.python).toEqual([4, 'REMOVED LINE']);
    expect(answer.cliOut).toMatch(/expected revision 2, found 3/);
  });

  it('a truncated tail: the last events gone, or the file cut before its manifest: both say TRUNCATED TAIL (exit 5)', async () => {
    const lines = linesOf(readFileSync(httpExport, 'utf8'));
    const text = readFileSync(httpExport, 'utf8');
    for (const file of [
      variant('tail-removed.ndjson', [...lines.slice(0, -3), lines.at(-1)!]),
      variant('no-manifest.ndjson', lines.slice(0, -1)),
      variant('cut.ndjson', [text.slice(0, Math.floor(text.length * 0.6))], ''),
    ]) {
      const answer = await bothVerifiers(file);
      expect(answer.cli).toEqual([5, 'TRUNCATED TAIL']);
      expect(answer.python).toEqual([5, 'TRUNCATED TAIL']);
    }
  });

  it('a forged signature: re-signed with another key, a manifest changed, or the wrong public key: both say FORGED SIGNATURE (exit 6)', async () => {
    const lines = linesOf(readFileSync(httpExport, 'utf8'));
    const { manifest } = JSON.parse(lines.at(-1)!);
    const shorter = { ...manifest, count: manifest.count - 2, lastRevision: String(manifest.count - 3) };
    const resigned = JSON.stringify({ manifest: shorter, signature: sign(null, Buffer.from(canonicalize(shorter)!), otherPrivateKeyPem).toString('base64url') });
    const otherPublic = join(workDir, 'another-public.pem');
    writeFileSync(otherPublic, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    for (const [file, key] of [
      [variant('resigned.ndjson', [...lines.slice(0, -3), resigned]), publicKeyFile],
      [variant('manifest-edited.ndjson', [...lines.slice(0, -1), JSON.stringify({ ...JSON.parse(lines.at(-1)!), manifest: shorter })]), publicKeyFile],
      [httpExport, otherPublic],
    ] as const) {
      const answer = await bothVerifiers(file, key);
      expect(answer.cli).toEqual([6, 'FORGED SIGNATURE']);
      expect(answer.python).toEqual([6, 'FORGED SIGNATURE']);
    }
  });

  it('cannot run without a readable key or file (exit 1), and says how it is called (exit 2)', async () => {
    expect((await cli(['verify-export', httpExport, '--public-key', join(workDir, 'nothing.pem')])).code).toBe(1);
    expect((await cli(['verify-export', join(workDir, 'nothing.ndjson'), '--public-key', publicKeyFile])).code).toBe(1);
    expect((await cli(['verify-export', httpExport, '--public-key', privateKeyFile])).stderr).toMatch(/public key/);
    const usage = await cli(['verify-export', httpExport]);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/--public-key/)]);
  });
});
