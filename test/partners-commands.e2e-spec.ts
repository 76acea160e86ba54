/**
 * The partner command routes end to end (DESIGN.md "Partners", issue 14): real HTTP on a free
 * port, the embedded SQLite store, HS256 tokens. Each route is tried by every kind of caller
 * (no token, stranger, member, editor, admin, department admin, a partner's member and admin,
 * superadmin, auditor, service token) and with each refusal; a refusal appends nothing to
 * either organization's stream (read from the event store itself). Department admins are set
 * up through the command bus (their routes are another slice's).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { organizationStreamId, type OrganizationCommand } from '@roster/domain';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@roster/event-store';
import { requestJson, signTestToken, type JsonAnswer } from '@roster/testing';
import { CommandSender } from '../apps/roster/src/command-handling';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `partners-e2e-${randomUUID()}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let running: RosterInProcess;
let dataDir: string;

interface User {
  readonly id: string;
  readonly token: string;
  readonly email?: string;
}

async function newUser(options: { email?: string; emailVerified?: boolean; roles?: string[] } = {}): Promise<User> {
  const id = `user-${randomUUID()}`;
  const claims: Record<string, unknown> = {};
  if (options.email) Object.assign(claims, { email: options.email, email_verified: options.emailVerified ?? true });
  if (options.roles) claims.roles = options.roles;
  return { id, token: await signTestToken(SECRET, id, claims), ...(options.email ? { email: options.email } : {}) };
}

const call = (method: string, path: string, as: User | null, body?: unknown): Promise<JsonAnswer> =>
  requestJson(running.baseUrl, method, path, { token: as?.token, body });

function expectOk(answer: JsonAnswer, status = 200): JsonAnswer {
  if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${answer.text}`);
  return answer;
}

function expectProblem(answer: JsonAnswer, status: number, code?: string): void {
  if (answer.status !== status || (code !== undefined && answer.body?.code !== code)) {
    throw new Error(`expected ${status}${code ? ` ${code}` : ''}, got ${answer.status}: ${answer.text}`);
  }
  expect(answer.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
}

const store = (): EventStore => running.app.get(EVENT_STORE);

async function eventsOf(organizationId: string): Promise<RecordedEvent[]> {
  const list: RecordedEvent[] = [];
  for await (const event of store().readStream(organizationStreamId(organizationId))) list.push(event);
  return list;
}

/** Sends through the command bus (for set-ups whose routes are not this slice's). */
const send = (user: User, command: OrganizationCommand) =>
  running.app.get(CommandSender).send(command, { userId: user.id, platformRoles: [] }, { commandId: randomUUID(), correlationId: randomUUID() });

/** An organization with an admin, an editor, a member and an admin restricted to department `water`. */
async function anOrganization() {
  const admin = await newUser();
  const created = expectOk(await call('POST', '/organizations', admin, { name: `Org ${randomUUID().slice(0, 8)}` }), 201);
  const id = created.body.organizationId as string;
  const add = async (role: string, departmentId?: string) => {
    const user = await newUser();
    const invitationId = randomUUID();
    await send(admin, { type: 'InviteMember', data: { organizationId: id, invitationId, invitee: { userId: user.id }, role: role as 'member', ...(departmentId ? { departmentId } : {}) } });
    expectOk(await call('POST', `/organizations/${id}/invitations/${invitationId}/accept`, user));
    return user;
  };
  await send(admin, { type: 'AddDepartment', data: { organizationId: id, departmentId: 'water', name: 'Water' } });
  return { id, admin, editor: await add('editor'), member: await add('member'), departmentAdmin: await add('admin', 'water'), add };
}

let stranger: User;
let superadmin: User;
let auditor: User;
let service: User;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-partners-e2e-'));
  running = await startRosterInProcess({ ROSTER_DATA_DIR: dataDir, ROSTER_JWT_SECRET: SECRET, ROSTER_RUN: 'api,projections' });
  [stranger, superadmin, auditor, service] = await Promise.all([newUser(), newUser({ roles: ['superadmin'] }), newUser({ roles: ['auditor'] }), newUser({ roles: ['service'] })]);
}, 120_000);

afterAll(async () => {
  await running?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the refusals and checks that neither organization's stream grew. */
async function expectNothingAppended(organizationIds: readonly string[], refusals: () => Promise<void>): Promise<void> {
  const before = await Promise.all(organizationIds.map(async (id) => (await eventsOf(id)).length));
  await refusals();
  expect(await Promise.all(organizationIds.map(async (id) => (await eventsOf(id)).length))).toEqual(before);
}

describe('POST /organizations/:orgId/partners (invite)', () => {
  it('an admin invites a partner by id: 201 with the partnershipId, recorded in the inviting organization only', async () => {
    const [a, b] = [await anOrganization(), await anOrganization()];
    const bBefore = (await eventsOf(b.id)).length;
    const answer = expectOk(await call('POST', `/organizations/${a.id}/partners`, a.admin, { partnerOrganizationId: b.id, access: 'read' }), 201);
    expect(answer.body).toMatchObject({ organizationId: a.id, partnershipId: expect.stringMatching(UUID) });
    const last = (await eventsOf(a.id)).at(-1)!;
    expect({ type: last.type, data: last.data }).toEqual({
      type: 'PartnerInvited',
      data: { organizationId: a.id, partnershipId: answer.body.partnershipId, partnerOrganizationId: b.id, access: 'read', invitedBy: a.admin.id },
    });
    expect(await eventsOf(b.id)).toHaveLength(bBefore);
  });

  it('every other kind of caller is refused, and nothing is appended', async () => {
    const [a, b, c] = [await anOrganization(), await anOrganization(), await anOrganization()];
    const body = { partnerOrganizationId: c.id, access: 'read' };
    await expectNothingAppended([a.id, c.id], async () => {
      expectProblem(await call('POST', `/organizations/${a.id}/partners`, null, body), 401);
      for (const who of [stranger, a.member, a.editor, b.admin, b.member, auditor, service]) {
        expectProblem(await call('POST', `/organizations/${a.id}/partners`, who, body), 403, 'PERMISSION.DENIED');
      }
      expectProblem(await call('POST', `/organizations/${a.id}/partners`, a.departmentAdmin, body), 403, 'PERMISSION.DEPARTMENT');
    });
    expectOk(await call('POST', `/organizations/${a.id}/partners`, superadmin, body), 201);
  });

  it('refuses itself (400), an unknown (404) or deleted (410) partner, a second partnership (409) and bad bodies (400)', async () => {
    const [a, b, gone] = [await anOrganization(), await anOrganization(), await anOrganization()];
    expectOk(await call('DELETE', `/organizations/${gone.id}`, gone.admin));
    expectOk(await call('POST', `/organizations/${a.id}/partners`, a.admin, { partnerOrganizationId: b.id, access: 'read' }), 201);
    expectOk(await call('POST', `/organizations/${a.id}/partners`, a.admin, { name: 'Hydro', contactEmail: 'contact@hydro.example.org', access: 'write' }), 201);
    const invite = (body: unknown) => call('POST', `/organizations/${a.id}/partners`, a.admin, body);
    await expectNothingAppended([a.id, b.id], async () => {
      expectProblem(await invite({ partnerOrganizationId: a.id, access: 'read' }), 400, 'PARTNER.SELF');
      expectProblem(await invite({ partnerOrganizationId: randomUUID(), access: 'read' }), 404, 'PARTNER.NOT_FOUND');
      expectProblem(await invite({ partnerOrganizationId: gone.id, access: 'read' }), 410, 'PARTNER.DELETED');
      expectProblem(await invite({ partnerOrganizationId: b.id, access: 'write' }), 409, 'PARTNERSHIP.ALREADY_EXISTS');
      expectProblem(await invite({ name: 'Hydro again', contactEmail: 'CONTACT@hydro.example.org', access: 'read' }), 409, 'PARTNERSHIP.ALREADY_EXISTS');
      expectProblem(await invite({ partnerOrganizationId: b.id, access: 'admin' }), 400, 'VALIDATION.ACCESS');
      expectProblem(await invite({ partnerOrganizationId: b.id }), 400, 'VALIDATION.ACCESS');
      expectProblem(await invite({ partnerOrganizationId: 'not-a-uuid', access: 'read' }), 400, 'VALIDATION.PARTNER_ORGANIZATION_ID');
      expectProblem(await invite({ name: 'X', contactEmail: 'nobody', access: 'read' }), 400, 'VALIDATION.CONTACT_EMAIL');
      expectProblem(await invite({ partnerOrganizationId: b.id, name: 'X', contactEmail: 'x@example.org', access: 'read' }), 400, 'VALIDATION.PARTNER');
      expectProblem(await invite({ access: 'read' }), 400, 'VALIDATION.PARTNER');
      expectProblem(await invite({ partnerOrganizationId: b.id, access: 'read', role: 'admin' }), 400);
      expectProblem(await call('POST', `/organizations/${randomUUID()}/partners`, a.admin, { partnerOrganizationId: b.id, access: 'read' }), 404, 'ORGANIZATION.NOT_FOUND');
    });
  });

  it('an Idempotency-Key retry answers the same partnershipId without inviting twice', async () => {
    const [a, b] = [await anOrganization(), await anOrganization()];
    const retry = () =>
      requestJson(running.baseUrl, 'POST', `/organizations/${a.id}/partners`, {
        token: a.admin.token,
        body: { partnerOrganizationId: b.id, access: 'write' },
        headers: { 'Idempotency-Key': `invite-${b.id}` },
      });
    const first = expectOk(await retry(), 201);
    const before = (await eventsOf(a.id)).length;
    const second = expectOk(await retry(), 201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await eventsOf(a.id)).toHaveLength(before);
  });

  it('partnerships are directed: B may invite A while A and B are partners', async () => {
    const [a, b] = [await anOrganization(), await anOrganization()];
    expectOk(await call('POST', `/organizations/${a.id}/partners`, a.admin, { partnerOrganizationId: b.id, access: 'read' }), 201);
    expectOk(await call('POST', `/organizations/${b.id}/partners`, b.admin, { partnerOrganizationId: a.id, access: 'read' }), 201);
  });
});

/** A and B, with a pending partnership from A to B. */
async function pendingPartnership(access: 'read' | 'write' = 'read') {
  const [a, b] = [await anOrganization(), await anOrganization()];
  const answer = expectOk(await call('POST', `/organizations/${a.id}/partners`, a.admin, { partnerOrganizationId: b.id, access }), 201);
  const partnershipId = answer.body.partnershipId as string;
  return { a, b, partnershipId, path: `/organizations/${a.id}/partners/${partnershipId}` };
}

describe('POST /organizations/:orgId/partners/:partnershipId/accept', () => {
  it("an admin of the invited organization accepts; the record names them and their role there; twice is 409", async () => {
    const { a, b, partnershipId, path } = await pendingPartnership('write');
    expect(expectOk(await call('POST', `${path}/accept`, b.admin)).body).toMatchObject({ organizationId: a.id, partnershipId });
    const last = (await eventsOf(a.id)).at(-1)!;
    expect({ type: last.type, data: last.data }).toEqual({
      type: 'PartnershipAccepted',
      data: { organizationId: a.id, partnershipId, partnerOrganizationId: b.id, access: 'write', acceptedBy: b.admin.id, acceptedByRole: 'admin' },
    });
    await expectNothingAppended([a.id, b.id], async () => {
      expectProblem(await call('POST', `${path}/accept`, b.admin), 409, 'PARTNERSHIP.NOT_PENDING');
    });
  });

  it('every other kind of caller is refused, and nothing is appended', async () => {
    const { a, b, path } = await pendingPartnership();
    await expectNothingAppended([a.id, b.id], async () => {
      expectProblem(await call('POST', `${path}/accept`, null), 401);
      for (const who of [stranger, a.admin, a.editor, a.member, b.editor, b.member, auditor, service]) {
        expectProblem(await call('POST', `${path}/accept`, who), 403, 'PERMISSION.DENIED');
      }
      expectProblem(await call('POST', `${path}/accept`, b.departmentAdmin), 403, 'PERMISSION.DEPARTMENT');
      expectProblem(await call('POST', `${path}/accept`, b.admin, { organizationId: randomUUID() }), 400, 'VALIDATION.ORGANIZATION_ID');
      expectProblem(await call('POST', `${path}/accept`, b.admin, { organizationId: 'nope' }), 400, 'VALIDATION.ORGANIZATION_ID');
      expectProblem(await call('POST', `/organizations/${a.id}/partners/${randomUUID()}/accept`, b.admin), 404, 'PARTNERSHIP.NOT_FOUND');
      expectProblem(await call('POST', `/organizations/${a.id}/partners/not-an-id/accept`, b.admin), 400, 'VALIDATION.ID');
    });
    expectOk(await call('POST', `${path}/accept`, superadmin));
    expect((await eventsOf(a.id)).at(-1)!.data).toMatchObject({ acceptedBy: superadmin.id, acceptedByRole: null });
  });

  it("is decided on the caller's role in B just before: promoted there, an editor accepts", async () => {
    const { a, b, path } = await pendingPartnership();
    expectProblem(await call('POST', `${path}/accept`, b.editor), 403, 'PERMISSION.DENIED');
    expectOk(await call('PUT', `/organizations/${b.id}/members/${b.editor.id}/role`, b.admin, { role: 'admin' }));
    expectOk(await call('POST', `${path}/accept`, b.editor));
    expect((await eventsOf(a.id)).at(-1)!.data).toMatchObject({ acceptedBy: b.editor.id, acceptedByRole: 'admin' });
  });

  it('the invited organization deleted since: 410, nothing appended', async () => {
    const { a, b, path } = await pendingPartnership();
    expectOk(await call('DELETE', `/organizations/${b.id}`, b.admin));
    await expectNothingAppended([a.id, b.id], async () => {
      expectProblem(await call('POST', `${path}/accept`, b.admin), 410, 'PARTNER.DELETED');
    });
  });

  it('a contact invitation: the contact with a verified e-mail, admin of the organization they name', async () => {
    const [a, c] = [await anOrganization(), await anOrganization()];
    const contactEmail = `contact-${randomUUID().slice(0, 8)}@partner.example.org`;
    const invited = expectOk(await call('POST', `/organizations/${a.id}/partners`, a.admin, { name: 'Partner', contactEmail, access: 'read' }), 201);
    const path = `/organizations/${a.id}/partners/${invited.body.partnershipId}`;
    // The contact is an admin of C (created by them), and an editor of D.
    const contact = await newUser({ email: contactEmail.toUpperCase() });
    const unverified = await newUser({ email: contactEmail, emailVerified: false });
    const someoneElse = await newUser({ email: 'someone@else.example.org' });
    const cByContact = expectOk(await call('POST', '/organizations', contact, { name: 'Contact org' }), 201).body.organizationId as string;
    const d = await anOrganization();
    const invitationId = randomUUID();
    await send(d.admin, { type: 'InviteMember', data: { organizationId: d.id, invitationId, invitee: { userId: contact.id }, role: 'editor' } });
    expectOk(await call('POST', `/organizations/${d.id}/invitations/${invitationId}/accept`, contact));
    await expectNothingAppended([a.id, cByContact, d.id], async () => {
      expectProblem(await call('POST', `${path}/accept`, unverified, { organizationId: cByContact }), 403, 'PARTNERSHIP.EMAIL_NOT_VERIFIED');
      expectProblem(await call('POST', `${path}/accept`, someoneElse, { organizationId: cByContact }), 403, 'PARTNERSHIP.NOT_CONTACT');
      expectProblem(await call('POST', `${path}/accept`, c.admin, { organizationId: c.id }), 403, 'PARTNERSHIP.NOT_CONTACT');
      expectProblem(await call('POST', `${path}/accept`, contact, { organizationId: d.id }), 403, 'PERMISSION.DENIED');
      expectProblem(await call('POST', `${path}/accept`, contact), 400, 'VALIDATION.ORGANIZATION_ID');
      expectProblem(await call('POST', `${path}/accept`, contact, { organizationId: a.id }), 400, 'PARTNER.SELF');
      expectProblem(await call('POST', `${path}/accept`, contact, { organizationId: randomUUID() }), 404, 'PARTNER.NOT_FOUND');
    });
    expectOk(await call('POST', `${path}/accept`, contact, { organizationId: cByContact }));
    expect((await eventsOf(a.id)).at(-1)!.data).toMatchObject({ partnerOrganizationId: cByContact, acceptedBy: contact.id, acceptedByRole: 'admin' });
  });
});

describe('POST /organizations/:orgId/partners/:partnershipId/decline', () => {
  it('an admin of the invited organization declines; anyone else is refused; twice is 409', async () => {
    const { a, b, partnershipId, path } = await pendingPartnership();
    await expectNothingAppended([a.id, b.id], async () => {
      expectProblem(await call('POST', `${path}/decline`, null), 401);
      for (const who of [stranger, a.admin, a.member, b.editor, b.member, auditor, service]) {
        expectProblem(await call('POST', `${path}/decline`, who), 403, 'PERMISSION.DENIED');
      }
      expectProblem(await call('POST', `${path}/decline`, b.departmentAdmin), 403, 'PERMISSION.DEPARTMENT');
    });
    expectOk(await call('POST', `${path}/decline`, b.admin));
    expect((await eventsOf(a.id)).at(-1)!.data).toEqual({ organizationId: a.id, partnershipId, partnerOrganizationId: b.id, declinedBy: b.admin.id });
    await expectNothingAppended([a.id], async () => {
      expectProblem(await call('POST', `${path}/decline`, b.admin), 409, 'PARTNERSHIP.CLOSED');
      expectProblem(await call('POST', `${path}/accept`, b.admin), 409, 'PARTNERSHIP.CLOSED');
    });
    // Declined, A may invite B again.
    expectOk(await call('POST', `/organizations/${a.id}/partners`, a.admin, { partnerOrganizationId: b.id, access: 'read' }), 201);
  });

  it('a superadmin may decline for the invited organization', async () => {
    const { path } = await pendingPartnership();
    expectOk(await call('POST', `${path}/decline`, superadmin));
  });
});

describe('PATCH /organizations/:orgId/partners/:partnershipId (access)', () => {
  it("an admin of the inviting organization changes the access; the same again appends nothing; anyone else is refused", async () => {
    const { a, b, path } = await pendingPartnership();
    expectOk(await call('POST', `${path}/accept`, b.admin));
    await expectNothingAppended([a.id, b.id], async () => {
      expectProblem(await call('PATCH', path, null, { access: 'write' }), 401);
      for (const who of [stranger, a.editor, a.member, b.admin, b.member, auditor, service]) {
        expectProblem(await call('PATCH', path, who, { access: 'write' }), 403, 'PERMISSION.DENIED');
      }
      expectProblem(await call('PATCH', path, a.departmentAdmin, { access: 'write' }), 403, 'PERMISSION.DEPARTMENT');
      expectProblem(await call('PATCH', path, a.admin, { access: 'owner' }), 400, 'VALIDATION.ACCESS');
      expectProblem(await call('PATCH', path, a.admin, {}), 400, 'VALIDATION.ACCESS');
      expectProblem(await call('PATCH', `/organizations/${a.id}/partners/${randomUUID()}`, a.admin, { access: 'write' }), 404, 'PARTNERSHIP.NOT_FOUND');
      expectOk(await call('PATCH', path, a.admin, { access: 'read' }));
    });
    expectOk(await call('PATCH', path, a.admin, { access: 'write' }));
    expect((await eventsOf(a.id)).at(-1)).toMatchObject({ type: 'PartnerAccessChanged', data: { from: 'read', to: 'write', changedBy: a.admin.id } });
    expectOk(await call('PATCH', path, superadmin, { access: 'read' }));
  });
});

describe('DELETE /organizations/:orgId/partners/:partnershipId (end)', () => {
  it('an admin of either organization ends it; the record says which side; ended twice is 409', async () => {
    const first = await pendingPartnership();
    expectOk(await call('POST', `${first.path}/accept`, first.b.admin));
    await expectNothingAppended([first.a.id, first.b.id], async () => {
      expectProblem(await call('DELETE', first.path, null), 401);
      for (const who of [stranger, first.a.editor, first.a.member, first.b.editor, first.b.member, auditor, service]) {
        expectProblem(await call('DELETE', first.path, who), 403, 'PERMISSION.DENIED');
      }
      expectProblem(await call('DELETE', first.path, first.a.departmentAdmin), 403, 'PERMISSION.DEPARTMENT');
      expectProblem(await call('DELETE', first.path, first.b.departmentAdmin), 403, 'PERMISSION.DEPARTMENT');
    });
    expectOk(await call('DELETE', first.path, first.b.admin));
    expect((await eventsOf(first.a.id)).at(-1)).toMatchObject({ type: 'PartnershipEnded', data: { endedBy: first.b.admin.id, by: 'partner', partnerOrganizationId: first.b.id } });
    await expectNothingAppended([first.a.id], async () => {
      expectProblem(await call('DELETE', first.path, first.a.admin), 409, 'PARTNERSHIP.CLOSED');
    });

    const second = await pendingPartnership();
    expectOk(await call('POST', `${second.path}/accept`, second.b.admin));
    expectOk(await call('DELETE', second.path, second.a.admin));
    expect((await eventsOf(second.a.id)).at(-1)!.data).toMatchObject({ endedBy: second.a.admin.id, by: 'organization' });
  });

  it('an admin of the inviting organization withdraws a pending one; a superadmin ends one', async () => {
    const pending = await pendingPartnership();
    expectOk(await call('DELETE', pending.path, pending.a.admin));
    expectProblem(await call('POST', `${pending.path}/accept`, pending.b.admin), 409, 'PARTNERSHIP.CLOSED');
    const active = await pendingPartnership();
    expectOk(await call('POST', `${active.path}/accept`, active.b.admin));
    expectOk(await call('DELETE', active.path, superadmin));
    expect((await eventsOf(active.a.id)).at(-1)!.data).toMatchObject({ endedBy: superadmin.id, by: 'organization' });
  });
});

describe('the OpenAPI document of the partner routes', () => {
  it('documents each route with its bearer security, every status, and the request schemas', async () => {
    const document = expectOk(await call('GET', '/docs-json', null)).body as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
      components: { schemas: Record<string, { oneOf?: unknown[]; additionalProperties?: boolean; properties: Record<string, { enum?: string[] }> }> };
    };
    const routes: [string, string, string[]][] = [
      ['/organizations/{orgId}/partners', 'post', ['201', '410']],
      ['/organizations/{orgId}/partners/{partnershipId}/accept', 'post', ['200', '410']],
      ['/organizations/{orgId}/partners/{partnershipId}/decline', 'post', ['200', '410']],
      ['/organizations/{orgId}/partners/{partnershipId}', 'patch', ['200']],
      ['/organizations/{orgId}/partners/{partnershipId}', 'delete', ['200', '410']],
    ];
    for (const [path, method, own] of routes) {
      const operation = document.paths[path]?.[method];
      expect({ path, method, documented: operation !== undefined }).toEqual({ path, method, documented: true });
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining([...own, '400', '401', '403', '404', '409', '413', '415', '422', '429']));
    }
    const schemaOf = (path: string, method: string) => {
      const ref = document.paths[path][method].requestBody!.content['application/json'].schema.$ref!;
      return document.components.schemas[ref.split('/').pop()!];
    };
    const invite = schemaOf('/organizations/{orgId}/partners', 'post');
    expect(invite).toMatchObject({ additionalProperties: false, oneOf: expect.any(Array) });
    expect(invite.properties.access.enum).toEqual(['read', 'write']);
    expect(Object.keys(invite.properties).sort()).toEqual(['access', 'contactEmail', 'name', 'partnerOrganizationId']);
    expect(Object.keys(schemaOf('/organizations/{orgId}/partners/{partnershipId}/accept', 'post').properties)).toEqual(['organizationId']);
    expect(schemaOf('/organizations/{orgId}/partners/{partnershipId}', 'patch').properties.access.enum).toEqual(['read', 'write']);
  });
});
