/**
 * `npm run bench:queries`: the service's CPU per request on each query route and on the
 * permission check, measured in the same run, with each route's ratio to the check; ONE JSON
 * line on stdout (progress on stderr).
 *
 * The compiled service runs as a child process on the embedded store (as `npm start` runs
 * it) with ORGANIZATIONS organizations made through the API: MEMBERS members each (two
 * departments, some members in one), pending invitations (by user id and by e-mail, whose
 * addresses are sealed and opened per answer), pending join requests with a message, one
 * partner each, and a user U in USER_ORGANIZATIONS of them. autocannon (in this process) drives
 * one route at a time; the service's CPU time over a run (/proc) divided by its answers is the
 * figure, steadier than rates on a shared machine. The check is measured right before each
 * route and the route's ratio is to that run, so drift falls on both sides.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signTestToken, startServiceProcess, stopProcess, type ServiceProcess } from '@roster/testing';
import { cannon, embeddedServiceEnv, processCpuMs, request, round } from './support';

const ROOT = resolve(__dirname, '..', '..');
const SERVICE_ENTRY = join(ROOT, 'dist/apps/roster/src/main.js');
const REGISTER_PATHS = ['-r', join(ROOT, 'scripts/register-paths.js')];

const ORGANIZATIONS = 20;
const MEMBERS = 20;
const PENDING_INVITATIONS = 6;
const PENDING_REQUESTS = 3;
const USER_ORGANIZATIONS = 5;
const CONNECTIONS = 16;
const WARMUP_S = 1;
const RUN_S = Number(process.env.BENCH_QUERIES_SECONDS ?? 5);

const log = (message: string) => process.stderr.write(`[bench:queries] ${message}\n`);

interface Org {
  readonly id: string;
  readonly admin: string;
  readonly adminToken: string;
}

async function main(): Promise<void> {
  const began = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-queries-'));
  const secret = `bench-${randomUUID()}-${randomUUID()}`;
  const sign = (sub: string, claims: Record<string, unknown> = {}) => signTestToken(secret, sub, claims, '2h');
  let service: ServiceProcess | undefined;
  try {
    const env = embeddedServiceEnv(dataDir, secret);
    // BENCH_SERVICE_NODE_ARGS: extra node flags for the service only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
    const serviceArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
    service = await startServiceProcess({ entry: SERVICE_ENTRY, nodeArgs: [...REGISTER_PATHS, ...serviceArgs], cwd: ROOT, env });
    const url = service.baseUrl;

    log(`making ${ORGANIZATIONS} organizations of ${MEMBERS} members`);
    const userU = `user-${randomUUID()}`;
    const userToken = await sign(userU);
    const orgs: Org[] = [];
    let lastPosition = '0';
    for (let i = 0; i < ORGANIZATIONS; i++) {
      const admin = `admin-${randomUUID()}`;
      const adminToken = await sign(admin);
      const { organizationId } = await request(url, adminToken, 'POST', '/organizations', { name: `Bench organization ${i}`, description: 'A benchmark organization' });
      const org = { id: String(organizationId), admin, adminToken };
      orgs.push(org);
      const path = `/organizations/${org.id}`;
      for (const departmentId of ['water', 'roads']) await request(url, adminToken, 'POST', `${path}/departments`, { departmentId, name: `Department ${departmentId}` });
      const members = Array.from({ length: MEMBERS }, (_, m) => ({ userId: `member-${randomUUID()}`, role: (['member', 'editor', 'admin'] as const)[m % 3], departmentId: m % 4 === 0 ? 'water' : null }));
      if (i < USER_ORGANIZATIONS) members.push({ userId: userU, role: 'editor', departmentId: null });
      await Promise.all(
        members.map(async (member) => {
          const { invitationId } = await request(url, adminToken, 'POST', `${path}/invitations`, member);
          const token = member.userId === userU ? userToken : await sign(member.userId);
          await request(url, token, 'POST', `${path}/invitations/${String(invitationId)}/accept`);
        }),
      );
      for (let n = 0; n < PENDING_INVITATIONS; n++) {
        const invitee = n % 2 === 0 ? { userId: `invitee-${randomUUID()}` } : { email: `invitee-${randomUUID().slice(0, 8)}@example.org` };
        await request(url, adminToken, 'POST', `${path}/invitations`, { ...invitee, role: 'member' });
      }
      for (let n = 0; n < PENDING_REQUESTS; n++) {
        await request(url, await sign(`requester-${randomUUID()}`), 'POST', `${path}/join-requests`, { message: `Please let me in (${n})` });
      }
    }
    log('partnerships');
    for (let i = 0; i < ORGANIZATIONS; i++) {
      const a = orgs[i];
      const b = orgs[(i + 1) % ORGANIZATIONS];
      const { partnershipId } = await request(url, a.adminToken, 'POST', `/organizations/${a.id}/partners`, { partnerOrganizationId: b.id, access: 'read' });
      const accepted = await request(url, b.adminToken, 'POST', `/organizations/${a.id}/partners/${String(partnershipId)}/accept`, {});
      lastPosition = String(accepted.position ?? lastPosition);
    }
    // Read-your-writes: the first read waits until the read models reflect the last command.
    const org = orgs[0];
    await fetch(`${url}/organizations/${org.id}`, { headers: { authorization: `Bearer ${org.adminToken}`, 'x-min-position': lastPosition } }).then((r) => r.arrayBuffer());

    const serviceToken = await sign('bench-service', { roles: ['service'] });
    const checkBody = JSON.stringify({ userId: userU, organizationId: org.id, action: 'dataset.read' });
    type Route = { readonly name: string; readonly method: 'GET' | 'POST'; readonly path: string; readonly token: string; readonly body?: string };
    const check: Route = { name: 'check', method: 'POST', path: '/authorizations/check', token: serviceToken, body: checkBody };
    const routes: Route[] = [
      { name: 'user_organizations', method: 'GET', path: `/users/${userU}/organizations`, token: userToken },
      { name: 'profile', method: 'GET', path: `/organizations/${org.id}`, token: org.adminToken },
      { name: 'members', method: 'GET', path: `/organizations/${org.id}/members`, token: org.adminToken },
      { name: 'dashboard', method: 'GET', path: `/organizations/${org.id}/dashboard`, token: org.adminToken },
      { name: 'invitations', method: 'GET', path: `/organizations/${org.id}/invitations`, token: org.adminToken },
      { name: 'join_requests', method: 'GET', path: `/organizations/${org.id}/join-requests`, token: org.adminToken },
      { name: 'departments', method: 'GET', path: `/organizations/${org.id}/departments`, token: org.adminToken },
      { name: 'partners', method: 'GET', path: `/organizations/${org.id}/partners`, token: org.adminToken },
      { name: 'partner_of', method: 'GET', path: `/organizations/${orgs[1].id}/partner-of`, token: orgs[1].adminToken },
    ];

    let non2xx = 0;
    let errors = 0;
    const measure = async (route: Route) => {
      const options = {
        url: `${url}${route.path}`,
        method: route.method,
        connections: CONNECTIONS,
        headers: { authorization: `Bearer ${route.token}`, ...(route.body ? { 'content-type': 'application/json' } : {}) },
        ...(route.body ? { body: route.body } : {}),
      };
      await cannon({ ...options, duration: WARMUP_S });
      const before = processCpuMs(service!.child.pid);
      const run = await cannon({ ...options, duration: RUN_S });
      const after = processCpuMs(service!.child.pid);
      non2xx += run.non2xx;
      errors += run.errors;
      const cpuMs = before !== undefined && after !== undefined && run.requests > 0 ? (after - before) / run.requests : NaN;
      log(`${route.name}: ${run.perSecond.toFixed(0)}/s, ${cpuMs.toFixed(3)} ms CPU per request`);
      return { perSecond: run.perSecond, cpuMs };
    };

    // Each route right after a run of the check: its ratio is to that check, so the machine's drift falls on both.
    const measured: Record<string, { perSecond: number; cpuMs: number; checkCpuMs: number }> = {};
    const checks: { perSecond: number; cpuMs: number }[] = [];
    // BENCH_QUERIES_ONLY=dashboard,members: those routes only (to profile one).
    const only = process.env.BENCH_QUERIES_ONLY?.split(',');
    for (const route of routes.filter((r) => !only || only.includes(r.name))) {
      const before = await measure(check);
      checks.push(before);
      measured[route.name] = { ...(await measure(route)), checkCpuMs: before.cpuMs };
    }
    const checkCpu = checks.reduce((sum, c) => sum + c.cpuMs, 0) / checks.length;

    const ratios = Object.fromEntries(Object.entries(measured).map(([name, m]) => [name, round(m.cpuMs / m.checkCpuMs, 2)]));
    const worst = Object.entries(ratios).reduce((a, b) => (b[1] > a[1] ? b : a));
    const line = {
      bench: 'queries',
      store: 'embedded',
      connections: CONNECTIONS,
      organizations: ORGANIZATIONS,
      members_per_organization: MEMBERS + 1,
      user_organizations: USER_ORGANIZATIONS,
      check_cpu_ms: round(checkCpu, 4),
      check_per_s: round(checks.reduce((sum, c) => sum + c.perSecond, 0) / checks.length, 0),
      cpu_ms: Object.fromEntries(Object.entries(measured).map(([name, m]) => [name, round(m.cpuMs, 4)])),
      per_s: Object.fromEntries(Object.entries(measured).map(([name, m]) => [name, round(m.perSecond, 0)])),
      ratio_to_check: ratios,
      worst_route: worst[0],
      worst_ratio: worst[1],
      target_ratio: 3,
      non2xx,
      errors,
      duration_s: round((Date.now() - began) / 1000, 1),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } catch (error) {
    if (service) process.stderr.write(service.output.join(''));
    throw error;
  } finally {
    if (service) await stopProcess(service.child, 'SIGTERM', 5000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
