/**
 * `npm run bench:query-work`: the query routes' own work, in process: each controller method
 * called directly (no HTTP, no Nest request chain, no serialization but dashboard_json and
 * dashboard_stringify: the dashboard serialized by answerJson, by JSON.stringify), its CPU
 * per call, ONE JSON line; CONCURRENCY calls at a time (1 by default). The data as bench:queries makes it (ORGS organizations, 3 by default, of 20
 * members, 6 pending invitations, 3 pending join requests); VARIED=1 adds handled requests and
 * invitations, a removal, a role change and partnerships. ONLY=dashboard,members: those
 * routes; N: calls per route. DATA_DIR keeps the data and reuses it on the next run, and
 * DUMP=1 prints every route's answers instead (variants included) for every organization:
 * two builds run on one DATA_DIR must print the same bytes.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onceFound } from '@roster/read-models';
import { signTestToken } from '@roster/testing';
import { createApp } from '../apps/roster/src/main';
import { loadRosterConfig } from '../apps/roster/src/config/roster-config';
import { answerJson } from '../apps/roster/src/http/answer-json';
import { OrganizationQueriesController } from '../apps/roster/src/queries/organization-queries.controller';
import { embeddedServiceEnv, request } from './support';

const ORGANIZATIONS = Number(process.env.ORGS ?? 3);
const MEMBERS = 20;

async function main(): Promise<void> {
  // DATA_DIR: kept, and reused when it holds a run's organizations (to compare answers across builds).
  const kept = process.env.DATA_DIR;
  if (kept) mkdirSync(kept, { recursive: true });
  const dataDir = kept ?? mkdtempSync(join(tmpdir(), 'roster-query-work-'));
  const saved = join(dataDir, 'orgs.json');
  const reuse = existsSync(saved);
  const secret = reuse ? String(JSON.parse(readFileSync(saved, 'utf8')).secret) : `bench-${randomUUID()}-${randomUUID()}`;
  const sign = (sub: string) => signTestToken(secret, sub, {}, '2h');
  const env = { ...embeddedServiceEnv(dataDir, secret), PORT: '0', ROSTER_API_WORKERS: '1' };
  const app = await createApp(loadRosterConfig(env), { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  try {
    const orgs: { id: string; admin: string }[] = reuse ? JSON.parse(readFileSync(saved, 'utf8')).orgs : [];
    let lastPosition = reuse ? String(JSON.parse(readFileSync(saved, 'utf8')).lastPosition) : '0';
    for (let i = 0; i < (reuse ? 0 : ORGANIZATIONS); i++) {
      const admin = `admin-${randomUUID()}`;
      const adminToken = await sign(admin);
      const { organizationId } = await request(url, adminToken, 'POST', '/organizations', { name: `Bench organization ${i}`, description: 'A benchmark organization' });
      const id = String(organizationId);
      orgs.push({ id, admin });
      const path = `/organizations/${id}`;
      for (const departmentId of ['water', 'roads']) await request(url, adminToken, 'POST', `${path}/departments`, { departmentId, name: `Department ${departmentId}` });
      const members = Array.from({ length: MEMBERS }, (_, m) => ({ userId: `member-${randomUUID()}`, role: (['member', 'editor', 'admin'] as const)[m % 3], departmentId: m % 4 === 0 ? 'water' : null }));
      for (const member of members) {
        const { invitationId } = await request(url, adminToken, 'POST', `${path}/invitations`, member);
        const r = await request(url, await sign(member.userId), 'POST', `${path}/invitations/${String(invitationId)}/accept`);
        lastPosition = String(r.position ?? lastPosition);
      }
      for (let n = 0; n < 6; n++) {
        const invitee = n % 2 === 0 ? { userId: `invitee-${randomUUID()}` } : { email: `invitee-${randomUUID().slice(0, 8)}@example.org` };
        await request(url, adminToken, 'POST', `${path}/invitations`, { ...invitee, role: 'member' });
      }
      for (let n = 0; n < 3; n++) {
        const r = await request(url, await sign(`requester-${randomUUID()}`), 'POST', `${path}/join-requests`, { message: `Please let me in (${n})` });
        lastPosition = String(r.position ?? lastPosition);
      }
      if (process.env.VARIED) {
        // Handled requests and invitations, a removal with a reason, a role change, a partnership.
        const rejected = await request(url, await sign(`requester-${randomUUID()}`), 'POST', `${path}/join-requests`, { message: 'Rejected one' });
        await request(url, adminToken, 'POST', `${path}/join-requests/${String(rejected.requestId)}/reject`, { reason: 'Not this time' });
        const revoked = await request(url, adminToken, 'POST', `${path}/invitations`, { email: `revoked-${randomUUID().slice(0, 8)}@example.org`, role: 'editor' });
        await request(url, adminToken, 'DELETE', `${path}/invitations/${String(revoked.invitationId)}`);
        await request(url, adminToken, 'DELETE', `${path}/members/${members[1].userId}`, { reason: 'Moved away' });
        await request(url, adminToken, 'PUT', `${path}/members/${members[2].userId}/role`, { role: 'editor' });
        if (i > 0) {
          const previous = orgs[i - 1];
          const { partnershipId } = await request(url, adminToken, 'POST', `${path}/partners`, { partnerOrganizationId: previous.id, access: 'read' });
          const r = await request(url, await sign(previous.admin), 'POST', `${path}/partners/${String(partnershipId)}/accept`, {});
          lastPosition = String(r.position ?? lastPosition);
        }
      }
    }
    if (kept && !reuse) writeFileSync(saved, JSON.stringify({ secret, orgs, lastPosition }));
    const org = orgs[0];
    await fetch(`${url}/organizations/${org.id}`, { headers: { authorization: `Bearer ${await sign(org.admin)}`, 'x-min-position': lastPosition } }).then((r) => r.arrayBuffer());
    const controller = app.get(OrganizationQueriesController);
    const actor = { userId: org.admin, platformRoles: [] };
    const routes: Record<string, () => unknown> = {
      profile: () => controller.profile(org.id, actor),
      members: () => controller.members(org.id, actor),
      dashboard: () => controller.dashboard(org.id, actor),
      // The dashboard's answer serialized as the fast path does (answerJson), and as fastify would by itself.
      dashboard_json: () => onceFound(controller.dashboard(org.id, actor), answerJson),
      dashboard_stringify: () => onceFound(controller.dashboard(org.id, actor), (answer) => JSON.stringify(answer)),
      invitations: () => controller.invitations(org.id, actor),
      join_requests: () => controller.joinRequests(org.id, actor),
      departments: () => controller.departments(org.id, actor),
      partners: () => controller.partners(org.id, actor),
    };
    if (process.env.DUMP) {
      // Every route's answer for every organization, as JSON lines (all statuses, a role, a department, pages).
      for (const o of orgs) {
        const a = { userId: o.admin, platformRoles: [] };
        const first = await controller.members(o.id, a, undefined, '5');
        const answers = {
          profile: await controller.profile(o.id, a),
          members: await controller.members(o.id, a),
          membersEditors: await controller.members(o.id, a, 'editor', '3'),
          membersWater: await controller.members(o.id, a, undefined, undefined, undefined, 'water'),
          membersPage2: await controller.members(o.id, a, undefined, '5', first.nextCursor),
          dashboard: await controller.dashboard(o.id, a),
          invitations: await controller.invitations(o.id, a),
          invitationsAll: await controller.invitations(o.id, a, 'all'),
          joinRequests: await controller.joinRequests(o.id, a),
          joinRequestsAll: await controller.joinRequests(o.id, a, 'all'),
          departments: await controller.departments(o.id, a),
          partners: await controller.partners(o.id, a),
          partnerOf: await controller.partnerOf(o.id, a),
        };
        for (const [name, answer] of Object.entries(answers)) process.stdout.write(`${name} ${JSON.stringify(answer)}\n`);
      }
      return;
    }
    if (process.env.SHOW) {
      process.stdout.write(JSON.stringify(await routes[process.env.SHOW]()) + '\n');
      return;
    }
    const only = process.env.ONLY?.split(',');
    const out: Record<string, number> = {};
    const N = Number(process.env.N ?? 30000);
    for (const [name, run] of Object.entries(routes)) {
      if (only && !only.includes(name)) continue;
      // CONCURRENCY=16: that many calls at a time, as bench:queries' connections make them.
      const concurrency = Number(process.env.CONCURRENCY ?? 1);
      const runs = async (n: number) => {
        for (let i = 0; i < n; i += concurrency) await Promise.all(Array.from({ length: concurrency }, run));
      };
      await runs(N / 4);
      const before = process.cpuUsage();
      await runs(N);
      const used = process.cpuUsage(before);
      out[name] = Number(((used.user + used.system) / 1000 / N).toFixed(4));
    }
    process.stdout.write(`${JSON.stringify({ bench: 'query-work', cpu_ms: out })}\n`);
  } finally {
    await app.close();
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
