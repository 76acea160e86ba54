/**
 * Invitations people can manage, end to end through real HTTP: resending (pending, expired,
 * handled, by every kind of caller), a user's invitations across organizations (by user id
 * and by verified e-mail, by every kind of caller), the statuses pending and expired in the
 * lists and the dashboard, and the reasons of a role change and a removal in the history.
 * An expired invitation is made by an InviteMember whose command time lies in the past, on
 * the service's own command bus (the API takes at least a day and has no clock to move).
 * The embedded default store; fresh ids per run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { OrganizationCommand } from '@roster/domain';
import type { PersonalDataVault } from '@roster/event-store';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import type { CommandOutcome } from '../apps/roster/src/command-handling/organization-stream';
import { ExecuteOrganizationCommand } from '../apps/roster/src/command-handling/execute-organization.command';
import { PERSONAL_DATA_VAULT } from '../apps/roster/src/infrastructure/infrastructure.module';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `e2e-secret-${randomUUID()}`;
const DAY_MS = 24 * 60 * 60 * 1000;

interface User {
  readonly id: string;
  readonly token: string;
  readonly platformRoles: string[];
  readonly email?: string;
}

async function newUser(roles: string[] = [], email?: { address: string; verified: boolean }): Promise<User> {
  const id = `user-${randomUUID()}`;
  const claims = { ...(roles.length > 0 ? { roles } : {}), ...(email ? { email: email.address, email_verified: email.verified } : {}) };
  return { id, token: await signTestToken(SECRET, id, claims), platformRoles: roles, ...(email ? { email: email.address } : {}) };
}

describe('invitations people can manage', () => {
  let roster: RosterInProcess;
  let dataDir = '';
  let lastPosition = '0';
  const orgId = randomUUID();
  const otherOrgId = randomUUID();
  const partnerOrgId = randomUUID();
  let admin: User, editor: User, member: User, departmentAdmin: User, stranger: User, superadmin: User, auditor: User, service: User;
  /** An admin of partnerOrgId, an active partner of orgId with write access. */
  let partnerMember: User;

  const call = (method: string, path: string, as: User | null, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> =>
    requestJson(roster.baseUrl, method, path, { token: as?.token, body, headers });
  const read = (path: string, as: User | null) => call('GET', path, as, undefined, { 'x-min-position': lastPosition });
  /** A command route; remembers the position it answers for the next read. */
  async function command(method: string, path: string, as: User | null, body?: unknown): Promise<JsonAnswer> {
    const answer = await call(method, path, as, body);
    if (typeof answer.body?.position === 'string') lastPosition = answer.body.position;
    return answer;
  }

  /** A domain command on the service's bus, as `as`, at `now` (default: now). */
  async function send(as: User, cmd: OrganizationCommand, now = new Date()): Promise<CommandOutcome> {
    const bus = roster.app.get(CommandBus, { strict: false });
    const outcome: CommandOutcome = await bus.execute(
      new ExecuteOrganizationCommand(cmd, { actor: { userId: as.id, platformRoles: as.platformRoles as never }, now }, { commandId: randomUUID(), correlationId: randomUUID() }),
    );
    if (outcome.position !== null) lastPosition = outcome.position.toString();
    return outcome;
  }

  /** Invites `invitee` into orgId as `by` at `now`; the invitation's id. */
  async function invite(invitee: { userId: string } | { email: string }, options: { departmentId?: string | null; now?: Date; expiresInDays?: number; org?: string } = {}): Promise<string> {
    const invitationId = randomUUID();
    await send(
      admin,
      {
        type: 'InviteMember',
        data: {
          organizationId: options.org ?? orgId,
          invitationId,
          invitee,
          role: 'editor',
          ...(options.expiresInDays !== undefined ? { expiresInDays: options.expiresInDays } : {}),
          ...(options.departmentId !== undefined ? { departmentId: options.departmentId } : {}),
        },
      },
      options.now,
    );
    return invitationId;
  }

  async function joinAs(user: User, placed: { role: 'member' | 'editor' | 'admin'; departmentId?: string | null }) {
    const requestId = randomUUID();
    await send(user, { type: 'RequestJoin', data: { organizationId: orgId, requestId } });
    await send(admin, { type: 'ApproveJoin', data: { organizationId: orgId, requestId, ...placed } });
  }

  const invitationsOf = async (org = orgId, status = 'pending') => {
    const answer = await read(`/organizations/${org}/invitations?status=${status}`, admin);
    expect(answer.status).toBe(200);
    return answer.body.items as Array<Record<string, unknown>>;
  };
  const daysFromNow = (iso: unknown) => (Date.parse(String(iso)) - Date.now()) / DAY_MS;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roster-invitations-'));
    roster = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
    [admin, editor, member, departmentAdmin, stranger] = await Promise.all([newUser(), newUser(), newUser(), newUser(), newUser()]);
    [superadmin, auditor, service] = await Promise.all([newUser(['superadmin']), newUser(['auditor']), newUser(['service'])]);
    await send(admin, { type: 'CreateOrganization', data: { organizationId: orgId, name: 'Manage Invitations', description: '' } });
    await send(admin, { type: 'CreateOrganization', data: { organizationId: otherOrgId, name: 'Other Organization', description: '' } });
    await send(admin, { type: 'AddDepartment', data: { organizationId: orgId, departmentId: 'water', name: 'Water' } });
    await joinAs(editor, { role: 'editor' });
    await joinAs(member, { role: 'member' });
    await joinAs(departmentAdmin, { role: 'admin', departmentId: 'water' });
    partnerMember = await newUser();
    await send(partnerMember, { type: 'CreateOrganization', data: { organizationId: partnerOrgId, name: 'Partner Organization', description: '' } });
    const partnershipId = randomUUID();
    await send(admin, { type: 'InvitePartner', data: { organizationId: orgId, partnershipId, partner: { organizationId: partnerOrgId }, access: 'write' } });
    await send(partnerMember, { type: 'AcceptPartnership', data: { organizationId: orgId, partnershipId } });
  });
  afterAll(async () => {
    await roster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('POST /organizations/:orgId/invitations/:invitationId/resend', () => {
    it('is for admins, a department admin within their department, and superadmins; every other caller is refused', async () => {
      const callers: Array<[string, User | null, number, string | null, string?]> = [
        ['no token', null, 401, null, 'AUTH.MISSING_TOKEN'],
        ['stranger', stranger, 403, null, 'PERMISSION.DENIED'],
        ['member', member, 403, null, 'PERMISSION.DENIED'],
        ['editor', editor, 403, null, 'PERMISSION.DENIED'],
        ['auditor', auditor, 403, null, 'PERMISSION.DENIED'],
        ['service', service, 403, null, 'PERMISSION.DENIED'],
        ["a partner's member", partnerMember, 403, null, 'PERMISSION.DENIED'],
        ['department admin, invitation organization-wide', departmentAdmin, 403, null, 'PERMISSION.DEPARTMENT'],
        ['department admin, invitation into their department', departmentAdmin, 200, 'water'],
        ['admin', admin, 200, null],
        ['superadmin', superadmin, 200, null],
      ];
      for (const [who, as, status, departmentId, code] of callers) {
        const invitationId = await invite({ email: `resend-${randomUUID()}@example.org` }, { departmentId, expiresInDays: 2 });
        const answer = await command('POST', `/organizations/${orgId}/invitations/${invitationId}/resend`, as);
        expect({ who, status: answer.status, code: answer.body?.code }).toEqual({ who, status, code: status === 200 ? undefined : code });
        const [listed] = (await invitationsOf()).filter((i) => i.invitationId === invitationId);
        if (status !== 200) {
          expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
          // Refused: nothing changed, the expiry is the first one.
          expect({ who, days: Math.round(daysFromNow(listed.expiresAt)), resentBy: listed.resentBy }).toEqual({ who, days: 2, resentBy: undefined });
          continue;
        }
        expect(answer.body).toMatchObject({ organizationId: orgId, invitationId });
        // Same invitation, new expiry: the default 7 days from now.
        expect({ who, days: Math.round(daysFromNow(listed.expiresAt)), status: listed.status, resentBy: listed.resentBy }).toEqual({ who, days: 7, status: 'pending', resentBy: as!.id });
      }
    });

    it('resends an expired invitation with a chosen expiry, after which it is pending again and can be accepted', async () => {
      const ada = await newUser();
      const invitationId = await invite({ userId: ada.id }, { now: new Date(Date.now() - 10 * DAY_MS), expiresInDays: 1 });
      const before = (await invitationsOf()).find((i) => i.invitationId === invitationId);
      expect(before).toMatchObject({ status: 'expired', expired: true });
      const refused = await call('POST', `/organizations/${orgId}/invitations/${invitationId}/accept`, ada);
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'INVITATION.EXPIRED' });

      const resent = await command('POST', `/organizations/${orgId}/invitations/${invitationId}/resend`, admin, { expiresInDays: 3 });
      expect(resent.status).toBe(200);
      const after = (await invitationsOf()).find((i) => i.invitationId === invitationId);
      expect(after).toMatchObject({ status: 'pending', expired: false, resentBy: admin.id });
      expect(Math.round(daysFromNow(after!.expiresAt))).toBe(3);
      expect((await command('POST', `/organizations/${orgId}/invitations/${invitationId}/accept`, ada)).status).toBe(200);
    });

    it('refuses a handled invitation with 409 INVITATION.NOT_PENDING, an unknown one with 404, bad input with 400, changing nothing', async () => {
      const revoked = await invite({ email: `revoked-${randomUUID()}@example.org` });
      expect((await command('DELETE', `/organizations/${orgId}/invitations/${revoked}`, admin)).status).toBe(200);
      const bob = await newUser();
      const accepted = await invite({ userId: bob.id });
      expect((await command('POST', `/organizations/${orgId}/invitations/${accepted}/accept`, bob)).status).toBe(200);
      for (const handled of [revoked, accepted]) {
        const answer = await call('POST', `/organizations/${orgId}/invitations/${handled}/resend`, admin);
        expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 409, code: 'INVITATION.NOT_PENDING' });
      }
      const unknown = await call('POST', `/organizations/${orgId}/invitations/${randomUUID()}/resend`, admin);
      expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'INVITATION.NOT_FOUND' });
      const malformed = await call('POST', `/organizations/${orgId}/invitations/not-an-id/resend`, admin);
      expect(malformed.status).toBe(400);

      const pending = await invite({ email: `pending-${randomUUID()}@example.org` }, { expiresInDays: 2 });
      for (const [body, code] of [
        [{ expiresInDays: 0 }, 'VALIDATION.EXPIRES_IN_DAYS'],
        [{ expiresInDays: 31 }, 'VALIDATION.EXPIRES_IN_DAYS'],
        [{ expiresInDays: '7' }, 'VALIDATION.EXPIRES_IN_DAYS'],
        [{ expiresAt: '2030-01-01T00:00:00Z' }, 'UNKNOWN_FIELD'],
      ] as const) {
        const answer = await call('POST', `/organizations/${orgId}/invitations/${pending}/resend`, admin, body);
        expect({ body, status: answer.status, code: answer.body.code === 'VALIDATION.FAILED' ? answer.body.errors[0].code : answer.body.code }).toEqual({ body, status: 400, code });
      }
      const listed = (await invitationsOf()).find((i) => i.invitationId === pending);
      expect(Math.round(daysFromNow(listed!.expiresAt))).toBe(2);
    });
  });

  describe('statuses in the lists and the dashboard', () => {
    it('lists pending and expired invitations apart, and the dashboard counts them apart for admins only', async () => {
      const org = randomUUID();
      await send(admin, { type: 'CreateOrganization', data: { organizationId: org, name: 'Counting', description: '' } });
      const fresh = await invite({ email: `fresh-${randomUUID()}@example.org` }, { org });
      const old = await invite({ email: `old-${randomUUID()}@example.org` }, { org, now: new Date(Date.now() - 5 * DAY_MS), expiresInDays: 2 });
      const revoked = await invite({ email: `gone-${randomUUID()}@example.org` }, { org });
      await send(admin, { type: 'RevokeInvitation', data: { organizationId: org, invitationId: revoked } });

      const byId = Object.fromEntries((await invitationsOf(org)).map((i) => [i.invitationId, i.status]));
      expect(byId).toEqual({ [fresh]: 'pending', [old]: 'expired' });
      const all = Object.fromEntries((await invitationsOf(org, 'all')).map((i) => [i.invitationId, i.status]));
      expect(all).toEqual({ [fresh]: 'pending', [old]: 'expired', [revoked]: 'revoked' });

      const dashboard = await read(`/organizations/${org}/dashboard`, admin);
      expect(dashboard.body.invitationCounts).toEqual({ pending: 1, expired: 1 });
      expect(dashboard.body.pendingInvitations.map((i: { status: string }) => i.status).sort()).toEqual(['expired', 'pending']);
      const asSuperadmin = await read(`/organizations/${org}/dashboard`, superadmin);
      expect(asSuperadmin.body.invitationCounts).toEqual({ pending: 1, expired: 1 });
      const asService = await read(`/organizations/${org}/dashboard`, service);
      expect(asService.status).toBe(200);
      expect(asService.body).not.toHaveProperty('invitationCounts');
    });
  });

  describe('GET /users/:userId/invitations', () => {
    let ada: User, adaUnverified: User;
    let adaEmail = '';
    const items: Record<string, string> = {};

    beforeAll(async () => {
      adaEmail = `ada-${randomUUID()}@example.org`;
      ada = await newUser([], { address: adaEmail.toUpperCase(), verified: true });
      adaUnverified = { id: ada.id, platformRoles: [], token: await signTestToken(SECRET, ada.id, { email: adaEmail, email_verified: false }) };
      items.byId = await invite({ userId: ada.id }, { departmentId: 'water' });
      items.expired = await invite({ email: adaEmail }, { now: new Date(Date.now() - 9 * DAY_MS), expiresInDays: 1 });
      // A handled one is not listed.
      const revoked = await invite({ email: adaEmail }, { org: otherOrgId });
      await send(admin, { type: 'RevokeInvitation', data: { organizationId: otherOrgId, invitationId: revoked } });
      items.byEmail = await invite({ email: adaEmail }, { org: otherOrgId });
      const deletedOrg = randomUUID();
      await send(admin, { type: 'CreateOrganization', data: { organizationId: deletedOrg, name: 'Deleted', description: '' } });
      await invite({ userId: ada.id }, { org: deletedOrg });
      await send(admin, { type: 'DeleteOrganization', data: { organizationId: deletedOrg } });
    });

    const ids = (answer: JsonAnswer) => (answer.body.items as Array<{ invitationId: string }>).map((i) => i.invitationId).sort();

    it('gives the person their invitations by user id and by their verified e-mail, with the organization, role, inviter and expiry', async () => {
      const answer = await read(`/users/${ada.id}/invitations`, ada);
      expect(answer.status).toBe(200);
      expect(answer.body.userId).toBe(ada.id);
      expect(ids(answer)).toEqual([items.byId, items.byEmail, items.expired].sort());
      const byId = Object.fromEntries((answer.body.items as Array<Record<string, unknown>>).map((i) => [i.invitationId, i]));
      expect(byId[items.byId]).toMatchObject({
        organizationId: orgId,
        organizationName: 'Manage Invitations',
        invitee: { kind: 'user', userId: ada.id },
        role: 'editor',
        invitedBy: admin.id,
        status: 'pending',
        departmentId: 'water',
        defaultDatasetRole: 'contributor',
      });
      expect(Math.round(daysFromNow(byId[items.byId].expiresAt))).toBe(7);
      expect(byId[items.byEmail]).toMatchObject({ organizationId: otherOrgId, organizationName: 'Other Organization', invitee: { kind: 'email', email: adaEmail }, status: 'pending' });
      expect(byId[items.expired]).toMatchObject({ organizationId: orgId, status: 'expired' });

      // An e-mail nobody verified proves nothing: only the invitations to the user id.
      expect(ids(await read(`/users/${ada.id}/invitations`, adaUnverified))).toEqual([items.byId]);
    });

    it('lets superadmins and services read by user id, and by an e-mail they name; refuses everyone else', async () => {
      const callers: Array<[string, User | null, number]> = [
        ['no token', null, 401],
        ['stranger', stranger, 403],
        ['member', member, 403],
        ['editor', editor, 403],
        ['admin', admin, 403],
        ['department admin', departmentAdmin, 403],
        ["a partner's member", partnerMember, 403],
        ['auditor', auditor, 403],
        ['superadmin', superadmin, 200],
        ['service', service, 200],
      ];
      for (const [who, as, status] of callers) {
        const byId = await read(`/users/${ada.id}/invitations`, as);
        const byEmail = await read(`/users/${ada.id}/invitations?email=${encodeURIComponent(adaEmail)}`, as);
        expect({ who, byId: byId.status, byEmail: byEmail.status }).toEqual({ who, byId: status, byEmail: status });
        if (status !== 200) {
          expect(byId.headers.get('content-type')).toMatch(/application\/problem\+json/);
          continue;
        }
        expect({ who, ids: ids(byId) }).toEqual({ who, ids: [items.byId] });
        expect({ who, ids: ids(byEmail) }).toEqual({ who, ids: [items.byId, items.byEmail, items.expired].sort() });
      }
    });

    it('refuses a person naming an e-mail (403) and a malformed e-mail (400); someone without invitations gets an empty list', async () => {
      const named = await read(`/users/${ada.id}/invitations?email=${encodeURIComponent(adaEmail)}`, ada);
      expect({ status: named.status, code: named.body.code }).toEqual({ status: 403, code: 'PERMISSION.DENIED' });
      const malformed = await read(`/users/${ada.id}/invitations?email=not-an-address`, service);
      expect({ status: malformed.status, code: malformed.body.code }).toEqual({ status: 400, code: 'VALIDATION.EMAIL' });
      expect((await read(`/users/${stranger.id}/invitations`, stranger)).body).toEqual({ userId: stranger.id, items: [] });
    });

    it('drops an invitation once accepted', async () => {
      const accepted = await command('POST', `/organizations/${otherOrgId}/invitations/${items.byEmail}/accept`, ada);
      expect(accepted.status).toBe(200);
      expect(ids(await read(`/users/${ada.id}/invitations`, ada))).toEqual([items.byId, items.expired].sort());
    });
  });

  it('describes the new routes in the OpenAPI document: bearer security, every status, optional bodies and the schemas', async () => {
    const doc = (await call('GET', '/docs-json', admin)).body;
    const resend = doc.paths['/organizations/{orgId}/invitations/{invitationId}/resend'].post;
    expect(resend.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(resend.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409', '429']));
    expect(resend.requestBody.required).toBe(false);
    expect(doc.components.schemas.ResendInvitationRequest.properties.expiresInDays).toMatchObject({ minimum: 1, maximum: 30 });
    const mine = doc.paths['/users/{userId}/invitations'].get;
    expect(Object.keys(mine.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(mine.parameters.map((p: { name: string }) => p.name)).toContain('email');
    expect(mine.responses['200'].content['application/json'].schema.properties.items.items.properties.status.enum).toEqual(['pending', 'expired']);
    const remove = doc.paths['/organizations/{orgId}/members/{userId}'].delete;
    expect(remove.requestBody.required).toBe(false);
    expect(Object.keys(remove.responses)).toContain('422');
    expect(doc.components.schemas.ChangeRoleRequest.properties.reason).toMatchObject({ maxLength: 1000 });
  });

  describe('reasons of a role change and a removal', () => {
    it('records the reason in the event and shows it in the history: who changed what, when, and why', async () => {
      const [carol, dave] = [await newUser(), await newUser()];
      await joinAs(carol, { role: 'member' });
      await joinAs(dave, { role: 'editor' });
      const changed = await command('PUT', `/organizations/${orgId}/members/${carol.id}/role`, admin, { role: 'editor', reason: 'Leads the water team\nsince June' });
      expect(changed.status).toBe(200);
      const removed = await command('DELETE', `/organizations/${orgId}/members/${dave.id}`, admin, { reason: 'Left the agency' });
      expect(removed.status).toBe(200);
      // Without a body, a removal records no reason.
      const erin = await newUser();
      await joinAs(erin, { role: 'member' });
      expect((await command('DELETE', `/organizations/${orgId}/members/${erin.id}`, admin)).status).toBe(200);

      const history = await call('GET', `/organizations/${orgId}/history?type=MemberRoleChanged&type=MemberRemoved`, auditor);
      expect(history.status).toBe(200);
      const events = history.body.events as Array<{ type: string; actor: { userId: string }; time: string; data: Record<string, unknown>; schemaVersion: number }>;
      const roleChange = events.find((e) => e.type === 'MemberRoleChanged' && e.data.userId === carol.id);
      expect(roleChange).toMatchObject({ actor: { userId: admin.id }, data: { from: 'member', to: 'editor', changedBy: admin.id, reason: 'Leads the water team\nsince June' }, schemaVersion: 3 });
      expect(Date.parse(roleChange!.time)).not.toBeNaN();
      expect(events.find((e) => e.type === 'MemberRemoved' && e.data.userId === dave.id)).toMatchObject({ data: { role: 'editor', removedBy: admin.id, reason: 'Left the agency' } });
      expect(events.find((e) => e.type === 'MemberRemoved' && e.data.userId === erin.id)?.data).not.toHaveProperty('reason');
    });

    it('takes a reason from the callers who may change a role or remove a member; every other caller is refused and records nothing', async () => {
      const callers: Array<[string, User | null, number, string?]> = [
        ['no token', null, 401, 'AUTH.MISSING_TOKEN'],
        ['stranger', stranger, 403, 'PERMISSION.DENIED'],
        ['member', member, 403, 'PERMISSION.DENIED'],
        ['editor', editor, 403, 'PERMISSION.DENIED'],
        ['auditor', auditor, 403, 'PERMISSION.DENIED'],
        ['service', service, 403, 'PERMISSION.DENIED'],
        ["a partner's member", partnerMember, 403, 'PERMISSION.DENIED'],
        ['department admin, member organization-wide', departmentAdmin, 403, 'PERMISSION.DEPARTMENT'],
        ['admin', admin, 200],
        ['superadmin', superadmin, 200],
      ];
      for (const [who, as, status, code] of callers) {
        const person = await newUser();
        await joinAs(person, { role: 'member' });
        const reason = `Reason given by the ${who}`;
        const role = await command('PUT', `/organizations/${orgId}/members/${person.id}/role`, as, { role: 'editor', reason });
        const removal = await command('DELETE', `/organizations/${orgId}/members/${person.id}`, as, { reason });
        expect({ who, role: [role.status, role.body?.code], removal: [removal.status, removal.body?.code] }).toEqual({
          who,
          role: [status, status === 200 ? undefined : code],
          removal: [status, status === 200 ? undefined : code],
        });
        const history = await call('GET', `/organizations/${orgId}/history?type=MemberRoleChanged&type=MemberRemoved`, auditor);
        const recorded = (history.body.events as Array<{ data: Record<string, unknown> }>).filter((e) => e.data.userId === person.id).map((e) => e.data.reason);
        expect({ who, recorded }).toEqual({ who, recorded: status === 200 ? [reason, reason] : [] });
      }
    });

    it('keeps a reason sealed at rest under the key of the member it is about: absent from events.sqlite, erased with that key', async () => {
      const gina = await newUser();
      await joinAs(gina, { role: 'member' });
      const reason = `Sealed reason ${randomUUID()}`;
      expect((await command('PUT', `/organizations/${orgId}/members/${gina.id}/role`, admin, { role: 'editor', reason })).status).toBe(200);
      expect((await command('DELETE', `/organizations/${orgId}/members/${gina.id}`, admin, { reason: `${reason} (removal)` })).status).toBe(200);
      const bytes = readdirSync(dataDir)
        .filter((name) => name.startsWith('events.sqlite'))
        .map((name) => readFileSync(join(dataDir, name)).toString('latin1'))
        .join('\n');
      expect(bytes.includes(reason)).toBe(false);
      const reasons = async () => {
        const history = await call('GET', `/organizations/${orgId}/history?type=MemberRoleChanged&type=MemberRemoved`, auditor);
        return (history.body.events as Array<{ data: Record<string, unknown> }>).filter((e) => e.data.userId === gina.id).map((e) => e.data.reason);
      };
      expect(await reasons()).toEqual([reason, `${reason} (removal)`]);
      await roster.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT, { strict: false }).destroyKey({ kind: 'user', userId: gina.id });
      expect(await reasons()).toEqual([{ erased: true }, { erased: true }]);
    });

    it('refuses a bad reason (400 VALIDATION.REASON) and a reason for leaving (422), changing nothing', async () => {
      const frank = await newUser();
      await joinAs(frank, { role: 'member' });
      for (const reason of ['x'.repeat(1001), 'bell\u0007', 'rtl\u202Eoverride', 42]) {
        const role = await call('PUT', `/organizations/${orgId}/members/${frank.id}/role`, admin, { role: 'editor', reason });
        const removal = await call('DELETE', `/organizations/${orgId}/members/${frank.id}`, admin, { reason });
        expect({ reason, role: [role.status, role.body.code], removal: [removal.status, removal.body.code] }).toEqual({
          reason,
          role: [400, 'VALIDATION.REASON'],
          removal: [400, 'VALIDATION.REASON'],
        });
      }
      const leaving = await call('DELETE', `/organizations/${orgId}/members/${frank.id}`, frank, { reason: 'bye' });
      expect({ status: leaving.status, code: leaving.body.code }).toEqual({ status: 422, code: 'VALIDATION.REASON' });
      const members = await read(`/organizations/${orgId}/members?role=member`, admin);
      expect(members.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ userId: frank.id, role: 'member' })]));
    });
  });
});
