/**
 * `roster import` end to end, per source format, as an operator runs it: the compiled CLI
 * (`npm test` builds dist/ first) on the data directory of a running service (in this
 * process, embedded SQLite store). Each format: a dry run appends nothing, the first run
 * records the file, the same file again appends nothing, a Roster change made over HTTP is
 * never undone, a changed file appends the difference, its bad row is named and the exit
 * code says so; then the imported organization answers a command, a query, the permission
 * check and as-of.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { importedOrganizationId } from '../apps/roster/src/command-handling/service-ids';
import { startRosterInProcess } from './roster-in-process';
import { runRosterCli } from './roster-cli';

const FIXTURES = join(__dirname, 'fixtures/import');
const SECRET = `import-e2e-secret-${randomUUID()}`;

interface Format {
  readonly system: 'udata' | 'ckan' | 'data-fair';
  /** The organization the steps follow, by its id in the source. */
  readonly sourceId: string;
  readonly admin: string;
  /** editor in the first file, admin in the changed one. */
  readonly promoted: string;
  /** in the first file, gone from the changed one; given another role in Roster between the two imports. */
  readonly gone: string;
  readonly goneRoleInRoster: 'member' | 'editor';
  /** only in the changed file. */
  readonly newcomer: string;
  readonly firstEvents: number;
  /** The changed file's events once Roster has kept `gone` (its role changed in Roster). */
  readonly changedEvents: number;
  /** What the changed file's bad row is named by, and why it is refused. */
  readonly badRow: string;
  readonly badReason: string;
}

const FORMATS: readonly Format[] = [
  {
    system: 'udata',
    sourceId: '534fff75a3a7292c64a77de4',
    admin: '5a7f2c1e88ee38231a1b0001',
    promoted: '5a7f2c1e88ee38231a1b0002',
    gone: '5a7f2c1e88ee38231a1b0003',
    goneRoleInRoster: 'member',
    newcomer: '5a7f2c1e88ee38231a1b0004',
    // organization, 3 members + the second organization and its member
    firstEvents: 6,
    changedEvents: 2,
    badRow: 'data[3] (udata 5d0000000000000000000002)',
    badReason: 'unknown role "owner"',
  },
  {
    system: 'ckan',
    sourceId: '7c1b9a3e-1f2d-4e5a-8b6c-000000000001',
    admin: '0f3a1c52-6c1e-4b7e-9a51-7d2f1e0c0001',
    promoted: '0f3a1c52-6c1e-4b7e-9a51-7d2f1e0c0002',
    gone: '0f3a1c52-6c1e-4b7e-9a51-7d2f1e0c0003',
    goneRoleInRoster: 'editor',
    newcomer: '0f3a1c52-6c1e-4b7e-9a51-7d2f1e0c0004',
    firstEvents: 6,
    changedEvents: 2,
    badRow: 'result[3] (ckan 7c1b9a3e-1f2d-4e5a-8b6c-000000000003)',
    badReason: 'the same user appears twice',
  },
  {
    system: 'data-fair',
    sourceId: 'koumoul-metropole',
    admin: 'sd-alice',
    promoted: 'sd-bob',
    gone: 'sd-carol',
    goneRoleInRoster: 'editor',
    newcomer: 'sd-dan',
    // + 2 departments
    firstEvents: 8,
    // department renamed, department added, role changed, member moved, member added
    changedEvents: 5,
    badRow: 'results[2] (data-fair sans-admin)',
    badReason: 'no organization-wide admin',
  },
];

let baseUrl: string;
let close: () => Promise<void>;
let dataDir: string;
let auditor: string;
let service: string;

const cli = (args: string[]) => runRosterCli({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET }, args);

const importFile = (format: Format, file: 'first' | 'changed', ...flags: string[]) =>
  cli(['import', '--from', format.system, join(FIXTURES, `${format.system}-${file}.json`), ...flags]);

/** Events in the store, counted behind the service: what "appends nothing" is judged by. */
function storedEvents(): number {
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const token = (userId: string, roles?: string[]) => signTestToken(SECRET, userId, roles ? { roles } : {});

async function call(method: string, path: string, userId: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  return requestJson(baseUrl, method, path, { token: await token(userId, userId === auditor ? ['auditor'] : userId === service ? ['service'] : undefined), body, headers });
}

function ok(answer: JsonAnswer): JsonAnswer {
  if (answer.status < 200 || answer.status >= 300) throw new Error(`expected 2xx, got ${answer.status}: ${answer.text}`);
  return answer;
}

/** The position of the organization's last event, for reading the read models after it (x-min-position). */
async function lastPosition(orgId: string): Promise<string> {
  const events = ok(await call('GET', `/organizations/${orgId}/history`, auditor)).body.events as Array<{ position: string }>;
  return events[events.length - 1].position;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-import-e2e-'));
  const roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
  baseUrl = roster.baseUrl;
  close = roster.close;
  auditor = `auditor-${randomUUID()}`;
  service = `service-${randomUUID()}`;
});

afterAll(async () => {
  await close?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.each(FORMATS)('roster import --from $system', (format) => {
  const orgId = importedOrganizationId(format.system, format.sourceId);
  let afterFirstImport: string;

  test('a dry run prints what it would record and appends nothing', async () => {
    const before = storedEvents();
    const run = await importFile(format, 'first', '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`add ${format.admin} as admin`);
    expect(run.stdout).toMatch(/^Dry run, nothing appended: .* 2 new, 0 changed, 0 unchanged/m);
    expect(storedEvents()).toBe(before);
  });

  test('the first run records every organization of the file, one append each, and says so in one line', async () => {
    const before = storedEvents();
    const run = await importFile(format, 'first');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^\\d organizations from ${format.system}: 2 new, 0 changed, 0 unchanged, \\d skipped, 0 failed; ${format.firstEvents} events appended`));
    expect(storedEvents()).toBe(before + format.firstEvents);
    const history = ok(await call('GET', `/organizations/${orgId}/history`, auditor)).body.events as Array<{ type: string; causationId: string; command: string }>;
    expect(history[0]).toMatchObject({ type: 'OrganizationImported', command: 'ImportOrganization', data: { source: { system: format.system, id: format.sourceId } } });
    // One append: every event of the organization was recorded by the one command.
    expect(new Set(history.map((event) => event.causationId)).size).toBe(1);
    afterFirstImport = new Date().toISOString();
  });

  test('the same file again appends nothing', async () => {
    const before = storedEvents();
    const run = await importFile(format, 'first');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 new, 0 changed, 2 unchanged');
    expect(storedEvents()).toBe(before);
  });

  test('the imported organization takes commands: its admin adds a member and changes a role over HTTP', async () => {
    const invited = `invited-${randomUUID()}`;
    const invitationId = ok(await call('POST', `/organizations/${orgId}/invitations`, format.admin, { userId: invited, role: 'member' })).body.invitationId;
    ok(await call('POST', `/organizations/${orgId}/invitations/${invitationId}/accept`, invited));
    // In Roster, the member the source is about to drop is given another role: Roster's change wins.
    ok(await call('PUT', `/organizations/${orgId}/members/${format.gone}/role`, format.admin, { role: format.goneRoleInRoster }));
  });

  test('a dry run of the changed file prints the difference and appends nothing', async () => {
    const before = storedEvents();
    const run = await importFile(format, 'changed', '--dry-run');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`add ${format.newcomer} as`);
    expect(storedEvents()).toBe(before);
  });

  test('the changed file appends what changed in the source, keeps what Roster did, and names its bad row with exit code 1', async () => {
    const before = storedEvents();
    const run = await importFile(format, 'changed');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${format.badRow}: not imported:`);
    expect(run.stderr).toContain(format.badReason);
    expect(run.stdout).toContain('1 changed, 1 unchanged');
    expect(run.stdout).toContain('1 failed');
    expect(storedEvents()).toBe(before + format.changedEvents);
    // Again: nothing more, and the bad row is still named.
    const again = await importFile(format, 'changed');
    expect(again.code).toBe(1);
    expect(storedEvents()).toBe(before + format.changedEvents);
  });

  test("history names each entry's command and an import's provenance, over HTTP and in the CLI table", async () => {
    type Entry = { type: string; command: string; provenance: { system: string; id: string; since: string | null } | null; data: { source?: unknown } };
    const events = ok(await call('GET', `/organizations/${orgId}/history?limit=1000`, auditor)).body.events as Entry[];
    const source = { system: format.system, id: format.sourceId };
    for (const entry of events) {
      if (entry.type === 'OrganizationImported' || entry.type === 'MemberImported') {
        expect(entry).toMatchObject({ command: 'ImportOrganization', provenance: { ...source, since: (entry.data.source as { since: string | null }).since } });
      } else if (entry.command === 'ImportOrganization') {
        expect(entry).toMatchObject({ provenance: { ...source, since: null } });
      } else {
        expect(entry.provenance).toBeNull();
      }
    }
    // Both kinds are there: changes the second import made, and what was done in Roster.
    expect(events.some((e) => e.command === 'ImportOrganization' && e.type !== 'MemberImported' && e.type !== 'OrganizationImported')).toBe(true);
    expect(events.some((e) => e.command === 'ChangeRole')).toBe(true);
    // A page that starts past the first event still names the organization's source.
    const later = ok(await call('GET', `/organizations/${orgId}/history?type=MemberRoleChanged,MemberRemoved,MemberDepartmentChanged,DepartmentAdded,DepartmentRenamed,OrganizationProfileUpdated`, auditor)).body.events as Entry[];
    for (const entry of later) expect(entry.provenance).toEqual(entry.command === 'ImportOrganization' ? { ...source, since: null } : null);
    const table = await cli(['history', orgId, '--type', 'OrganizationImported']);
    expect(table.stdout).toContain(`source=${format.system}:${JSON.stringify(format.sourceId)}`);
  });

  test('the members query shows the imported members, the change from the source and what Roster did', async () => {
    const position = await lastPosition(orgId);
    const members = ok(await call('GET', `/organizations/${orgId}/members`, format.admin, undefined, { 'x-min-position': position })).body.items as Array<{
      userId: string;
      role: string;
      via: string;
    }>;
    const byUser = Object.fromEntries(members.map((m) => [m.userId, m]));
    expect(byUser[format.admin]).toMatchObject({ role: 'admin', via: 'import' });
    expect(byUser[format.promoted]).toMatchObject({ role: 'admin', via: 'import' });
    expect(byUser[format.newcomer]).toMatchObject({ via: 'import' });
    // Gone from the source but changed in Roster since: kept.
    expect(byUser[format.gone]).toMatchObject({ role: format.goneRoleInRoster });
    expect(members.filter((m) => m.via === 'invitation')).toHaveLength(1);
  });

  test('the permission check answers for imported members', async () => {
    const position = await lastPosition(orgId);
    const check = async (userId: string, action: string) =>
      ok(await call('POST', '/authorizations/check', service, { userId, organizationId: orgId, action }, { 'x-min-position': position })).body;
    expect(await check(format.promoted, 'dataset.create')).toMatchObject({ allowed: true, role: 'admin' });
    expect(await check(format.gone, 'membership.invite')).toMatchObject({ allowed: false, role: format.goneRoleInRoster });
    expect(await check(`stranger-${randomUUID()}`, 'dataset.read')).toMatchObject({ allowed: false });
  });

  test('as-of between the two imports shows the organization as the first file had it', async () => {
    const view = ok(await call('GET', `/organizations/${orgId}/as-of?at=${encodeURIComponent(afterFirstImport)}`, auditor)).body;
    expect(view.exists).toBe(true);
    const roles = Object.fromEntries((view.members as Array<{ userId: string; role: string }>).map((m) => [m.userId, m.role]));
    expect(roles[format.promoted]).toBe('editor');
    expect(roles[format.gone]).toBeDefined();
    expect(roles[format.newcomer]).toBeUndefined();
  });

  test('the CLI history names the import and the chain verifies', async () => {
    const history = await cli(['history', orgId]);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('OrganizationImported');
    expect(history.stdout).toContain('MemberImported');
    const verify = await cli(['verify', orgId]);
    expect(verify.code).toBe(0);
  });
});

describe('roster import refuses what it cannot read', () => {
  test('a file that is not the format named is refused whole, naming it', async () => {
    const run = await cli(['import', '--from', 'ckan', join(FIXTURES, 'udata-first.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not a CKAN organization_list answer');
  });

  test('an unknown format is a usage error', async () => {
    const run = await cli(['import', '--from', 'socrata', join(FIXTURES, 'udata-first.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--from must be one of udata, ckan, data-fair');
  });
});
