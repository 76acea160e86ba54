/**
 * Crash safety: the compiled service runs as a child process on the embedded SQLite store;
 * many concurrent commands over several organizations are in flight when it is killed with
 * SIGKILL. Started again on the same data directory, every command it acknowledged is
 * there (its Idempotency-Key replays the same answer, acknowledged invitations can be
 * accepted) and the next command on every organization works, past every acknowledged
 * revision. `npm test` builds dist/ before jest; run `npm run build` first when running
 * this file alone.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const SECRET = `crash-secret-${randomUUID()}`;

const ORGANIZATIONS = 8;
const CONCURRENCY = 32;
/** Kill once this many commands were acknowledged (or after KILL_AFTER_MS, whichever comes first). */
const KILL_AFTER_ACKS = 400;
const KILL_AFTER_MS = 5000;

/** The compiled service on the embedded store in `dataDir`, as a child process. */
function startService(dataDir: string): Promise<ServiceProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The embedded store is what this test is about: no external servers.
  delete env.EVENTSTORE_CONNECTION_STRING;
  delete env.MONGODB_URL;
  delete env.KAFKA_BROKERS;
  // Eight admins send hundreds of commands a second: no per-user command rate here.
  Object.assign(env, { ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', LOG_LEVEL: 'warn', ROSTER_COMMAND_RATE: '0' });
  return startServiceProcess({ entry: ENTRY, nodeArgs: ['-r', './scripts/register-paths.js'], cwd: ROOT, env, timeoutMs: 30_000 });
}

const kill = (service: ServiceProcess, signal: NodeJS.Signals) => stopProcess(service.child, signal);

const token = (sub: string) => signTestToken(SECRET, sub);

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly token: string;
  readonly body: unknown;
  readonly key: string;
}

interface Acked extends Sent {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly answer: any;
  readonly organizationId: string;
  readonly invitee?: { readonly userId: string; readonly token: string };
}

async function send(baseUrl: string, sent: Sent): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${sent.path}`, {
    method: sent.method,
    headers: { authorization: `Bearer ${sent.token}`, 'content-type': 'application/json', 'idempotency-key': sent.key },
    body: JSON.stringify(sent.body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('crash safety (SIGKILL mid-flight, restart on the same data directory)', () => {
  let dataDir: string;
  let service: ServiceProcess | undefined;

  beforeAll(() => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does)`);
    dataDir = mkdtempSync(join(tmpdir(), 'roster-crash-'));
  });

  afterAll(async () => {
    if (service) await kill(service, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged command, and the next command on each organization works', async () => {
    service = await startService(dataDir);
    const baseUrl = service.baseUrl;

    // Organizations, each with its own admin.
    const organizations: Array<{ id: string; admin: string; adminToken: string }> = [];
    for (let i = 0; i < ORGANIZATIONS; i++) {
      const admin = `admin-${randomUUID()}`;
      const adminToken = await token(admin);
      const created = await send(baseUrl, { method: 'POST', path: '/organizations', token: adminToken, body: { name: `Crash ${i}` }, key: randomUUID() });
      expect(created.status).toBe(201);
      organizations.push({ id: created.body.organizationId, admin, adminToken });
    }

    // Load: invitations (each to a fresh user) and profile changes, spread over the organizations.
    const acked: Acked[] = [];
    let stop = false;
    let sent = 0;
    const worker = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const organization = organizations[(w + n) % organizations.length];
        const base = `/organizations/${organization.id}`;
        const key = randomUUID();
        let request: Sent;
        let invitee: Acked['invitee'];
        if (n % 3 === 2) {
          request = { method: 'PATCH', path: base, token: organization.adminToken, body: { description: `change ${key}` }, key };
        } else {
          const userId = `invitee-${randomUUID()}`;
          invitee = { userId, token: await token(userId) };
          request = { method: 'POST', path: `${base}/invitations`, token: organization.adminToken, body: { userId, role: 'member' }, key };
        }
        sent++;
        try {
          const { status, body } = await send(baseUrl, request);
          // Only a 2xx is an acknowledgement; anything else (a 409 after retries) promised nothing.
          if (status >= 200 && status < 300) acked.push({ ...request, status, answer: body, organizationId: organization.id, invitee });
        } catch {
          // The connection died with the process: not acknowledged, nothing promised.
          return;
        }
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, (_, w) => worker(w));

    const started = Date.now();
    while (acked.length < KILL_AFTER_ACKS && Date.now() - started < KILL_AFTER_MS) await new Promise((r) => setTimeout(r, 5));
    await kill(service, 'SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(acked.length).toBeGreaterThan(50);
    expect(sent).toBeGreaterThan(acked.length); // some were in flight when the process died

    service = await startService(dataDir);
    const again = service.baseUrl;

    // Every acknowledged command replays with its Idempotency-Key to the very same answer.
    for (const ack of acked) {
      const replay = await send(again, ack);
      expect({ key: ack.key, status: replay.status, body: replay.body }).toEqual({ key: ack.key, status: ack.status, body: ack.answer });
    }

    // Every acknowledged invitation is there: its invitee accepts it.
    for (const ack of acked.filter((a) => a.invitee)) {
      const accepted = await fetch(`${again}/organizations/${ack.organizationId}/invitations/${ack.answer.invitationId}/accept`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ack.invitee!.token}` },
      });
      expect({ invitationId: ack.answer.invitationId, accepted: accepted.ok }).toEqual({ invitationId: ack.answer.invitationId, accepted: true });
    }

    // The next command on each organization works and lands past every acknowledged revision.
    for (const organization of organizations) {
      const highest = acked
        .filter((a) => a.organizationId === organization.id)
        .reduce((max, a) => (BigInt(a.answer.revision) > max ? BigInt(a.answer.revision) : max), 0n);
      const next = await send(again, {
        method: 'PATCH',
        path: `/organizations/${organization.id}`,
        token: organization.adminToken,
        body: { name: `After the crash ${randomUUID()}` },
        key: randomUUID(),
      });
      expect(next.status >= 200 && next.status < 300).toBe(true);
      expect(BigInt(next.body.revision)).toBeGreaterThan(highest);
    }

    await kill(service, 'SIGTERM');
    service = undefined;
  });
});
