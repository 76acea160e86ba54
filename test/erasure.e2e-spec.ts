/**
 * Erasure (RGPD article 17) and access (article 15) end to end, through real HTTP: the
 * three routes by every kind of caller, what an erasure does and that a second one changes
 * nothing, no plaintext of the person left in the event file, the read models or any answer
 * of the API and the CLI, the hash chain, a rebuild, the check for everyone else, and the
 * organization left without an admin; what main added since: a partner's member (bob in P,
 * B's partner), a partnership invitation to bob's address as a contact (in C), an imported
 * organization (I, bob its imported admin) imported again after the erasure. Two legs: read models in MongoDB and the embedded
 * default. Organizations are set up with the domain's commands on the service's own bus
 * (CommandSender); the routes under test are called over HTTP. Fresh ids per run.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrganizationCommand } from '@roster/domain';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import { EmbeddedDocumentStore, READ_MODEL_COLLECTIONS, rebuildReadModels, type DocumentStore } from '@roster/read-models';
import { OpenApiAnswers, requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { CommandSender } from '../apps/roster/src/command-handling/command-sender';
import { READ_MODEL_DOCUMENTS } from '../apps/roster/src/infrastructure/infrastructure.module';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const ROOT = join(__dirname, '..');
const SECRET = `e2e-secret-${randomUUID()}`;
const mongoUrl = process.env.MONGODB_URL;
if (!mongoUrl) throw new Error('MONGODB_URL is not set: the MongoDB leg of the erasure suite needs a server');

interface User {
  readonly id: string;
  readonly token: string;
  readonly platformRoles: string[];
}

async function newUser(roles: string[] = [], claims: Record<string, unknown> = {}): Promise<User> {
  const id = `user-${randomUUID()}`;
  return { id, token: await signTestToken(SECRET, id, { ...(roles.length > 0 ? { roles } : {}), ...claims }), platformRoles: roles };
}

describe.each([
  ['MongoDB', { MONGODB_URL: mongoUrl, ROSTER_MONGODB_DB: `e2e-e-${randomUUID().slice(0, 8)}` }],
  ['the embedded store', {}],
])('erasure of a person, with read models in %s', (_label, env) => {
  let roster: RosterInProcess;
  let dataDir = '';
  let lastPosition = '0';
  // What must be gone everywhere after the erasure.
  const bobEmail = `bob-${randomUUID().slice(0, 8)}@example.org`;
  const message = `MESSAGE-${randomUUID()}`;
  const reason = `REASON-${randomUUID()}`;
  const plaintexts = [bobEmail, message, reason];
  // A: bob its only organization-wide admin; B: bob's pending request; C: an invitation to
  // bob's e-mail; D: bob's request, rejected with a reason (history only).
  const [orgA, orgB, orgC, orgD] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  // P: bob an editor, partnerMember a member; P is B's partner (write). I: imported, bob its admin.
  const [orgP, orgI] = [randomUUID(), randomUUID()];
  const invitationId = randomUUID();
  const requestB = randomUUID();
  const partnershipBP = randomUUID();
  const contactPartnership = randomUUID();
  let bob: User, bobUnverified: User, editor: User, member: User, departmentAdmin: User, carol: User, dave: User, erin: User;
  let pat: User, partnerMember: User, importedMember: User;
  let stranger: User, superadmin: User, auditor: User, service: User;
  let checksBefore: unknown;

  const call = (method: string, path: string, as: User | null, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> =>
    requestJson(roster.baseUrl, method, path, { token: as?.token, body, headers });
  const read = (path: string, as: User | null) => call('GET', path, as, undefined, { 'x-min-position': lastPosition });

  async function send(as: User, command: OrganizationCommand): Promise<void> {
    const sender = roster.app.get(CommandSender, { strict: false });
    const outcome = await sender.send(command, { userId: as.id, platformRoles: as.platformRoles as never }, { commandId: randomUUID(), correlationId: randomUUID() });
    if (outcome.position !== null) lastPosition = outcome.position.toString();
  }

  async function joinAs(user: User, organizationId: string, by: User, role: 'member' | 'editor' | 'admin', departmentId?: string) {
    const requestId = randomUUID();
    await send(user, { type: 'RequestJoin', data: { organizationId, requestId } });
    await send(by, { type: 'ApproveJoin', data: { organizationId, requestId, role, ...(departmentId ? { departmentId } : {}) } });
  }

  /** I as the source portal has it: bob its only admin, importedMember a member. */
  const importedSource = () => ({
    organizationId: orgI,
    source: { system: 'udata' as const, id: `src-${orgI.slice(0, 8)}`, since: '2020-01-01T00:00:00.000Z' },
    name: 'Imported',
    description: '',
    departments: [],
    members: [
      { userId: bob.id, role: 'admin' as const, departmentId: null, since: null },
      { userId: importedMember.id, role: 'member' as const, departmentId: null, since: null },
    ],
  });

  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-r', join(ROOT, 'scripts/register-paths.js'), join(ROOT, 'dist/apps/roster-cli/src/main.js'), ...args],
        { cwd: ROOT, env: { ...process.env, ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, LOG_LEVEL: 'error', ...env }, timeout: 60_000 },
        (error, stdout) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout }),
      );
    });

  const documents = () => roster.app.get<symbol, DocumentStore>(READ_MODEL_DOCUMENTS, { strict: false });
  async function allDocuments(store: DocumentStore): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const collection of READ_MODEL_COLLECTIONS) out[collection] = await store.find(collection, {}, { sort: { _id: 1 } });
    return out;
  }
  const plaintextIn = (text: string) => plaintexts.filter((secret) => text.includes(secret));

  /** Every kind of caller that is neither the person nor a superadmin: refused by the three routes (a service erases, though). */
  const refusedCallers = (): Array<[string, User | null, number]> => [
    ['no token', null, 401],
    ['stranger', stranger, 403],
    ['member', member, 403],
    ['editor', editor, 403],
    ['admin', carol, 403],
    ['department admin', departmentAdmin, 403],
    ["a partner's member", partnerMember, 403],
    ['auditor', auditor, 403],
    ['service', service, 403],
  ];

  const checks = () =>
    call('POST', '/authorizations/check/batch', service, {
      checks: [
        { userId: editor.id, organizationId: orgA, action: 'dataset.update' },
        { userId: member.id, organizationId: orgA, action: 'dataset.read' },
        { userId: member.id, organizationId: orgA, action: 'dataset.update' },
        { userId: departmentAdmin.id, organizationId: orgA, action: 'dataset.administer', departmentId: 'water' },
        { userId: carol.id, organizationId: orgB, action: 'membership.approve' },
        { userId: dave.id, organizationId: orgC, action: 'organization.update' },
        { userId: erin.id, organizationId: orgD, action: 'organization.delete' },
        { userId: partnerMember.id, organizationId: orgB, action: 'dataset.read' },
        { userId: partnerMember.id, organizationId: orgB, action: 'dataset.update' },
        { userId: pat.id, organizationId: orgB, action: 'dataset.update' },
        { userId: importedMember.id, organizationId: orgI, action: 'dataset.read' },
      ],
    }, { 'x-min-position': lastPosition });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-erasure-'));
    roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections', ...env });
    bob = await newUser([], { email: bobEmail, email_verified: true });
    bobUnverified = { ...bob, token: await signTestToken(SECRET, bob.id, { email: bobEmail }) };
    [editor, member, departmentAdmin, carol, dave, erin, stranger] = await Promise.all([newUser(), newUser(), newUser(), newUser(), newUser(), newUser(), newUser()]);
    [pat, partnerMember, importedMember] = await Promise.all([newUser(), newUser(), newUser()]);
    [superadmin, auditor, service] = await Promise.all([newUser(['superadmin']), newUser(['auditor']), newUser(['service'])]);

    await send(bob, { type: 'CreateOrganization', data: { organizationId: orgA, name: 'Bob and co', description: '' } });
    await send(bob, { type: 'AddDepartment', data: { organizationId: orgA, departmentId: 'water', name: 'Water' } });
    await joinAs(editor, orgA, bob, 'editor');
    await joinAs(member, orgA, bob, 'member');
    await joinAs(departmentAdmin, orgA, bob, 'admin', 'water');

    await send(carol, { type: 'CreateOrganization', data: { organizationId: orgB, name: 'Carol', description: '' } });
    await send(bob, { type: 'RequestJoin', data: { organizationId: orgB, requestId: requestB, message } });

    await send(dave, { type: 'CreateOrganization', data: { organizationId: orgC, name: 'Dave', description: '' } });
    await send(dave, { type: 'InviteMember', data: { organizationId: orgC, invitationId, invitee: { email: bobEmail }, role: 'editor' } });

    await send(erin, { type: 'CreateOrganization', data: { organizationId: orgD, name: 'Erin', description: '' } });
    const requestD = randomUUID();
    await send(bob, { type: 'RequestJoin', data: { organizationId: orgD, requestId: requestD, message } });
    await send(erin, { type: 'RejectJoin', data: { organizationId: orgD, requestId: requestD, reason } });

    await send(pat, { type: 'CreateOrganization', data: { organizationId: orgP, name: 'Pat', description: '' } });
    await joinAs(bob, orgP, pat, 'editor');
    await joinAs(partnerMember, orgP, pat, 'member');
    await send(carol, { type: 'InvitePartner', data: { organizationId: orgB, partnershipId: partnershipBP, partner: { organizationId: orgP }, access: 'write' } });
    await send(pat, { type: 'AcceptPartnership', data: { organizationId: orgB, partnershipId: partnershipBP } });
    await send(dave, { type: 'InvitePartner', data: { organizationId: orgC, partnershipId: contactPartnership, partner: { name: 'Hydro', contactEmail: bobEmail }, access: 'read' } });
    await send(superadmin, { type: 'ImportOrganization', data: importedSource() });
    checksBefore = (await checks()).body;
  });
  afterAll(async () => {
    await roster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /users/:userId/personal-data: everything held about the person, to them and to superadmins only', async () => {
    const callers = [...refusedCallers(), ['superadmin', superadmin, 200], ['the person', bob, 200]] as const;
    for (const [who, as, status] of callers) {
      const answer = await read(`/users/${bob.id}/personal-data`, as);
      expect({ who, status: answer.status }).toEqual({ who, status });
      if (status !== 200) expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const own = (await read(`/users/${bob.id}/personal-data`, bob)).body;
    expect(own.userId).toBe(bob.id);
    expect(own.memberships.map((m: { organizationId: string; role: string; status: string; via: string }) => [m.organizationId, m.role, m.status, m.via]).sort()).toEqual(
      [
        [orgA, 'admin', 'active', 'creation'],
        [orgP, 'editor', 'active', 'join-request'],
        [orgI, 'admin', 'active', 'import'],
      ].sort(),
    );
    // The partnership invitation to their verified address, as a partner's contact.
    expect(own.partnerInvitations).toEqual([expect.objectContaining({ partnershipId: contactPartnership, organizationId: orgC, partnerName: 'Hydro', status: 'pending' })]);
    // Approved into P; pending in B; rejected in D.
    expect(own.joinRequests.map((r: { organizationId: string }) => r.organizationId).sort()).toEqual([orgB, orgD, orgP].sort());
    expect(own.joinRequests.find((r: { requestId: string }) => r.requestId === requestB).message).toBe(message);
    // Their verified e-mail makes the invitation to it theirs.
    expect(own.invitations).toEqual([expect.objectContaining({ invitationId, organizationId: orgC, status: 'pending' })]);
    expect(own.history.length).toBeGreaterThanOrEqual(8);
    expect(own.history.every((entry: { actor: string; subjectUserId?: string }) => entry.actor === bob.id || entry.subjectUserId === bob.id)).toBe(true);
    // A superadmin gives no e-mail: the invitations to the user id only.
    expect((await read(`/users/${bob.id}/personal-data`, superadmin)).body.invitations).toEqual([]);
    expect((await read('/users/%20/personal-data', superadmin)).status).toBe(400);
    expect((await read(`/users/user-${randomUUID()}/personal-data`, superadmin)).body).toEqual(
      expect.objectContaining({ memberships: [], invitations: [], joinRequests: [], partnerInvitations: [], history: [] }),
    );
  });

  it('POST /users/:userId/erasure: refused to everyone but the person, superadmins and services, changing nothing', async () => {
    const head = async () => (await call('GET', '/health', null)).body.headPosition;
    const before = await head();
    // A service may erase: every other caller but the person and superadmins is refused.
    for (const [who, as, status] of refusedCallers().filter(([who]) => who !== 'service')) {
      const answer = await call('POST', `/users/${bob.id}/erasure`, as);
      const code = status === 401 ? 'AUTH.MISSING_TOKEN' : 'PERMISSION.DENIED';
      expect({ who, status: answer.status, code: answer.body.code }).toEqual({ who, status, code });
    }
    // The person names only the address their token verifies.
    const unproven = await call('POST', `/users/${bob.id}/erasure`, bobUnverified, { emails: [bobEmail] });
    expect({ status: unproven.status, code: unproven.body.code }).toEqual({ status: 403, code: 'ERASURE.EMAIL_NOT_PROVEN' });
    const malformed: Array<[string, unknown]> = [
      ['%20', undefined],
      [bob.id, { emails: ['not-an-address'] }],
      [bob.id, { emails: 'x@example.org' }],
      [bob.id, { emails: null }],
      [bob.id, null],
      [bob.id, { emails: Array.from({ length: 21 }, (_, i) => `p${i}@example.org`) }],
      [bob.id, { other: 1 }],
    ];
    for (const [userId, body] of malformed) {
      const answer = await call('POST', `/users/${userId}/erasure`, service, body);
      expect({ userId, body, status: answer.status }).toEqual({ userId, body, status: 400 });
    }
    expect(await head()).toBe(before);
    // An unknown user id erases nothing: 200 with empty lists, from a service and a superadmin.
    const empty = { organizationsLeft: [], invitationsWithdrawn: [], requestsWithdrawn: [], partnerInvitationsWithdrawn: [], organizationsWithoutAdmin: [] };
    for (const as of [service, superadmin]) {
      const unknown = `user-${randomUUID()}`;
      expect(await call('POST', `/users/${unknown}/erasure`, as)).toMatchObject({ status: 200, body: { userId: unknown, ...empty } });
    }
    expect(await head()).toBe(before);
  });

  describe('once erased by the identity service', () => {
    let report: JsonAnswer;
    beforeAll(async () => {
      // Dashboards read (and kept) before the erasure show their plaintext; the answers after it must not (below).
      const before = await Promise.all([orgA, orgB, orgC, orgD, orgP, orgI].map((org) => read(`/organizations/${org}/dashboard`, superadmin)));
      expect(plaintextIn(JSON.stringify(before.map((answer) => answer.body)))).not.toEqual([]);
      report = await call('POST', `/users/${bob.id}/erasure`, service, { emails: [bobEmail.toUpperCase()] });
      lastPosition = (await call('GET', '/health', null)).body.headPosition;
    });

    it('answers what it did; a second erasure, by the person themself, answers 200 and changes nothing', async () => {
      expect(report.status).toBe(200);
      expect(report.body).toEqual({
        userId: bob.id,
        organizationsLeft: [orgA, orgI, orgP].sort(),
        invitationsWithdrawn: [{ organizationId: orgC, invitationId }],
        requestsWithdrawn: [{ organizationId: orgB, requestId: requestB }],
        partnerInvitationsWithdrawn: [{ organizationId: orgC, partnershipId: contactPartnership }],
        organizationsWithoutAdmin: [orgA, orgI].sort(),
      });
      const again = await call('POST', `/users/${bob.id}/erasure`, bob);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({
        userId: bob.id,
        organizationsLeft: [],
        invitationsWithdrawn: [],
        requestsWithdrawn: [],
        partnerInvitationsWithdrawn: [],
        organizationsWithoutAdmin: [],
      });
      expect((await call('GET', '/health', null)).body.headPosition).toBe(lastPosition);
    });

    it('leaves no plaintext of their e-mail or messages in the event file and its WAL', () => {
      for (const file of ['events.sqlite', 'events.sqlite-wal']) {
        const path = join(dataDir, file);
        if (!existsSync(path)) continue;
        expect({ file, found: plaintextIn(readFileSync(path).toString('latin1')) }).toEqual({ file, found: [] });
      }
    });

    it('leaves no plaintext in any read-model collection, and a rebuild from scratch gives the same documents', async () => {
      const live = await allDocuments(documents());
      expect(plaintextIn(JSON.stringify(live))).toEqual([]);
      const rebuilt = new EmbeddedDocumentStore();
      await rebuildReadModels({ store: roster.app.get<symbol, EventStore>(EVENT_STORE, { strict: false }), documents: rebuilt });
      expect(await allDocuments(rebuilt)).toEqual(live);
    });

    it('leaves no plaintext in any answer; history and as-of show the erased fields as erased; every chain verifies', async () => {
      const answers: Array<{ url: string; answer: JsonAnswer }> = [];
      const readAnswer = async (url: string, as: User) => answers.push({ url, answer: await read(url, as) });
      for (const org of [orgA, orgB, orgC, orgD, orgP, orgI]) {
        for (const path of ['', '/members', '/dashboard', '/invitations?status=all', '/join-requests?status=all', '/partners', '/partner-of', '/history', `/as-of?at=${new Date().toISOString()}`]) {
          await readAnswer(`/organizations/${org}${path}`, superadmin);
          expect({ org, path, status: answers.at(-1)!.answer.status }).toEqual({ org, path, status: 200 });
        }
        expect((await read(`/organizations/${org}/verify`, auditor)).body.valid).toBe(true);
      }
      await readAnswer(`/users/${bob.id}/personal-data`, superadmin);
      await readAnswer(`/users/${bob.id}/personal-data`, bob);
      await readAnswer(`/users/${bob.id}/organizations`, bob);
      await readAnswer('/organizations?needsAdmin=true', superadmin);
      expect(plaintextIn(JSON.stringify(answers.map((a) => a.answer.body)))).toEqual([]);
      // The erased markers are part of the contract: every answer still matches its OpenAPI schema.
      const contract = new OpenApiAnswers((await read('/docs-json', null)).body);
      expect(answers.flatMap(({ url, answer }) => contract.errorsOf('GET', url, answer.status, answer.body))).toEqual([]);

      const history = (org: string) => read(`/organizations/${org}/history`, auditor).then((a) => a.body.events as Array<{ type: string; data: Record<string, unknown> }>);
      expect((await history(orgC)).find((e) => e.type === 'MemberInvited')!.data.invitee).toEqual({ kind: 'email', email: { erased: true } });
      const rejected = (await history(orgD)).find((e) => e.type === 'JoinRejected')!;
      expect(rejected.data.reason).toEqual({ erased: true });
      expect((await history(orgB)).find((e) => e.type === 'JoinRequested')!.data.message).toEqual({ erased: true });
      const contactInvited = (await history(orgC)).find((e) => e.type === 'PartnerInvited')!;
      expect(contactInvited.data.contact).toEqual({ name: 'Hydro', contactEmail: { erased: true } });
      // The invitation to bob as a contact is withdrawn: C lists no partner, and it cannot be accepted.
      expect((await read(`/organizations/${orgC}/partners`, dave)).body.items).toEqual([]);
      const accepting = await call('POST', `/organizations/${orgC}/partners/${contactPartnership}/accept`, bob, { organizationId: orgP });
      expect({ status: accepting.status, code: accepting.body.code }).toEqual({ status: 409, code: 'PARTNERSHIP.CLOSED' });
      // The person's id stays (pseudonymous); the membership ended by erasure.
      expect((await history(orgA)).map((e) => e.type).slice(-2)).toEqual(['PersonErased', 'OrganizationLeftWithoutAdmin']);
      const own = (await read(`/users/${bob.id}/personal-data`, superadmin)).body;
      expect(own.memberships.map((m: { organizationId: string; status: string }) => [m.organizationId, m.status]).sort()).toEqual(
        [orgA, orgP, orgI].map((organizationId) => [organizationId, 'erased']).sort(),
      );
      expect(own.joinRequests.find((r: { requestId: string }) => r.requestId === requestB).status).toBe('withdrawn');
      expect((await read(`/organizations/${orgC}/invitations?status=all`, superadmin)).body.items[0]).toMatchObject({ invitationId, status: 'withdrawn' });
    });

    it('leaves no plaintext in the CLI history, which shows the erased fields as erased', async () => {
      for (const org of [orgB, orgC, orgD]) {
        const { code, stdout } = await cli(['history', org]);
        expect({ org, code, found: plaintextIn(stdout) }).toEqual({ org, code: 0, found: [] });
        expect(stdout).toContain('"erased":true');
      }
    });

    it('answers the permission check for everyone else as before', async () => {
      expect((await checks()).body).toEqual(checksBefore);
      for (const [organizationId, action] of [
        [orgA, 'organization.read'],
        [orgI, 'organization.read'],
        [orgP, 'dataset.read'],
        // Through the partnership B shares with P: bob is no longer P's member.
        [orgB, 'dataset.read'],
      ]) {
        const gone = await call('POST', '/authorizations/check', service, { userId: bob.id, organizationId, action }, { 'x-min-position': lastPosition });
        expect({ organizationId, body: gone.body }).toMatchObject({ organizationId, body: { allowed: false, via: 'membership' } });
      }
    });

    it('an import of the same source again does not add the erased person back', async () => {
      await send(superadmin, { type: 'ImportOrganization', data: importedSource() });
      const members = (await read(`/organizations/${orgI}/members`, superadmin)).body.items.map((m: { userId: string }) => m.userId);
      expect(members).toEqual([importedMember.id]);
      expect((await read('/organizations?needsAdmin=true', superadmin)).body.items.map((o: { organizationId: string }) => o.organizationId)).toContain(orgI);
    });

    it('keeps the organization without an admin answering, lists it for superadmins only, and a superadmin gives it an admin', async () => {
      for (const path of ['', '/members', '/dashboard', '/departments']) {
        expect({ path, status: (await read(`/organizations/${orgA}${path}`, member)).status }).toEqual({ path, status: 200 });
      }
      expect((await read(`/organizations/${orgA}`, member)).body).toMatchObject({ needsAdmin: true, memberCounts: { admin: 1, editor: 1, member: 1 } });
      const callers = [...refusedCallers(), ['superadmin', superadmin, 200]] as const;
      for (const [who, as, status] of callers) {
        const answer = await read('/organizations?needsAdmin=true', as);
        expect({ who, status: answer.status }).toEqual({ who, status });
      }
      const listed = (await read('/organizations?needsAdmin=true', superadmin)).body.items.map((o: { organizationId: string }) => o.organizationId);
      expect(listed).toContain(orgA);
      expect(listed).not.toContain(orgB);
      for (const query of ['', '?needsAdmin=false', '?needsAdmin=yes']) {
        const answer = await read(`/organizations${query}`, superadmin);
        expect({ query, status: answer.status, code: answer.body.code }).toEqual({ query, status: 400, code: 'VALIDATION.NEEDS_ADMIN' });
      }

      // The department admin cannot make an organization-wide admin; a superadmin can.
      expect((await call('PUT', `/organizations/${orgA}/members/${editor.id}/role`, departmentAdmin, { role: 'admin' })).status).toBe(403);
      const promoted = await call('PUT', `/organizations/${orgA}/members/${editor.id}/role`, superadmin, { role: 'admin' });
      expect(promoted.status).toBe(200);
      lastPosition = promoted.body.position;
      expect((await read('/organizations?needsAdmin=true', superadmin)).body.items.map((o: { organizationId: string }) => o.organizationId)).not.toContain(orgA);
      expect((await read(`/organizations/${orgA}`, member)).body.needsAdmin).toBeUndefined();
      expect((await read(`/organizations/${orgA}/history`, auditor)).body.events.slice(-1)[0].type).toBe('OrganizationAdminRestored');
    });
  });
});
