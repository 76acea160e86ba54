/**
 * Auditors end to end: history, as-of and verify through real HTTP (the service in this
 * process on 127.0.0.1, the embedded SQLite store in a temporary data directory), and the
 * compiled CLI (`npm test` builds dist/ first) on the same store. Tampering is done the way
 * an intruder would: straight into the SQLite file with better-sqlite3, behind the service.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENT_SCHEMA_VERSION, organizationStreamId } from '@roster/domain';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { runRosterCli } from './roster-cli';
import { startRosterInProcess } from './roster-in-process';

const ROOT = join(__dirname, '..');
const SECRET = `audit-e2e-secret-${randomUUID()}`;

interface User {
  readonly id: string;
  readonly token: string;
}

type Answer = JsonAnswer;

let baseUrl: string;
let close: () => Promise<void>;
let dataDir: string;
let auditor: User;
let superadmin: User;

async function newUser(roles?: string[]): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id, roles ? { roles } : {}) };
}

function call(method: string, path: string, as?: User | null, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return requestJson(baseUrl, method, path, { token: as?.token, body, headers });
}

function ok(answer: Answer): Answer {
  if (answer.status < 200 || answer.status >= 300) throw new Error(`expected 2xx, got ${answer.status}: ${answer.text}`);
  return answer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Distinct event times, so as-of can be asked between two events. */
const GAP_MS = 25;

interface Story {
  readonly orgId: string;
  readonly admin: User;
  readonly member: User;
  readonly outsider: User;
  /** The history as the service reports it, for times and ids. */
  readonly events: Array<{ revision: string; position: string; type: string; time: string; id: string }>;
}

/**
 * r0 OrganizationCreated (admin), r1 JoinRequested (member), r2 JoinApproved as member,
 * r3 OrganizationProfileUpdated, r4 MemberInvited (e-mail), r5 MemberRoleChanged member -> editor.
 */
async function story(): Promise<Story> {
  const [admin, member, outsider] = await Promise.all([newUser(), newUser(), newUser()]);
  const orgId = ok(await call('POST', '/organizations', admin, { name: 'Open data of Somewhere', description: 'before' })).body.organizationId;
  await sleep(GAP_MS);
  const requestId = ok(await call('POST', `/organizations/${orgId}/join-requests`, member, { message: 'let me in' })).body.requestId;
  await sleep(GAP_MS);
  ok(await call('POST', `/organizations/${orgId}/join-requests/${requestId}/approve`, admin, { role: 'member' }));
  await sleep(GAP_MS);
  ok(await call('PATCH', `/organizations/${orgId}`, admin, { description: 'after' }));
  await sleep(GAP_MS);
  ok(await call('POST', `/organizations/${orgId}/invitations`, admin, { email: `x-${randomUUID().slice(0, 8)}@example.org`, role: 'editor', expiresInDays: 1 }));
  await sleep(GAP_MS);
  ok(await call('PUT', `/organizations/${orgId}/members/${member.id}/role`, admin, { role: 'editor' }));
  const history = ok(await call('GET', `/organizations/${orgId}/history`, auditor)).body;
  return { orgId, admin, member, outsider, events: history.events };
}

/** Runs the compiled CLI on the test's data directory and its keys (not the harness's MongoDB that the environment names). */
const cli = (args: string[]) => runRosterCli({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, MONGODB_URL: '' }, args);

function tamper(sql: string, ...params: unknown[]): void {
  const db = new Database(join(dataDir, 'events.sqlite'));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-audit-e2e-'));
  const roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
  baseUrl = roster.baseUrl;
  close = roster.close;
  [auditor, superadmin] = await Promise.all([newUser(['auditor']), newUser(['superadmin'])]);
});

afterAll(async () => {
  await close?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('who may read an organization record', () => {
  let s: Story;
  beforeAll(async () => (s = await story()));

  it.each(['history', 'as-of?at=2030-01-01T00:00:00Z', 'verify'])('%s: auditors, superadmins and current admins yes; members, outsiders 403', async (route) => {
    for (const user of [auditor, superadmin, s.admin]) expect((await call('GET', `/organizations/${s.orgId}/${route}`, user)).status).toBe(200);
    for (const user of [s.member, s.outsider]) {
      const answer = await call('GET', `/organizations/${s.orgId}/${route}`, user);
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.code).toBe('AUDIT.FORBIDDEN');
    }
    expect((await call('GET', `/organizations/${s.orgId}/${route}`, null)).status).toBe(401);
  });

  it('follows the current admins: a member promoted to admin may read, a demoted admin may not', async () => {
    const { orgId, admin, member } = await story();
    ok(await call('PUT', `/organizations/${orgId}/members/${member.id}/role`, admin, { role: 'admin' }));
    expect((await call('GET', `/organizations/${orgId}/history`, member)).status).toBe(200);
    ok(await call('PUT', `/organizations/${orgId}/members/${admin.id}/role`, member, { role: 'member' }));
    expect((await call('GET', `/organizations/${orgId}/history`, admin)).status).toBe(403);
  });

  it('answers 404 for an unknown organization and 400 for a malformed id', async () => {
    const unknown = await call('GET', `/organizations/${randomUUID()}/history`, auditor);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ORGANIZATION.NOT_FOUND');
    for (const route of ['history', 'as-of?at=2026-01-01', 'verify']) {
      expect((await call('GET', `/organizations/not-an-id/${route}`, auditor)).status).toBe(400);
      expect((await call('GET', `/organizations/${randomUUID()}/${route}`, auditor)).status).toBe(404);
    }
  });

  it("keeps a deleted organization's history readable to auditors and superadmins; its admins get 410", async () => {
    const { orgId, admin } = await story();
    ok(await call('DELETE', `/organizations/${orgId}`, admin));
    for (const user of [auditor, superadmin]) {
      const history = ok(await call('GET', `/organizations/${orgId}/history`, user)).body;
      expect(history.events.at(-1).type).toBe('OrganizationDeleted');
      expect(ok(await call('GET', `/organizations/${orgId}/verify`, user)).body.valid).toBe(true);
    }
    const refused = await call('GET', `/organizations/${orgId}/history`, admin);
    expect(refused.status).toBe(410);
    expect(refused.body.code).toBe('ORGANIZATION.DELETED');
  });
});

describe('GET /organizations/:id/history', () => {
  let s: Story;
  beforeAll(async () => (s = await story()));

  it('lists every event in order with who, when and why', async () => {
    const { body } = ok(await call('GET', `/organizations/${s.orgId}/history`, s.admin));
    expect(body.organizationId).toBe(s.orgId);
    expect(body.nextCursor).toBeNull();
    expect(body.events.map((e: { type: string }) => e.type)).toEqual([
      'OrganizationCreated',
      'JoinRequested',
      'JoinApproved',
      'OrganizationProfileUpdated',
      'MemberInvited',
      'MemberRoleChanged',
    ]);
    expect(body.events.map((e: { revision: string }) => e.revision)).toEqual(['0', '1', '2', '3', '4', '5']);
    const approved = body.events[2];
    expect(approved).toMatchObject({
      type: 'JoinApproved',
      actor: { userId: s.admin.id },
      data: { organizationId: s.orgId, userId: s.member.id, role: 'member', approvedBy: s.admin.id },
      schemaVersion: EVENT_SCHEMA_VERSION,
      command: 'ApproveJoin',
      reason: null,
      provenance: null,
    });
    expect(approved.position).toMatch(/^\d+$/);
    expect(typeof approved.id).toBe('string');
    expect(typeof approved.correlationId).toBe('string');
    expect(typeof approved.causationId).toBe('string');
    expect(new Date(approved.time).toISOString()).toBe(approved.time);
    const positions = body.events.map((e: { position: string }) => BigInt(e.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
  });

  it('names the reason given, over HTTP and in the CLI table', async () => {
    const { orgId, admin, outsider } = await story();
    const reason = `Not before the vote ${randomUUID()}`;
    const requestId = ok(await call('POST', `/organizations/${orgId}/join-requests`, outsider, {})).body.requestId;
    ok(await call('POST', `/organizations/${orgId}/join-requests/${requestId}/reject`, admin, { reason }));
    const [rejected] = ok(await call('GET', `/organizations/${orgId}/history?type=JoinRejected`, auditor)).body.events;
    expect(rejected).toMatchObject({ type: 'JoinRejected', command: 'RejectJoin', actor: { userId: admin.id }, reason, provenance: null });
    const table = await cli(['history', orgId, '--type', 'JoinRejected']);
    expect(table.stdout).toContain(`RejectJoin`);
    expect(table.stdout).toContain(`reason=${JSON.stringify(reason)}`);
  });

  it('filters by type (repeated or comma-separated), actor and time range', async () => {
    const types = async (query: string) =>
      ok(await call('GET', `/organizations/${s.orgId}/history?${query}`, auditor)).body.events.map((e: { type: string }) => e.type);
    expect(await types('type=JoinApproved&type=MemberRoleChanged')).toEqual(['JoinApproved', 'MemberRoleChanged']);
    expect(await types('type=JoinRequested,OrganizationCreated')).toEqual(['OrganizationCreated', 'JoinRequested']);
    expect(await types(`actor=${encodeURIComponent(s.member.id)}`)).toEqual(['JoinRequested']);
    const [, , r2, r3] = s.events;
    expect(await types(`from=${encodeURIComponent(r2.time)}&to=${encodeURIComponent(r3.time)}`)).toEqual(['JoinApproved', 'OrganizationProfileUpdated']);
    expect(await types(`type=MemberLeft`)).toEqual([]);
  });

  it('refuses an unknown type, a malformed date, a bad limit or cursor and unknown parameters with 400', async () => {
    for (const query of ['type=MemberExploded', 'from=yesterday', 'to=2026-02-30', 'limit=0', 'limit=abc', 'cursor=nope', 'tpye=JoinApproved']) {
      const answer = await call('GET', `/organizations/${s.orgId}/history?${query}`, auditor);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await call('GET', `/organizations/${s.orgId}/history?type=MemberExploded`, auditor)).body.detail).toContain('MemberExploded');
  });

  it('refuses an empty filter (what an unset shell variable sends) with 400 rather than widen the history', async () => {
    const codes: Record<string, string> = {
      'type=': 'VALIDATION.EVENT_TYPE',
      'actor=': 'VALIDATION.QUERY',
      'from=': 'VALIDATION.TIME',
      'to=': 'VALIDATION.TIME',
      'limit=': 'VALIDATION.LIMIT',
      'cursor=': 'VALIDATION.CURSOR',
      'type=JoinApproved&type=': 'VALIDATION.EVENT_TYPE',
    };
    for (const [query, code] of Object.entries(codes)) {
      for (const accept of ['application/json', 'application/x-ndjson']) {
        const answer = await call('GET', `/organizations/${s.orgId}/history?${query}`, auditor, undefined, { accept });
        expect({ query, accept, status: answer.status, code: answer.body?.code }).toEqual({ query, accept, status: 400, code });
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
      }
    }
  });

  it('pages with an opaque cursor and a limit, filters included', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = ok(await call('GET', `/organizations/${s.orgId}/history?${query}`, auditor));
      expect(body.events.length).toBeLessThanOrEqual(2);
      seen.push(...body.events.map((e: { id: string }) => e.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(s.events.map((e) => e.id));

    const first = ok(await call('GET', `/organizations/${s.orgId}/history?type=JoinApproved,MemberRoleChanged&limit=1`, auditor)).body;
    expect(first.events.map((e: { type: string }) => e.type)).toEqual(['JoinApproved']);
    const second = ok(
      await call('GET', `/organizations/${s.orgId}/history?type=JoinApproved,MemberRoleChanged&limit=1&cursor=${first.nextCursor}`, auditor),
    ).body;
    expect(second.events.map((e: { type: string }) => e.type)).toEqual(['MemberRoleChanged']);
    expect(second.nextCursor).toBeNull();
  });

  it('exports as NDJSON, one event per line, filters applied', async () => {
    const all = await call('GET', `/organizations/${s.orgId}/history`, auditor, undefined, { accept: 'application/x-ndjson' });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = all.text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((e) => e.id)).toEqual(s.events.map((e) => e.id));
    const paged = ok(await call('GET', `/organizations/${s.orgId}/history`, auditor)).body.events;
    expect(lines).toEqual(paged);
    const filtered = await call('GET', `/organizations/${s.orgId}/history?type=JoinApproved`, auditor, undefined, { accept: 'application/x-ndjson' });
    expect(filtered.text.trimEnd().split('\n').map((line) => JSON.parse(line).type)).toEqual(['JoinApproved']);
    const refused = await call('GET', `/organizations/${s.orgId}/history`, s.member, undefined, { accept: 'application/x-ndjson' });
    expect(refused.status).toBe(403);
  });
});

describe('GET /organizations/:id/as-of', () => {
  let s: Story;
  beforeAll(async () => (s = await story()));

  const asOf = async (at: string) => ok(await call('GET', `/organizations/${s.orgId}/as-of?at=${encodeURIComponent(at)}`, auditor)).body;
  const justBefore = (time: string) => new Date(Date.parse(time) - 1).toISOString();

  it('answers "did not exist" before the creation', async () => {
    expect(await asOf(justBefore(s.events[0].time))).toEqual({
      organizationId: s.orgId,
      at: justBefore(s.events[0].time),
      exists: false,
      createdAt: s.events[0].time,
    });
    expect((await asOf('1999-01-01')).exists).toBe(false);
  });

  it('shows members, roles, requests and invitations as they were, between changes', async () => {
    const [r0, r1, r2, r3, r4, r5] = s.events;
    const created = await asOf(r0.time);
    expect(created).toMatchObject({ exists: true, status: 'active', revision: '0', profile: { name: 'Open data of Somewhere', description: 'before' } });
    expect(created.members).toEqual([{ userId: s.admin.id, role: 'admin', since: r0.time, via: 'creation', departmentId: null, defaultDatasetRole: 'manager' }]);
    expect(created.joinRequests).toEqual([]);

    const requested = await asOf(justBefore(r2.time));
    expect(requested.revision).toBe('1');
    expect(requested.joinRequests).toMatchObject([{ userId: s.member.id, message: 'let me in', requestedAt: r1.time }]);

    const approved = await asOf(r2.time);
    expect(approved.joinRequests).toEqual([]);
    expect(approved.members).toContainEqual({ userId: s.member.id, role: 'member', since: r2.time, via: 'join-request', departmentId: null, defaultDatasetRole: 'reader' });
    expect(approved.profile.description).toBe('before');

    expect((await asOf(r3.time)).profile.description).toBe('after');
    const invited = await asOf(justBefore(r5.time));
    expect(invited.invitations).toMatchObject([{ role: 'editor', invitedBy: s.admin.id }]);
    expect(invited.members).toContainEqual(expect.objectContaining({ userId: s.member.id, role: 'member' }));
    expect((await asOf(r5.time)).members).toContainEqual(expect.objectContaining({ userId: s.member.id, role: 'editor' }));

    // Two days later the one-day invitation has expired: no longer pending.
    const later = await asOf(new Date(Date.parse(r4.time) + 2 * 86_400_000).toISOString());
    expect(later.invitations).toEqual([]);
    expect(later.revision).toBe('5');
  });

  it('refuses a malformed or missing date with 400', async () => {
    for (const query of ['at=yesterday', 'at=2026-13-01', 'at=', '', 'at=2026-01-01&at=2026-01-02', 'when=2026-01-01']) {
      const answer = await call('GET', `/organizations/${s.orgId}/as-of?${query}`, auditor);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
    }
  });
});

describe('tamper evidence', () => {
  it('finds an event edited in the SQLite file (HTTP and CLI)', async () => {
    const s = await story();
    expect(ok(await call('GET', `/organizations/${s.orgId}/verify`, auditor)).body).toEqual({ organizationId: s.orgId, events: 6, valid: true });
    const intact = await cli(['verify', s.orgId]);
    expect(intact).toMatchObject({ code: 0 });
    expect(intact.stdout).toContain('chain intact');

    // The member quietly made admin in the record.
    tamper(
      "UPDATE events SET data = json_set(data, '$.role', 'admin') WHERE stream_id = ? AND revision = 2",
      organizationStreamId(s.orgId),
    );
    const { body } = ok(await call('GET', `/organizations/${s.orgId}/verify`, auditor));
    expect(body).toMatchObject({
      organizationId: s.orgId,
      events: 6,
      valid: false,
      firstInvalid: { revision: '2', id: s.events[2].id, position: s.events[2].position, reason: 'hash mismatch' },
    });

    const broken = await cli(['verify', s.orgId]);
    expect(broken.code).toBe(3);
    expect(broken.stdout).toContain(s.events[2].id);
    expect(broken.stdout).toContain('hash mismatch');
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });

  it('finds an event deleted from the SQLite file (HTTP, CLI one and --all)', async () => {
    const s = await story();
    tamper('DELETE FROM events WHERE stream_id = ? AND revision = 3', organizationStreamId(s.orgId));
    const { body } = ok(await call('GET', `/organizations/${s.orgId}/verify`, auditor));
    expect(body).toMatchObject({ events: 5, valid: false, firstInvalid: { revision: '4', id: s.events[4].id, reason: 'revision gap' } });

    const one = await cli(['verify', s.orgId, '--json']);
    expect(one.code).toBe(3);
    expect(JSON.parse(one.stdout)).toMatchObject({ organizationId: s.orgId, valid: false, firstInvalid: { revision: '4', reason: 'revision gap' } });

    const all = await cli(['verify', '--all']);
    expect(all.code).toBe(3);
    expect(all.stdout).toContain(`${s.orgId}: 5 events, chain BROKEN at revision 4`);
    expect(all.stdout).toMatch(/\d+ organizations, \d+ events: \d+ altered/);
  });
});

describe('the CLI on the same store', () => {
  let s: Story;
  beforeAll(async () => (s = await story()));

  it('prints history as NDJSON identical to the HTTP export, and as-of as JSON identical to the route', async () => {
    const history = await cli(['history', s.orgId, '--ndjson', '--type', 'JoinApproved,MemberRoleChanged']);
    expect(history.code).toBe(0);
    const http = ok(await call('GET', `/organizations/${s.orgId}/history?type=JoinApproved,MemberRoleChanged`, auditor)).body.events;
    expect(history.stdout.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(http);

    const at = s.events[3].time;
    const asOf = await cli(['as-of', s.orgId, at]);
    expect(asOf.code).toBe(0);
    expect(JSON.parse(asOf.stdout)).toEqual(ok(await call('GET', `/organizations/${s.orgId}/as-of?at=${encodeURIComponent(at)}`, auditor)).body);
  });

  it('prints history as a table with the organization id and column headers, also through `npm run roster --`', async () => {
    // npm echoes the command with anything shaped like a UUID as *** (it redacts old-style npm tokens).
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.platform === 'win32' ? 'npm.cmd' : 'npm',
        ['run', 'roster', '--', 'history', s.orgId],
        { cwd: ROOT, env: { ...process.env, ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, LOG_LEVEL: 'error' }, timeout: 60_000 },
        (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
      );
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    // Issue 17 item 3: the command and why (a reason given, an import's source) beside the actor.
    const header = lines.findIndex((text) => /^\s*REVISION\s+TIME\s+TYPE\s+COMMAND\s+ACTOR\s+WHY\s+DATA$/.test(text));
    expect(lines[header - 1]).toBe(`Organization ${s.orgId}`);
    expect(lines.slice(header + 1).filter((text) => /^\s+\d+\s/.test(text))).toHaveLength(s.events.length);
    expect(lines[header + 1]).toMatch(/^\s+0\s+\S+\s+OrganizationCreated\s+CreateOrganization\s+\S+\s+-\s/);
  });

  it('explains bad input in one line, without a stack trace', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['as-of', s.orgId, 'yesterday'], 2, /ISO 8601/],
      [['history', s.orgId, '--type', 'MemberExploded'], 2, /Unknown event type "MemberExploded"/],
      [['verify', 'not-an-id'], 2, /not a valid id/],
      [['verify'], 2, /--all/],
      [['verify', randomUUID()], 1, /does not exist/],
      [['history', randomUUID()], 1, /does not exist/],
    ];
    for (const [args, code, message] of cases) {
      const run = await cli(args);
      expect({ args, code: run.code }).toEqual({ args, code });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
