/**
 * `npm run bench:peers`: Roster beside the systems a portal would pick instead, on this
 * machine, with the same organizations and the same load generator (autocannon, in this
 * process), printed as ONE JSON line on stdout (progress on stderr): each system's rate for
 * the permission check, a batch of 50 checks, a page of 50 members, "which organizations is
 * user U in" and a membership write, and Roster's ratio to each peer. A benchmark, not a test.
 *
 * - OpenFGA, built from the Go module proxy into .cache/bin (`go install`, once), run with its
 *   memory datastore; the model: organization admin ⊂ editor ⊂ member. Check, batch-check,
 *   list-users (members), list-objects (which organizations), write then delete of a tuple.
 * - Keycloak's distribution from Maven Central (org.keycloak:keycloak-quarkus-dist, into
 *   .cache/keycloak, once), run `start-dev` on an in-memory database with the first Java 21 or
 *   newer found (JAVA_HOME, the Temurin JDK, `java` on the PATH); skipped by name when there is
 *   none. Organizations (realm feature): members page, a member's organizations, add then remove
 *   a member. It has no permission check.
 * - Roster: the compiled service on its embedded store (as `npm start` runs it), the same
 *   organizations written straight to its event store. Check, batch, members page, a user's
 *   organizations, InviteMember then RevokeInvitation (fsynced appends).
 * Systems are measured one after the other, each alone on the machine; rates in requests/s
 * (the batch in checks/s).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type autocannon from 'autocannon';
import { freePort, signTestToken, startServiceProcess, stopProcess } from '@roster/testing';
import { loadRosterConfig } from '../apps/roster/src/config/roster-config';
import { appendHistory, inviteThenRevoke, memberJoined, type SeedEvent } from './crowded-organization';
import { cannon, embeddedServiceEnv, request, round, sleep, type Run } from './support';

const ROOT = resolve(__dirname, '..', '..');
const CACHE = join(ROOT, '.cache');
const SERVICE_ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const REGISTER_PATHS = ['-r', join(ROOT, 'scripts/register-paths.js')];
const OPENFGA_VERSION = 'v1.22.1';
const KEYCLOAK_VERSION = '26.7.3';
const JAVA_CANDIDATES = ['/usr/lib/jvm/temurin-25-jdk-amd64'];

const ORGANIZATIONS = 50;
const MEMBERS = 60;
const USER_ORGANIZATIONS = 5;
const BATCH = 50;
const CONNECTIONS = 16;
const RUN_S = Number(process.env.BENCH_PEERS_SECONDS ?? 8);
const WARMUP_S = 2;

const log = (message: string) => process.stderr.write(`[bench:peers] ${message}\n`);

type Role = 'member' | 'editor' | 'admin';
interface Dataset {
  readonly organizations: { readonly key: string; readonly members: { readonly userId: string; readonly role: Role }[] }[];
  /** The user in USER_ORGANIZATIONS organizations. */
  readonly userU: string;
}

function dataset(): Dataset {
  const userU = `user-u-${randomUUID().slice(0, 8)}`;
  const organizations = Array.from({ length: ORGANIZATIONS }, (_, o) => ({
    key: `org-${o}`,
    members: [
      ...Array.from({ length: MEMBERS }, (_, m) => ({ userId: `u${o}-${m}-${randomUUID().slice(0, 8)}`, role: (m === 0 ? 'admin' : m % 5 === 0 ? 'editor' : 'member') as Role })),
      ...(o < USER_ORGANIZATIONS ? [{ userId: userU, role: 'member' as Role }] : []),
    ],
  }));
  return { organizations, userU };
}

interface Figures {
  check?: number;
  batch_checks?: number;
  members_page?: number;
  which_organizations?: number;
  membership_write?: number;
}

async function rate(name: string, options: autocannon.Options, perRequest = 1): Promise<number> {
  await cannon({ ...options, connections: CONNECTIONS, duration: WARMUP_S });
  const run: Run = await cannon({ ...options, connections: CONNECTIONS, duration: RUN_S });
  if (run.non2xx > 0 || run.errors > 0) log(`${name}: ${run.non2xx} non-2xx, ${run.errors} errors`);
  log(`${name}: ${run.perSecond.toFixed(0)} requests/s, p99 ${run.p99} ms`);
  return round(run.perSecond * perRequest, 0);
}

/** A write cycle's state per connection: the user added, and where. */
interface WriteContext {
  user?: string;
  org?: string;
}

function pickOrganization(data: Dataset): string {
  return data.organizations[Math.floor(Math.random() * data.organizations.length)].key;
}

function spawnLogged(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): { child: ChildProcess; output: string[] } {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output };
}

async function waitFor(url: string, timeoutMs: number, output: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output.join('').slice(-3000)}`);
}

// ---------------------------------------------------------------------------------------
// Roster

async function roster(data: Dataset): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-peers-'));
  const secret = `bench-${randomUUID()}-${randomUUID()}`;
  try {
    const storePath = loadRosterConfig({ ROSTER_DATA_DIR: dataDir }, 'tool').eventStore;
    if (storePath.kind !== 'sqlite') throw new Error('expected the embedded store');
    const ids = new Map<string, { id: string; admin: string }>();
    for (const org of data.organizations) {
      const id = randomUUID();
      const admin = org.members[0].userId;
      ids.set(org.key, { id, admin });
      await appendHistory(storePath.path, id, membershipHistory(id, `Organization ${org.key}`, admin, org.members.slice(1)));
    }
    const env = embeddedServiceEnv(dataDir, secret);
    const service = await startServiceProcess({ entry: SERVICE_ENTRY, nodeArgs: REGISTER_PATHS, cwd: ROOT, env });
    try {
      const url = service.baseUrl;
      const serviceToken = await signTestToken(secret, 'bench-service', { roles: ['service'] }, '2h');
      const first = ids.get(data.organizations[0].key)!;
      const targets = await Promise.all([...ids.values()].map(async ({ id, admin }) => ({ id, adminToken: await signTestToken(secret, admin, {}, '2h') })));
      // Wait for the read models: the first organization's profile answers once projected.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const response = await fetch(`${url}/organizations/${ids.get(data.organizations[ORGANIZATIONS - 1].key)!.id}`, { headers: { authorization: `Bearer ${serviceToken}` } });
        await response.arrayBuffer();
        if (response.ok) break;
        if (Date.now() > deadline) throw new Error('Roster did not project the organizations');
        await sleep(200);
      }
      const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
      const check = { userId: data.userU, organizationId: first.id, action: 'dataset.read' };
      const batch = data.organizations.slice(0, BATCH).map((org) => ({ userId: data.userU, organizationId: ids.get(org.key)!.id, action: 'dataset.read' }));
      return {
        check: await rate('roster check', { url: `${url}/authorizations/check`, method: 'POST', headers: json(serviceToken), body: JSON.stringify(check) }),
        batch_checks: await rate('roster batch', { url: `${url}/authorizations/check/batch`, method: 'POST', headers: json(serviceToken), body: JSON.stringify({ checks: batch }) }, BATCH),
        members_page: await rate('roster members', { url: `${url}/organizations/${first.id}/members?limit=50`, headers: { authorization: `Bearer ${serviceToken}` } }),
        which_organizations: await rate('roster which organizations', { url: `${url}/users/${data.userU}/organizations`, headers: { authorization: `Bearer ${serviceToken}` } }),
        membership_write: await rate('roster write', { url, requests: inviteThenRevoke(() => targets[Math.floor(Math.random() * targets.length)]) }),
      };
    } finally {
      await stopProcess(service.child, 'SIGTERM', 5000);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** An organization created by `admin`, with each member invited by id and accepting. */
function* membershipHistory(organizationId: string, name: string, admin: string, members: readonly { userId: string; role: Role }[]): Iterable<SeedEvent> {
  yield { type: 'OrganizationCreated', data: { organizationId, name, description: '', createdBy: admin }, command: 'CreateOrganization', actor: admin };
  for (const { userId, role } of members) yield* memberJoined(organizationId, admin, userId, role);
}

// ---------------------------------------------------------------------------------------
// OpenFGA

function openfgaBinary(): string {
  const bin = join(CACHE, 'bin');
  const binary = join(bin, 'openfga');
  if (!existsSync(binary)) {
    log(`building OpenFGA ${OPENFGA_VERSION} from the Go module proxy (once)`);
    mkdirSync(bin, { recursive: true });
    execFileSync('go', ['install', `github.com/openfga/openfga/cmd/openfga@${OPENFGA_VERSION}`], { env: { ...process.env, GOBIN: bin }, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return binary;
}

async function openfga(data: Dataset): Promise<Figures> {
  const binary = openfgaBinary();
  const [http, grpc] = [await freePort(), await freePort()];
  const server = spawnLogged(
    binary,
    ['run', '--datastore-engine', 'memory', '--http-addr', `127.0.0.1:${http}`, '--grpc-addr', `127.0.0.1:${grpc}`, '--playground-enabled=false', '--metrics-enabled=false', '--log-level', 'warn'],
    { ...process.env },
  );
  try {
    const url = `http://127.0.0.1:${http}`;
    await waitFor(`${url}/healthz`, 60_000, server.output);
    const { id: store } = await request(url, undefined, 'POST', '/stores', { name: 'bench' });
    const direct = (relation?: string) => (relation ? { union: { child: [{ this: {} }, { computedUserset: { relation } }] } } : { this: {} });
    const users = { directly_related_user_types: [{ type: 'user' }] };
    const { authorization_model_id: model } = await request(url, undefined, 'POST', `/stores/${String(store)}/authorization-models`, {
      schema_version: '1.1',
      type_definitions: [
        { type: 'user' },
        {
          type: 'organization',
          relations: { admin: direct(), editor: direct('admin'), member: direct('editor') },
          metadata: { relations: { admin: users, editor: users, member: users } },
        },
      ],
    });
    const base = `/stores/${String(store)}`;
    const tuples = data.organizations.flatMap((org) => org.members.map((m) => ({ user: `user:${m.userId}`, relation: m.role, object: `organization:${org.key}` })));
    for (let i = 0; i < tuples.length; i += 100) {
      await request(url, undefined, 'POST', `${base}/write`, { writes: { tuple_keys: tuples.slice(i, i + 100) }, authorization_model_id: model });
    }
    log(`OpenFGA: ${tuples.length} tuples written`);
    const headers = { 'content-type': 'application/json' };
    const first = data.organizations[0].key;
    const checkBody = { tuple_key: { user: `user:${data.userU}`, relation: 'member', object: `organization:${first}` }, authorization_model_id: model };
    const batchBody = {
      checks: data.organizations.slice(0, BATCH).map((org, i) => ({ tuple_key: { user: `user:${data.userU}`, relation: 'member', object: `organization:${org.key}` }, correlation_id: String(i) })),
      authorization_model_id: model,
    };
    const writeCycle: autocannon.Request[] = [
      {
        setupRequest: (req, context: WriteContext) => {
          context.user = `user:w-${randomUUID()}`;
          context.org = pickOrganization(data);
          return { ...req, method: 'POST', path: `${base}/write`, headers, body: JSON.stringify({ writes: { tuple_keys: [{ user: context.user, relation: 'member', object: `organization:${context.org}` }] }, authorization_model_id: model }) };
        },
      },
      {
        setupRequest: (req, context: WriteContext) => ({
          ...req,
          method: 'POST',
          path: `${base}/write`,
          headers,
          body: JSON.stringify({ deletes: { tuple_keys: [{ user: context.user, relation: 'member', object: `organization:${context.org}` }] }, authorization_model_id: model }),
        }),
      },
    ];
    return {
      check: await rate('openfga check', { url: `${url}${base}/check`, method: 'POST', headers, body: JSON.stringify(checkBody) }),
      batch_checks: await rate('openfga batch-check', { url: `${url}${base}/batch-check`, method: 'POST', headers, body: JSON.stringify(batchBody) }, BATCH),
      members_page: await rate('openfga list-users', {
        url: `${url}${base}/list-users`,
        method: 'POST',
        headers,
        body: JSON.stringify({ object: { type: 'organization', id: first }, relation: 'member', user_filters: [{ type: 'user' }], authorization_model_id: model }),
      }),
      which_organizations: await rate('openfga list-objects', {
        url: `${url}${base}/list-objects`,
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'organization', relation: 'member', user: `user:${data.userU}`, authorization_model_id: model }),
      }),
      membership_write: await rate('openfga write', { url, requests: writeCycle }),
    };
  } finally {
    await stopProcess(server.child, 'SIGTERM', 5000);
  }
}

// ---------------------------------------------------------------------------------------
// Keycloak

/** JAVA_HOME, the Temurin JDK, then `java` on the PATH: the first whose major version is at least 21. */
function java21(): string | undefined {
  const homes = [process.env.JAVA_HOME, ...JAVA_CANDIDATES].filter((home): home is string => !!home);
  for (const java of [...homes.map((home) => join(home, 'bin', 'java')), 'java']) {
    const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
    const major = /version "(\d+)/.exec(result.stderr ?? '')?.[1];
    if (result.status === 0 && major !== undefined && Number(major) >= 21) return java;
  }
  return undefined;
}

function keycloakHome(): string {
  const dir = join(CACHE, 'keycloak');
  const home = join(dir, `keycloak-${KEYCLOAK_VERSION}`);
  if (!existsSync(join(home, 'bin', 'kc.sh'))) {
    mkdirSync(dir, { recursive: true });
    const archive = join(dir, `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz`);
    if (!existsSync(archive)) {
      log(`fetching Keycloak ${KEYCLOAK_VERSION} from Maven Central (once)`);
      execFileSync(
        'mvn',
        ['-q', 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy', `-Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz`, `-DoutputDirectory=${dir}`],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
    }
    execFileSync('tar', ['xzf', archive, '-C', dir]);
  }
  return home;
}

async function keycloak(data: Dataset, java: string): Promise<Figures> {
  const home = keycloakHome();
  const [http, management] = [await freePort(), await freePort()];
  const password = randomUUID();
  const javaHome = resolve(java, '..', '..');
  const server = spawnLogged(
    join(home, 'bin', 'kc.sh'),
    ['start-dev', '--db=dev-mem', `--http-port=${http}`, '--http-host=127.0.0.1', `--http-management-port=${management}`, '--cache=local', '--log-level=warn'],
    { ...process.env, JAVA_HOME: javaHome, PATH: `${join(javaHome, 'bin')}:${process.env.PATH}`, KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: password, JAVA_OPTS_KC_HEAP: '-Xms256m -Xmx1g' },
    home,
  );
  try {
    const url = `http://127.0.0.1:${http}`;
    await waitFor(`${url}/realms/master`, 300_000, server.output);
    const token = async () => {
      const response = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password }),
      });
      if (!response.ok) throw new Error(`Keycloak token: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { access_token: string }).access_token;
    };
    // Admin tokens long enough for a whole run.
    await request(url, await token(), 'PUT', '/admin/realms/master', { accessTokenLifespan: 7200 });
    const admin = await token();
    await request(url, admin, 'POST', '/admin/realms', { realm: 'bench', enabled: true, organizationsEnabled: true });
    /** POSTs `body`; the id at the end of the Location header, when there is one. */
    const post = async (path: string, body: unknown): Promise<string> => {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await response.text();
      if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`);
      const location = response.headers.get('location') ?? '';
      return location.slice(location.lastIndexOf('/') + 1);
    };
    const userIds = new Map<string, string>();
    const userOf = async (userId: string) => {
      let id = userIds.get(userId);
      if (!id) userIds.set(userId, (id = await post('/admin/realms/bench/users', { username: userId, enabled: true })));
      return id;
    };
    const orgIds: string[] = [];
    for (const org of data.organizations) {
      const orgId = await post('/admin/realms/bench/organizations', { name: `Organization ${org.key}`, alias: org.key, enabled: true, domains: [{ name: `${org.key}.example.org` }] });
      orgIds.push(orgId);
      for (let i = 0; i < org.members.length; i += 8) {
        await Promise.all(
          org.members.slice(i, i + 8).map(async (member) => {
            await post(`/admin/realms/bench/organizations/${orgId}/members`, await userOf(member.userId));
          }),
        );
      }
    }
    log(`Keycloak: ${ORGANIZATIONS} organizations, ${userIds.size} users`);
    const headers = { authorization: `Bearer ${admin}` };
    const pool = await Promise.all(Array.from({ length: 64 }, (_, i) => userOf(`writer-${i}-${randomUUID().slice(0, 8)}`)));
    let next = 0;
    // Each writer user goes to one organization at a time: its own add then remove.
    const writeCycle: autocannon.Request[] = [
      {
        setupRequest: (req, context: WriteContext) => {
          context.user = pool[next++ % pool.length];
          context.org = orgIds[Math.floor(Math.random() * orgIds.length)];
          return { ...req, method: 'POST', path: `/admin/realms/bench/organizations/${context.org}/members`, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(context.user) };
        },
      },
      {
        setupRequest: (req, context: WriteContext) => ({ ...req, method: 'DELETE', path: `/admin/realms/bench/organizations/${context.org}/members/${context.user}`, headers, body: undefined }),
      },
    ];
    const u = userIds.get(data.userU)!;
    return {
      members_page: await rate('keycloak members', { url: `${url}/admin/realms/bench/organizations/${orgIds[0]}/members?first=0&max=50`, headers }),
      which_organizations: await rate('keycloak member organizations', { url: `${url}/admin/realms/bench/organizations/members/${u}/organizations`, headers }),
      membership_write: await rate('keycloak add/remove member', { url, requests: writeCycle }),
    };
  } finally {
    await stopProcess(server.child, 'SIGTERM', 15_000);
  }
}

// ---------------------------------------------------------------------------------------

function ratios(ours: Figures, theirs: Figures): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(theirs)) {
    const mine = ours[key as keyof Figures];
    if (typeof value === 'number' && value > 0 && typeof mine === 'number') out[key] = round(mine / value, 2);
  }
  return out;
}

async function main(): Promise<void> {
  const began = Date.now();
  const data = dataset();
  log('Roster');
  const rosterFigures = await roster(data);
  log('OpenFGA');
  const openfgaFigures = await openfga(data);
  const java = java21();
  let keycloakFigures: Figures | undefined;
  let keycloakSkipped: string | undefined;
  if (java) {
    log(`Keycloak (${java})`);
    keycloakFigures = await keycloak(data, java);
  } else {
    keycloakSkipped = 'Keycloak skipped: no Java 21 or newer found (JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64, java on the PATH)';
    log(keycloakSkipped);
  }
  const line = {
    bench: 'peers',
    organizations: ORGANIZATIONS,
    members_per_organization: MEMBERS + 1,
    user_organizations: USER_ORGANIZATIONS,
    connections: CONNECTIONS,
    run_s: RUN_S,
    batch_size: BATCH,
    roster: rosterFigures,
    openfga: { version: OPENFGA_VERSION, datastore: 'memory', ...openfgaFigures },
    keycloak: keycloakFigures ? { version: KEYCLOAK_VERSION, db: 'dev-mem', ...keycloakFigures } : { skipped: keycloakSkipped },
    roster_vs_openfga: ratios(rosterFigures, openfgaFigures),
    roster_vs_keycloak: keycloakFigures ? ratios(rosterFigures, keycloakFigures) : null,
    which_organizations_target_vs_keycloak: 2,
    duration_s: round((Date.now() - began) / 1000, 1),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
