/**
 * Structured logs: the compiled service, run as the Docker image runs it (LOG_FORMAT=json),
 * at the most talkative level, goes through a scripted sequence carrying distinctive e-mail
 * addresses, messages, reasons and tokens, refusals and bad requests included. Every line it
 * writes is one JSON object with level, time and message; the commands' lines name the
 * organization, the command type, the outcome and the request's id and traceparent; and none
 * of the personal data or tokens appears anywhere in the log. `npm run build` first when
 * running this file alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireKafkaBrokers } from '@roster/messaging/testing/kafka-test-kit';
import { requestJson, signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const SECRET = `logs-e2e-${randomUUID()}`;
const TRACEPARENT = `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;
const REQUEST_ID = `logs-e2e-${randomUUID()}`;

let dataDir: string;
let service: ServiceProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-logs-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.EVENTSTORE_CONNECTION_STRING;
  delete env.MONGODB_URL;
  Object.assign(env, {
    ROSTER_DATA_DIR: dataDir,
    ROSTER_JWT_SECRET: SECRET,
    ROSTER_RUN: 'api,projections,publisher',
    KAFKA_BROKERS: requireKafkaBrokers().join(','),
    ROSTER_KAFKA_TOPIC: `roster.e2e.logs.${randomUUID()}`,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'verbose',
    ROSTER_COMMAND_RATE: '0',
  });
  service = await startServiceProcess({ entry: ENTRY, nodeArgs: ['-r', './scripts/register-paths.js'], cwd: ROOT, env, timeoutMs: 30_000 });
});

afterAll(async () => {
  if (service) await stopProcess(service.child, 'SIGTERM', 15_000);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('structured logs (LOG_FORMAT=json)', () => {
  it('are one JSON object per line, name each command and its request, and hold no personal data or token', async () => {
    const tag = randomUUID().slice(0, 8);
    const secrets = {
      inviteeEmail: `invitee-${tag}@logs-e2e.example.org`,
      contactEmail: `contact-${tag}@logs-e2e.example.org`,
      badEmail: `not an e-mail ${tag}@@logs-e2e`,
      pathEmail: `path-${tag}@logs-e2e.example.org`,
      message: `Distinctive join message ${tag}`,
      reason: `Distinctive rejection reason ${tag}`,
      description: `Distinctive description ${tag}`,
      requestIdEmail: `request-id-${tag}@logs-e2e.example.org`,
      tracestate: `vendor=${tag}-state`,
    };
    const [admin, carol, dave] = [`user-${randomUUID()}`, `user-${randomUUID()}`, `user-${randomUUID()}`];
    const tokens = {
      admin: await signTestToken(SECRET, admin),
      carol: await signTestToken(SECRET, carol),
      dave: await signTestToken(SECRET, dave),
      forged: await signTestToken(`another-secret-${randomUUID()}`, admin),
      superadmin: await signTestToken(SECRET, `user-${randomUUID()}`, { roles: ['superadmin'] }),
    };
    const call = (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) =>
      requestJson(service.baseUrl, method, path, { token, body, headers });

    const created = await call('POST', '/organizations', tokens.admin, { name: `Logs ${tag}`, description: secrets.description }, { 'x-request-id': REQUEST_ID, traceparent: TRACEPARENT });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe(REQUEST_ID);
    const o = `/organizations/${(created.body as { organizationId: string }).organizationId}`;
    expect((await call('POST', `${o}/invitations`, tokens.admin, { email: secrets.inviteeEmail, role: 'member' })).status).toBe(201);
    // The same person invited again: refused (or replaced), never logged with the address.
    await call('POST', `${o}/invitations`, tokens.admin, { email: secrets.inviteeEmail, role: 'member' });
    expect((await call('POST', `${o}/partners`, tokens.admin, { name: `Partner ${tag}`, contactEmail: secrets.contactEmail, access: 'read' })).status).toBe(201);
    const request = await call('POST', `${o}/join-requests`, tokens.carol, { message: secrets.message });
    expect(request.status).toBe(201);
    const rejected = await call('POST', `${o}/join-requests/${(request.body as { requestId: string }).requestId}/reject`, tokens.admin, { reason: secrets.reason });
    expect(rejected.status).toBe(200);
    const second = await call('POST', `${o}/join-requests`, tokens.dave, { message: secrets.message });
    await call('POST', `${o}/join-requests/${(second.body as { requestId: string }).requestId}/approve`, tokens.admin, { role: 'editor' });
    // Refusals and bad requests, each carrying something personal.
    expect((await call('DELETE', `${o}/members/${admin}`, tokens.admin)).status).toBe(409);
    expect((await call('POST', `${o}/invitations`, tokens.admin, { email: secrets.badEmail, role: 'member' })).status).toBe(400);
    expect((await call('POST', `${o}/join-requests`, tokens.forged, { message: secrets.message })).status).toBe(401);
    expect((await call('GET', `/users/${encodeURIComponent(secrets.pathEmail)}/organizations`, tokens.carol)).status).toBe(403);
    expect((await call('POST', '/organizations', tokens.admin, `{"name": "${secrets.description}"`)).status).toBe(400);
    // Personal data smuggled in the headers every line names: an e-mail address as X-Request-Id is replaced, a junk traceparent dropped.
    const smuggled = await call('PATCH', o, tokens.admin, { name: `Logs ${tag} renamed` }, {
      'x-request-id': secrets.requestIdEmail,
      traceparent: `00-${secrets.requestIdEmail}-01`,
      tracestate: secrets.tracestate,
    });
    expect(smuggled.status).toBe(200);
    const smuggledRequestId = smuggled.headers.get('x-request-id');
    expect(smuggledRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('GET', `${o}/history`, tokens.admin)).status).toBe(200);
    expect((await call('GET', `/users/${carol}/personal-data`, tokens.carol)).status).toBe(200);
    // Erasure of the person invited by e-mail, naming the address: its withdrawal is logged without it.
    expect((await call('POST', `/users/user-${randomUUID()}/erasure`, tokens.superadmin, { emails: [secrets.inviteeEmail] }, { traceparent: TRACEPARENT })).status).toBe(200);
    expect((await call('GET', `${o}/invitations?status=all`, tokens.admin)).status).toBe(200);
    expect((await call('GET', '/health/ready', undefined)).status).toBe(200);

    await stopProcess(service.child, 'SIGTERM', 15_000);
    const log = service.output.join('');
    const lines = log.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { unparsable: line };
      }
    });
    expect(parsed.filter((line) => 'unparsable' in line)).toEqual([]);
    for (const line of parsed) {
      expect(typeof line.level).toBe('string');
      expect(new Date(line.time as string).toISOString()).toBe(line.time);
      expect(line).toHaveProperty('message');
    }

    const commands = parsed.filter((line) => line.message === 'command');
    expect(commands.find((line) => line.commandType === 'CreateOrganization')).toMatchObject({
      level: 'log',
      outcome: 'accepted',
      organizationId: o.split('/')[2],
      requestId: REQUEST_ID,
      traceparent: TRACEPARENT,
    });
    expect(commands.find((line) => line.commandType === 'RemoveMember' || line.commandType === 'LeaveOrganization')).toMatchObject({
      outcome: 'refused',
      code: 'MEMBERSHIP.LAST_ADMIN',
    });
    expect(commands.find((line) => line.commandType === 'RejectJoin')).toMatchObject({ outcome: 'accepted' });
    for (const line of commands) expect(typeof line.requestId).toBe('string');
    const renamed = commands.find((line) => line.commandType === 'UpdateOrganizationProfile');
    expect(renamed).toMatchObject({ outcome: 'accepted', requestId: smuggledRequestId });
    expect(renamed).not.toHaveProperty('traceparent');

    for (const [name, value] of [...Object.entries(secrets), ...Object.entries(tokens)]) {
      expect({ name, found: log.includes(value) }).toEqual({ name, found: false });
    }
    // Nor the address in any case or URL-encoded form.
    expect(log.toLowerCase()).not.toContain('@logs-e2e');
    expect(log).not.toContain('%40logs-e2e');
  });
});
