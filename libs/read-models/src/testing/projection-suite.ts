import { randomUUID } from 'node:crypto';
import type { Invitee } from '@roster/domain';
import { SqliteEventStore, type RecordedEvent } from '@roster/event-store';
import { InMemoryCheckpointStore } from '@roster/event-store';
import { DocumentCheckpointStore } from '../document-checkpoint-store';
import type { DocumentStore } from '../document-store/document-store.port';
import { EmbeddedDocumentStore } from '../document-store/embedded-document-store';
import { PermissionChecker } from '../permission-checker';
import { COLLECTIONS, membershipId } from '../projections/read-model.collections';
import { projectBatch } from '../projections/read-models.projection';
import { ReadModelQueries, decodeCursor, type DashboardReadOptions, type PersonalFieldOpener } from '../queries/read-model.queries';
import { INDEXED_COLLECTIONS, ReadModelProjector } from '../read-model-projector';
import { rebuildReadModels } from '../rebuild-read-models';
import { departmentScenario, dumpReadModels, EventLog, erasureScenario, fullScenario, partnerScenario } from './projection-fixtures';

/** Appends recorded events to a store as they were recorded (ids, metadata), one at a time. */
async function appendRecorded(store: SqliteEventStore, events: readonly RecordedEvent[]): Promise<void> {
  for (const event of events) await store.append(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }], 'any');
}

/** What an answer by membership says of partners: nothing. */
const VIA_MEMBERSHIP = { via: 'membership', partnerOrganizationId: null, access: null } as const;

/** A fresh, empty DocumentStore per call; closed by the suite. */
export type OpenDocumentStore = () => Promise<DocumentStore>;

async function apply(documents: DocumentStore, events: readonly RecordedEvent[], batchSize = events.length): Promise<void> {
  for (let i = 0; i < events.length; i += batchSize) await documents.write(projectBatch(events.slice(i, i + batchSize)));
}

/**
 * The projection suite, one body for every DocumentStore: the embedded one in the unit
 * project, MongoDB (FerretDB) in the integration project.
 */
export function describeProjectionSuite(label: string, open: OpenDocumentStore): void {
  describe(`read-model projections over ${label}`, () => {
    const opened: DocumentStore[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterAll(async () => {
      for (const store of opened) await store.close();
    });

    /**
     * The same documents when the whole log is delivered twice, and when it is replayed as
     * `replays` say: each [from, batchSize] applies the events from index `from` in batches.
     */
    const expectSameWhenRepeated = async (events: readonly RecordedEvent[], expected: unknown, replays: ReadonlyArray<readonly [number, number]>) => {
      const twice = await fresh();
      await apply(twice, events);
      await apply(twice, events);
      expect(await dumpReadModels(twice)).toEqual(expected);
      const replayed = await fresh();
      for (const [from, batchSize] of replays) await apply(replayed, events.slice(from), batchSize);
      expect(await dumpReadModels(replayed)).toEqual(expected);
    };

    it('maps every event type to the documents it describes', async () => {
      const { log, orgs, users, invitations, requests } = fullScenario();
      const documents = await fresh();
      await apply(documents, log.events);
      const queries = new ReadModelQueries(documents);

      const o = await queries.organization(orgs.o);
      expect(o).toMatchObject({ name: 'Open Data O', description: 'second', status: 'active', memberCounts: { admin: 1, editor: 0, member: 0 }, memberCount: 1, createdBy: users.a });
      expect(o?.createdAt).toBe('2026-01-01T01:00:00.000Z');
      expect(await queries.organization(orgs.p)).toMatchObject({ status: 'deleted', memberCounts: { admin: 1, member: 1 }, deletedAt: '2026-01-02T08:00:00.000Z' });

      const memberships = await documents.find(COLLECTIONS.memberships, { organizationId: orgs.o }, { sort: { _id: 1 } });
      const byUser = Object.fromEntries(memberships.map((m) => [m.userId, m]));
      expect(byUser[users.a]).toMatchObject({ role: 'admin', status: 'active', via: 'creation', since: '2026-01-01T01:00:00.000Z' });
      expect(byUser[users.b]).toMatchObject({ role: 'editor', status: 'removed', via: 'invitation', endedBy: users.a });
      expect(byUser[users.c]).toMatchObject({ role: 'editor', status: 'left', via: 'join-request', grantedBy: users.a });
      expect((await queries.members(orgs.o, { limit: 10 })).items.map((m) => m.userId)).toEqual([users.a]);

      const allInvitations = await queries.invitations(orgs.o, 'all', new Date('2026-01-03T00:00:00Z'));
      const invitation = (id: string) => allInvitations.find((i) => i.invitationId === id);
      expect(invitation(invitations.inv1)).toMatchObject({ status: 'replaced', replacedBy: invitations.inv2, handledBy: users.a });
      expect(invitation(invitations.inv2)).toMatchObject({ status: 'accepted', handledBy: users.b, role: 'editor' });
      expect(invitation(invitations.inv3)).toMatchObject({ status: 'declined', invitee: { kind: 'email', email: 'x@example.org' } });
      expect(invitation(invitations.inv4)).toMatchObject({ status: 'revoked', handledBy: users.a });
      const pending = await queries.invitations(orgs.o, 'pending', new Date('2026-01-03T00:00:00Z'));
      expect(pending).toEqual([expect.objectContaining({ invitationId: invitations.inv5, role: 'admin', invitedBy: users.a, expiresAt: '2026-01-08T00:00:00.000Z', expired: false })]);
      expect((await queries.invitations(orgs.o, 'pending', new Date('2026-02-01T00:00:00Z')))[0].expired).toBe(true);

      const allRequests = await queries.joinRequests(orgs.o, 'all');
      const request = (id: string) => allRequests.find((r) => r.requestId === id);
      expect(request(requests.req1)).toMatchObject({ status: 'cancelled', message: 'let me in', handledBy: users.c });
      expect(request(requests.req2)).toMatchObject({ status: 'approved', grantedRole: 'member', handledBy: users.a });
      expect(request(requests.req3)).toMatchObject({ status: 'rejected', reason: 'no', handledBy: users.a });
      expect((await queries.joinRequests(orgs.o)).map((r) => r.userId).sort()).toEqual([users.c, users.d].sort());

      const activity = await queries.recentActivity(orgs.o, 3);
      expect(activity.map((a) => a.type)).toEqual(['JoinRequested', 'MemberInvited', 'JoinRequested']);
      expect(activity[1]).toMatchObject({ actor: users.a, subjectUserId: users.e, role: 'admin', at: '2026-01-02T18:00:00.000Z' });

      expect(await queries.memberCountsOverTime(orgs.o)).toEqual([
        { day: '2026-01-01', admin: 1, editor: 0, member: 0, total: 1 },
        { day: '2026-01-02', admin: 1, editor: 0, member: 0, total: 1 },
      ]);
      expect(await queries.memberCountsOverTime(orgs.p)).toEqual([
        { day: '2026-01-01', admin: 1, editor: 0, member: 0, total: 1 },
        { day: '2026-01-02', admin: 1, editor: 0, member: 1, total: 2 },
      ]);
    });

    it('drops a deleted organization from its members\' lists and keeps its documents', async () => {
      const { log, orgs, users } = fullScenario();
      const documents = await fresh();
      await apply(documents, log.events);
      const queries = new ReadModelQueries(documents);
      expect((await queries.userOrganizations(users.a)).map((m) => m.organizationId)).toEqual([orgs.o]);
      expect(await queries.userOrganizations(users.b)).toEqual([]);
      expect(await queries.userOrganizations(users.d)).toEqual([expect.objectContaining({ organizationId: orgs.q, name: 'Q', role: 'admin', via: 'creation' })]);
      expect(await documents.findOne(COLLECTIONS.memberships, { _id: membershipId(orgs.p, users.b) })).toMatchObject({ status: 'active', organizationStatus: 'deleted' });
    });

    it("resends an invitation, reports pending or expired, and lists a person's invitations across organizations", async () => {
      const log = new EventLog();
      const [o, p, gone] = [randomUUID(), randomUUID(), randomUUID()];
      const [admin, ada] = [`admin-${randomUUID()}`, `ada-${randomUUID()}`];
      const [byId, byEmail, other, inGone, handled] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      for (const [org, name] of [[o, 'Open Data O'], [p, 'Open Data P'], [gone, 'Gone']]) {
        log.add({ type: 'OrganizationCreated', data: { organizationId: org, name, description: '', createdBy: admin } }, admin, '2026-01-01T00:00:00.000Z', 3);
      }
      const invite = (org: string, invitationId: string, invitee: Invitee, at: string, expiresAt: string) =>
        log.add({ type: 'MemberInvited', data: { organizationId: org, invitationId, invitee, role: 'editor', invitedBy: admin, expiresAt, departmentId: null, defaultDatasetRole: 'contributor' } }, admin, at, 3);
      invite(o, byId, { kind: 'user', userId: ada }, '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z');
      // An address as the store keeps it: sealed under its owner's key, whose id the documents keep.
      const sealedFor = (kid: string) => ({ enc: 'v1', kid, iv: 'iv', ct: 'ct', tag: 'tag' }) as unknown as string;
      invite(p, byEmail, { kind: 'email', email: sealedFor('kid-ada') }, '2026-01-03T00:00:00.000Z', '2026-01-10T00:00:00.000Z');
      invite(p, other, { kind: 'email', email: sealedFor('kid-bob') }, '2026-01-03T00:00:00.000Z', '2026-01-10T00:00:00.000Z');
      invite(gone, inGone, { kind: 'user', userId: ada }, '2026-01-03T00:00:00.000Z', '2026-01-10T00:00:00.000Z');
      invite(o, handled, { kind: 'email', email: sealedFor('kid-ada') }, '2026-01-01T12:00:00.000Z', '2026-01-10T00:00:00.000Z');
      log.add({ type: 'InvitationRevoked', data: { organizationId: o, invitationId: handled, revokedBy: admin } }, admin, '2026-01-01T13:00:00.000Z', 3);
      log.add({ type: 'OrganizationDeleted', data: { organizationId: gone, deletedBy: admin } }, admin, '2026-01-04T00:00:00.000Z', 3);
      const documents = await fresh();
      await apply(documents, log.events);
      const queries = new ReadModelQueries(documents);
      const jan5 = new Date('2026-01-05T00:00:00Z');

      // Before the resend: the one by id expired on the 3rd.
      expect((await queries.invitations(o, 'pending', jan5)).map((i) => [i.invitationId, i.status, i.expired])).toEqual([[byId, 'expired', true]]);
      expect((await queries.userInvitations(ada, ['kid-ada'], jan5)).map((i) => [i.invitationId, i.organizationName, i.status])).toEqual([
        [byEmail, 'Open Data P', 'pending'],
        [byId, 'Open Data O', 'expired'],
      ]);

      const resent = log.add({ type: 'InvitationResent', data: { organizationId: o, invitationId: byId, expiresAt: '2026-01-12T00:00:00.000Z', resentBy: admin } }, admin, '2026-01-05T00:00:00.000Z', 3);
      await apply(documents, [resent]);
      await apply(documents, [resent]);
      const [after] = await queries.invitations(o, 'pending', jan5);
      expect(after).toMatchObject({ invitationId: byId, status: 'pending', expired: false, expiresAt: '2026-01-12T00:00:00.000Z', resentBy: admin, resentAt: '2026-01-05T00:00:00.000Z' });
      // By user id only, without an e-mail: the one sent to the address is not found.
      expect(await queries.userInvitations(ada, [], jan5)).toEqual([
        {
          invitationId: byId,
          organizationId: o,
          organizationName: 'Open Data O',
          invitee: { kind: 'user', userId: ada },
          role: 'editor',
          invitedBy: admin,
          invitedAt: '2026-01-02T00:00:00.000Z',
          expiresAt: '2026-01-12T00:00:00.000Z',
          status: 'pending',
          departmentId: null,
          defaultDatasetRole: 'contributor',
        },
      ]);
      expect(await queries.userInvitations(`nobody-${randomUUID()}`, ['kid-nobody'], jan5)).toEqual([]);
    });

    it('leaves identical documents when the same batch is delivered twice', async () => {
      const { log } = fullScenario();
      const once = await fresh();
      const twice = await fresh();
      await apply(once, log.events);
      await apply(twice, log.events);
      await apply(twice, log.events);
      expect(await dumpReadModels(twice)).toEqual(await dumpReadModels(once));
    });

    it('leaves identical documents when replayed from an older checkpoint, whatever the batch sizes', async () => {
      const { log } = fullScenario();
      const reference = await fresh();
      await apply(reference, log.events);
      const replayed = await fresh();
      await apply(replayed, log.events, 4);
      await apply(replayed, log.events.slice(7), 3);
      await apply(replayed, log.events.slice(15), 1);
      const single = await fresh();
      await apply(single, log.events, 1);
      const expected = await dumpReadModels(reference);
      expect(await dumpReadModels(replayed)).toEqual(expected);
      expect(await dumpReadModels(single)).toEqual(expected);
    });

    it('pages members with an opaque cursor and filters by role', async () => {
      const { log, orgs, users } = fullScenario();
      const extra = Array.from({ length: 5 }, (_, i) => `m${i}-${users.a}`);
      for (const [i, userId] of extra.entries()) {
        log.add({ type: 'JoinApproved', data: { organizationId: orgs.o, requestId: `r${i}`, userId, role: i % 2 ? 'member' : 'editor', approvedBy: users.a } }, users.a, '2026-01-03T00:00:00.000Z');
      }
      const documents = await fresh();
      await apply(documents, log.events);
      const queries = new ReadModelQueries(documents);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queries.members(orgs.o, { limit: 2, cursor: cursor === undefined ? undefined : decodeCursor(cursor) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((m) => m.userId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([users.a, ...extra].sort());
      expect((await queries.members(orgs.o, { role: 'editor', limit: 10 })).items.map((m) => m.userId)).toEqual([extra[0], extra[2], extra[4]]);
      expect((await queries.organization(orgs.o))?.memberCounts).toEqual({ admin: 1, editor: 3, member: 2 });
    });

    it('answers the permission check from the memberships', async () => {
      const { log, orgs, users } = fullScenario();
      const documents = await fresh();
      await apply(documents, log.events);
      const checker = new PermissionChecker(documents);
      expect(await checker.check(users.a, orgs.o, 'organization.delete')).toEqual({ allowed: true, role: 'admin', reason: 'role admin grants organization.delete', departmentId: null, ...VIA_MEMBERSHIP });
      expect(await checker.check(users.b, orgs.o, 'organization.read')).toEqual({ allowed: false, role: null, reason: 'not a member', departmentId: null, ...VIA_MEMBERSHIP });
      expect(await checker.check(users.b, orgs.p, 'organization.read')).toEqual({ allowed: false, role: null, reason: 'organization deleted', departmentId: null, ...VIA_MEMBERSHIP });
      expect(await checker.check(users.a, '00000000-0000-4000-8000-000000000000', 'organization.read')).toMatchObject({ allowed: false, reason: 'unknown organization' });
    });

    it('places members in departments with their default dataset role, upcast ones organization-wide', async () => {
      const { log, o, users } = departmentScenario();
      const documents = await fresh();
      await apply(documents, log.events);
      const queries = new ReadModelQueries(documents);
      const members = (await queries.members(o, { limit: 10 })).items;
      const byUser = Object.fromEntries(members.map((m) => [m.userId, m]));
      expect(Object.keys(byUser).sort()).toEqual([users.a, users.b, users.d, users.e].sort());
      // a and b were recorded before departments: read organization-wide, with the default dataset role of their role then.
      expect(byUser[users.a]).toMatchObject({ role: 'admin', departmentId: null, defaultDatasetRole: 'manager' });
      expect(byUser[users.b]).toMatchObject({ role: 'editor', departmentId: 'roads', defaultDatasetRole: 'manager' });
      expect(byUser[users.d]).toMatchObject({ role: 'admin', departmentId: 'water', defaultDatasetRole: 'manager' });
      expect(byUser[users.e]).toMatchObject({ role: 'editor', departmentId: 'water', defaultDatasetRole: 'reader' });
      expect((await queries.members(o, { departmentId: 'water', limit: 10 })).items.map((m) => m.userId)).toEqual([users.d, users.e].sort());
      expect((await queries.members(o, { departmentId: 'water', role: 'admin', limit: 10 })).items.map((m) => m.userId)).toEqual([users.d]);
      expect((await queries.members(o, { departmentId: 'parks', limit: 10 })).items).toEqual([]);

      // A removed department is gone from the list; a renamed one keeps its id.
      expect(await queries.departments(o)).toEqual([
        { departmentId: 'roads', name: 'Roads and bridges', memberCount: 1 },
        { departmentId: 'water', name: 'Water', memberCount: 2 },
      ]);
      expect(await queries.membersByDepartment(o)).toEqual({ departments: await queries.departments(o), organizationWide: 1 });
      // The dashboard's reads in one pass read what the reads apart read.
      const now = new Date();
      expect(await queries.dashboard(o, { membersPerRole: 2, activity: 20, joinRequests: true, invitations: true }, now)).toStrictEqual({
        membersByRole: await queries.membersByRole(o, 2),
        membersByDepartment: await queries.membersByDepartment(o),
        recentActivity: await queries.recentActivity(o, 20),
        memberCountsOverTime: await queries.memberCountsOverTime(o),
        joinRequests: await queries.joinRequests(o),
        invitations: await queries.invitations(o, 'pending', now),
        partnerCount: await queries.partnerCount(o),
      });
      expect(await queries.dashboard(o, { membersPerRole: 1, activity: 3, activityTypes: ['MemberInvited', 'DepartmentAdded'], joinRequests: false, invitations: false })).toStrictEqual({
        membersByRole: await queries.membersByRole(o, 1),
        membersByDepartment: await queries.membersByDepartment(o),
        recentActivity: await queries.recentActivity(o, 3, ['MemberInvited', 'DepartmentAdded']),
        memberCountsOverTime: await queries.memberCountsOverTime(o),
        partnerCount: await queries.partnerCount(o),
      });
      // Over a store answering at once (findSync), the dashboard is answered at once, with no promise; the same answer as through the store's promises.
      const options = { membersPerRole: 2, activity: 20, joinRequests: true, invitations: true };
      const atOnce = queries.dashboard(o, options, now);
      expect(atOnce instanceof Promise).toBe(documents.findSync === undefined);
      const throughPromises: DocumentStore = {
        write: (writes) => documents.write(writes),
        updateOneIf: (collection, filter, update) => documents.updateOneIf(collection, filter, update),
        insertMany: (collection, docs) => documents.insertMany(collection, docs),
        find: (collection, filter, findOptions) => documents.find(collection, filter, findOptions),
        findOne: (collection, filter) => documents.findOne(collection, filter),
        count: (collection, filter) => documents.count(collection, filter),
        ensureIndexes: (collection, indexes) => documents.ensureIndexes(collection, indexes),
        drop: (collection) => documents.drop(collection),
        close: () => documents.close(),
      };
      const later = new ReadModelQueries(throughPromises).dashboard(o, options, now);
      expect(later).toBeInstanceOf(Promise);
      expect(await later).toStrictEqual(await atOnce);
      expect(await queries.departments(randomUUID())).toEqual([]);

      const pending = await queries.invitations(o, 'all');
      expect(pending).toEqual([expect.objectContaining({ status: 'accepted', departmentId: 'water', defaultDatasetRole: 'none' })]);
      const activity = await queries.recentActivity(o, 20);
      const moved = activity.find((entry) => entry.type === 'MemberDepartmentChanged');
      expect(moved).toMatchObject({ subjectUserId: users.b, departmentId: 'roads' });
      expect(moved).not.toHaveProperty('role');
      expect(activity.find((entry) => entry.type === 'DefaultDatasetRoleChanged')).not.toHaveProperty('role');
    });

    it('answers a kept dashboard again only while nothing it shows changed: documents, opened values, time', async () => {
      const { log, orgs } = fullScenario();
      const documents = await fresh();
      // Opened values as the vault gives them: plaintext until the key is destroyed (the generation grows), then the erased marker.
      let generation = 0;
      const erasedAfter = 1;
      const open: PersonalFieldOpener = (fields) => fields.map((field) => (typeof field.value === 'string' && generation >= erasedAfter ? { erased: true } : field.value));
      const kept = new ReadModelQueries(documents, open, { generation: () => generation, ttlMs: 60_000 });
      const answerOf = (options: DashboardReadOptions, now: Date) => new ReadModelQueries(documents, open).dashboard(orgs.o, options, now);
      const everything = { membersPerRole: 2, activity: 20, joinRequests: true, invitations: true };
      const little = { membersPerRole: 1, activity: 3, activityTypes: ['MemberInvited'], joinRequests: false, invitations: false };
      const now = new Date('2026-01-03T00:00:00.000Z');
      // After every event, each kind of caller's dashboard is the one made afresh (the kept one of the other kind is not answered).
      for (const event of log.events) {
        await apply(documents, [event]);
        for (const options of [everything, little]) expect(await kept.dashboard(orgs.o, options, now)).toStrictEqual(await answerOf(options, now));
      }
      const first = await kept.dashboard(orgs.o, everything, now);
      // Nothing changed: the same answer, kept, when the store tells when its documents change (the embedded store).
      expect((await kept.dashboard(orgs.o, everything, now)) === first).toBe(documents.changes !== undefined);
      // Up to an invitation's expiresAt it is pending; after it, expired (the dashboard is made again).
      const expiresAt = new Date('2026-01-08T00:00:00.000Z');
      const pendingThen = await kept.dashboard(orgs.o, everything, expiresAt);
      expect(pendingThen.invitations?.map((i) => i.status)).toEqual(['pending']);
      const later = new Date(expiresAt.getTime() + 1);
      const expiredLater = await kept.dashboard(orgs.o, everything, later);
      expect(expiredLater.invitations?.map((i) => i.status)).toEqual(['expired']);
      expect(expiredLater).toStrictEqual(await answerOf(everything, later));
      // A message shown before a key is destroyed is not shown after it.
      expect(JSON.stringify(await kept.dashboard(orgs.o, everything, now))).toContain('again');
      generation++;
      const erased = await kept.dashboard(orgs.o, everything, now);
      expect(JSON.stringify(erased)).not.toContain('again');
      expect(erased).toStrictEqual(await answerOf(everything, now));
      // A rebuild (drop, bulk load) is a change too.
      await documents.drop(COLLECTIONS.joinRequests);
      expect((await kept.dashboard(orgs.o, everything, now)).joinRequests).toEqual([]);
    });

    it('answers the permission check with the member\'s department and the resource\'s', async () => {
      const { log, o, users } = departmentScenario();
      const documents = await fresh();
      await apply(documents, log.events);
      const checker = new PermissionChecker(documents);
      // e: editor restricted to water.
      expect(await checker.check(users.e, o, 'dataset.update', 'water')).toEqual({
        allowed: true,
        role: 'editor',
        reason: 'role editor grants dataset.update in department water',
        departmentId: 'water',
        ...VIA_MEMBERSHIP,
      });
      const onRoads = await checker.check(users.e, o, 'dataset.update', 'roads');
      expect(onRoads).toMatchObject({ allowed: false, role: 'editor', departmentId: 'water' });
      expect(onRoads.reason).toMatch(/restricted to department water.*department roads/);
      expect(await checker.check(users.e, o, 'dataset.update')).toMatchObject({ allowed: false, reason: expect.stringMatching(/without department/) });
      expect(await checker.check(users.e, o, 'dataset.create')).toMatchObject({ allowed: true, departmentId: 'water' });
      // d: admin restricted to water; organization-level actions need an organization-wide role.
      expect(await checker.check(users.d, o, 'organization.update')).toMatchObject({ allowed: false, role: 'admin', departmentId: 'water' });
      // a: organization-wide, any department; b was moved into roads.
      expect(await checker.check(users.a, o, 'dataset.update', 'roads')).toMatchObject({ allowed: true, departmentId: null });
      expect(await checker.check(users.b, o, 'dataset.update', 'roads')).toMatchObject({ allowed: true, departmentId: 'roads' });
      expect(await checker.check(users.c, o, 'dataset.read', 'water')).toEqual({ allowed: false, role: null, reason: 'not a member', departmentId: null, ...VIA_MEMBERSHIP });
    });

    it('leaves identical department documents when delivered twice or replayed from an older checkpoint', async () => {
      const { log } = departmentScenario();
      const reference = await fresh();
      await apply(reference, log.events);
      const expected = await dumpReadModels(reference);
      expect(expected[COLLECTIONS.departments]).toHaveLength(3);
      await expectSameWhenRepeated(log.events, expected, [[0, 3], [5, 2], [9, 1]]);
    });

    it('erasure: the membership ends as erased, invitations and requests are withdrawn, the organization flagged then not; the same twice or replayed', async () => {
      const { log, flagged, orgs, users, inv, req } = erasureScenario();
      const documents = await fresh();
      await apply(documents, log.events.slice(0, flagged));
      const queries = new ReadModelQueries(documents);
      expect(await queries.organization(orgs.o)).toMatchObject({ needsAdmin: true, memberCounts: { admin: 0, editor: 1, member: 0 } });
      expect((await queries.organizationsNeedingAdmin()).map((o) => o.organizationId)).toEqual([orgs.o]);
      expect(await documents.findOne(COLLECTIONS.memberships, { _id: membershipId(orgs.o, users.a) })).toMatchObject({ status: 'erased', endedBy: 'identity' });
      expect((await queries.invitations(orgs.p, 'all'))[0]).toMatchObject({ invitationId: inv, status: 'withdrawn', handledBy: 'identity' });
      expect((await queries.joinRequests(orgs.p, 'all'))[0]).toMatchObject({ requestId: req, status: 'withdrawn' });
      expect(await queries.organizationsConcerning(users.a, [])).toEqual([]);
      expect((await queries.personalData(users.a, [])).memberships).toEqual([expect.objectContaining({ organizationId: orgs.o, status: 'erased' })]);

      await apply(documents, log.events.slice(flagged));
      expect((await queries.organization(orgs.o))?.needsAdmin).toBeUndefined();
      expect(await queries.organizationsNeedingAdmin()).toEqual([]);
      await expectSameWhenRepeated(log.events, await dumpReadModels(documents), [[0, 3], [4, 1]]);
    });

    it("lists A's partners, B's partner-of and counts A's active partners; a deleted partner is left out", async () => {
      const { log, orgs, admins, partnerships } = partnerScenario();
      const documents = await fresh();
      await apply(documents, log.events);
      const queries = new ReadModelQueries(documents);
      const partners = await queries.partners(orgs.a);
      const byId = Object.fromEntries(partners.map((p) => [p.partnershipId, p]));
      expect(Object.keys(byId).sort()).toEqual([partnerships.pB, partnerships.pC, partnerships.pContact, partnerships.pE2].sort());
      expect(partners.map((p) => p.partnershipId)).toEqual(Object.keys(byId).sort());
      expect(byId[partnerships.pB]).toEqual({
        partnershipId: partnerships.pB,
        partnerOrganizationId: orgs.b,
        name: 'Organization B',
        access: 'read',
        status: 'active',
        invitedAt: expect.any(String),
        invitedBy: admins.a,
        acceptedAt: expect.any(String),
        acceptedBy: admins.b,
      });
      expect(byId[partnerships.pC]).toMatchObject({ partnerOrganizationId: orgs.c, access: 'write', status: 'active' });
      expect(byId[partnerships.pE2]).toMatchObject({ partnerOrganizationId: orgs.e, name: 'Organization E', access: 'write', status: 'pending' });
      expect(byId[partnerships.pContact]).toEqual(expect.objectContaining({ partnerOrganizationId: null, name: 'Future Partner', status: 'pending' }));
      // The contact's e-mail address is personal data: no read model keeps it.
      expect(JSON.stringify(await dumpReadModels(documents))).not.toContain('contact@example.org');
      expect(await queries.partnerCount(orgs.a)).toBe(2);
      expect(await queries.partnerOf(orgs.b)).toEqual([{ partnershipId: partnerships.pB, organizationId: orgs.a, name: 'Organization A', access: 'read', since: expect.any(String) }]);
      expect((await queries.partnerOf(orgs.c)).map((p) => [p.organizationId, p.access])).toEqual([[orgs.a, 'write']]);
      expect(await queries.partnerOf(orgs.e)).toEqual([]);
      expect(await queries.partners(randomUUID())).toEqual([]);
      // A renamed partner is listed under its new name: names are read with the list.
      await documents.write(projectBatch([log.add({ type: 'OrganizationProfileUpdated', data: { organizationId: orgs.b, name: 'B renamed' } }, admins.b, '2026-03-02T00:00:00.000Z')]));
      expect((await queries.partners(orgs.a)).find((p) => p.partnershipId === partnerships.pB)?.name).toBe('B renamed');
    });

    it("answers the permission check for a partner's member via the partner, and a member always via the membership", async () => {
      const { log, orgs, admins, users } = partnerScenario();
      const documents = await fresh();
      await apply(documents, log.events);
      const checker = new PermissionChecker(documents);
      expect(await checker.check(users.bMember, orgs.a, 'dataset.read')).toEqual({
        allowed: true,
        role: 'member',
        reason: expect.any(String),
        departmentId: null,
        via: 'partner',
        partnerOrganizationId: orgs.b,
        access: 'read',
      });
      expect(await checker.check(users.bEditor, orgs.a, 'dataset.update')).toMatchObject({ allowed: false, via: 'partner', partnerOrganizationId: orgs.b, role: 'editor', access: 'read' });
      expect(await checker.check(users.cEditor, orgs.a, 'dataset.update')).toMatchObject({ allowed: true, via: 'partner', partnerOrganizationId: orgs.c, role: 'editor', access: 'write' });
      expect(await checker.check(users.cEditor, orgs.a, 'dataset.create')).toMatchObject({ allowed: false, via: 'partner', partnerOrganizationId: orgs.c });
      expect(await checker.check(users.cEditor, orgs.a, 'membership.invite')).toMatchObject({ allowed: false, via: 'partner' });
      // Member of two partners: the one that grants answers.
      expect(await checker.check(users.both, orgs.a, 'dataset.update')).toMatchObject({ allowed: true, via: 'partner', partnerOrganizationId: orgs.c });
      // A member of A is answered by the membership, even where a partnership would grant more.
      expect(await checker.check(users.aMember, orgs.a, 'dataset.read')).toMatchObject({ allowed: true, via: 'membership', role: 'member', partnerOrganizationId: null, access: null });
      expect(await checker.check(admins.a, orgs.a, 'organization.delete')).toMatchObject({ allowed: true, via: 'membership', role: 'admin' });
      // Deleted partner (D), ended partnership (C -> B), pending partnership (E), Roster's own actions: nothing.
      const nothing = { allowed: false, role: null, reason: 'not a member', departmentId: null, via: 'membership', partnerOrganizationId: null, access: null };
      expect(await checker.check(users.dMember, orgs.a, 'dataset.read')).toEqual(nothing);
      expect(await checker.check(users.bMember, orgs.c, 'dataset.read')).toEqual(nothing);
      expect(await checker.check(admins.e, orgs.a, 'dataset.read')).toEqual(nothing);
      expect(await checker.check(users.bMember, orgs.a, 'audit.read')).toMatchObject({ allowed: false, via: 'membership' });
    });

    it('ends a partner grant as soon as the partner is deleted, the partnership ends or A is deleted', async () => {
      const { log, beforeEnds, orgs, admins, users } = partnerScenario();
      const documents = await fresh();
      await apply(documents, log.events.slice(0, beforeEnds));
      const checker = new PermissionChecker(documents);
      expect(await checker.check(users.dMember, orgs.a, 'dataset.update')).toMatchObject({ allowed: false, via: 'partner', partnerOrganizationId: orgs.d, access: 'write', role: 'member' });
      expect(await checker.check(users.dMember, orgs.a, 'dataset.read')).toMatchObject({ allowed: true, via: 'partner', partnerOrganizationId: orgs.d });
      expect(await checker.check(users.bEditor, orgs.c, 'dataset.update')).toMatchObject({ allowed: true, via: 'partner', partnerOrganizationId: orgs.b });
      await apply(documents, log.events.slice(beforeEnds));
      expect(await checker.check(users.dMember, orgs.a, 'dataset.read')).toMatchObject({ allowed: false, via: 'membership' });
      expect(await checker.check(users.bEditor, orgs.c, 'dataset.update')).toMatchObject({ allowed: false, via: 'membership' });
      await documents.write(projectBatch([log.add({ type: 'OrganizationDeleted', data: { organizationId: orgs.a, deletedBy: admins.a } }, admins.a, '2026-03-02T00:00:00.000Z')]));
      expect(await checker.check(users.bMember, orgs.a, 'dataset.read')).toMatchObject({ allowed: false, reason: 'organization deleted', via: 'membership' });
      // B's list leaves out the deleted A.
      expect(await new ReadModelQueries(documents).partnerOf(orgs.b)).toEqual([]);
    });

    it('leaves identical partnership documents when delivered twice or replayed from an older checkpoint', async () => {
      const { log } = partnerScenario();
      const reference = await fresh();
      await apply(reference, log.events);
      const expected = await dumpReadModels(reference);
      expect(expected[COLLECTIONS.partnerships]).toHaveLength(7);
      const twice = await fresh();
      await apply(twice, log.events);
      await apply(twice, log.events);
      expect(await dumpReadModels(twice)).toEqual(expected);
      const replayed = await fresh();
      await apply(replayed, log.events, 4);
      await apply(replayed, log.events.slice(10), 3);
      await apply(replayed, log.events.slice(20), 1);
      expect(await dumpReadModels(replayed)).toEqual(expected);
    });

    it("keeps partnerships in the in-process index, which answers partner checks as the store does and drops a grant at once", async () => {
      const { log, beforeEnds, orgs, users } = partnerScenario();
      const store = new SqliteEventStore({ path: ':memory:' });
      const append = (events: readonly RecordedEvent[]) => appendRecorded(store, events);
      try {
        await append(log.events.slice(0, beforeEnds));
        const documents = await fresh();
        const index = new EmbeddedDocumentStore();
        const projector = new ReadModelProjector({ store, documents, index, maxBatchSize: 4 });
        await projector.start();
        try {
          expect(await projector.waitForPosition(await store.headPosition(), 10_000)).toBe(true);
          const inProcess = new PermissionChecker(index);
          const fromStore = new PermissionChecker(documents);
          const asked: Array<[string, string, 'dataset.read' | 'dataset.update' | 'dataset.create']> = [];
          for (const user of Object.values(users)) for (const org of Object.values(orgs)) for (const action of ['dataset.read', 'dataset.update', 'dataset.create'] as const) asked.push([user, org, action]);
          for (const [user, org, action] of asked) expect({ user, org, action, answer: inProcess.checkInProcess(user, org, action) }).toEqual({ user, org, action, answer: await fromStore.check(user, org, action) });
          expect(inProcess.checkInProcess(users.dMember, orgs.a, 'dataset.read')).toMatchObject({ allowed: true, via: 'partner', partnerOrganizationId: orgs.d });

          await append(log.events.slice(beforeEnds));
          expect(await projector.waitForPosition(await store.headPosition(), 10_000)).toBe(true);
          expect(inProcess.checkInProcess(users.dMember, orgs.a, 'dataset.read')).toMatchObject({ allowed: false, via: 'membership' });
          expect(inProcess.checkInProcess(users.bEditor, orgs.c, 'dataset.update')).toMatchObject({ allowed: false, via: 'membership' });
          for (const [user, org, action] of asked) expect({ user, org, action, answer: inProcess.checkInProcess(user, org, action) }).toEqual({ user, org, action, answer: await fromStore.check(user, org, action) });
          const live = await dumpReadModels(documents, INDEXED_COLLECTIONS);
          expect(live[COLLECTIONS.partnerships]).toHaveLength(7);
          expect(await dumpReadModels(index, INDEXED_COLLECTIONS)).toEqual(live);
        } finally {
          await projector.stop();
        }
      } finally {
        await store.close();
      }
    });

    it('rebuilds from position zero to the same documents as the live projection', async () => {
      const { log } = fullScenario();
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        await appendRecorded(store, log.events);
        const live = await fresh();
        const index = new EmbeddedDocumentStore();
        const projector = new ReadModelProjector({ store, documents: live, index, maxBatchSize: 3 });
        await projector.start();
        expect(await projector.waitForPosition(await store.headPosition(), 10_000)).toBe(true);
        await projector.stop();

        const rebuilt = await fresh();
        await apply(rebuilt, log.events.slice(0, 5)); // stale documents the rebuild must drop
        const progress: number[] = [];
        const result = await rebuildReadModels({ store, documents: rebuilt, batchSize: 4, onProgress: (p) => progress.push(p.done) });
        expect(result.events).toBe(log.events.length);
        expect(progress.length).toBeGreaterThan(1);
        const liveDump = await dumpReadModels(live);
        expect(await dumpReadModels(rebuilt)).toEqual(liveDump);
        // The in-process index holds the same organizations, memberships and partnerships.
        expect(await dumpReadModels(index, INDEXED_COLLECTIONS)).toEqual(Object.fromEntries(INDEXED_COLLECTIONS.map((name) => [name, liveDump[name]])));

        // A second worker, started from an older checkpoint over the same documents, changes nothing.
        const checkpoints = new InMemoryCheckpointStore();
        await checkpoints.save('read-models', 6n);
        const second = new ReadModelProjector({ store, documents: rebuilt, checkpoints, maxBatchSize: 5 });
        await second.start();
        expect(await second.waitForPosition(await store.headPosition(), 10_000)).toBe(true);
        await second.stop();
        expect(await dumpReadModels(rebuilt)).toEqual(liveDump);
      } finally {
        await store.close();
      }
    });

    it('never moves a checkpoint back, whichever copy saves late', async () => {
      const documents = await fresh();
      const [first, second] = [new DocumentCheckpointStore(documents), new DocumentCheckpointStore(documents)];
      await first.save('publisher', 5n);
      await second.save('publisher', 12n);
      await first.save('publisher', 7n); // a late save of a copy that was behind
      expect(await second.load('publisher')).toBe(12n);
      await second.save('publisher', 3n);
      expect(await first.load('publisher')).toBe(12n);
      await first.save('publisher', 13n);
      expect(await second.load('publisher')).toBe(13n);
    });

    it('lets one of two copies write at a time; the other takes over when it stops, to the same documents', async () => {
      const { log } = fullScenario();
      const store = new SqliteEventStore({ path: ':memory:' });
      const append = (events: readonly RecordedEvent[]) => appendRecorded(store, events);
      try {
        const half = Math.floor(log.events.length / 2);
        await append(log.events.slice(0, half));
        const documents = await fresh();
        const lease = { ttlMs: 1500, retryMs: 100 };
        const first = new ReadModelProjector({ store, documents, maxBatchSize: 3, lease: { ...lease, holder: 'first' } });
        const second = new ReadModelProjector({ store, documents, maxBatchSize: 2, index: new EmbeddedDocumentStore(), lease: { ...lease, holder: 'second' } });
        await first.start();
        await second.start();
        try {
          expect(first.writing).toBe(true);
          expect(second.writing).toBe(false);
          expect(await first.waitForPosition(await store.headPosition(), 10_000)).toBe(true);
          // The copy standing by sees the writer's progress through the checkpoint.
          expect(await second.waitForPosition(await store.headPosition(), 10_000)).toBe(true);
          expect(second.writing).toBe(false);
          // A rebuild would drop the collections under the writer: it refuses while the lease is held.
          await expect(rebuildReadModels({ store, documents })).rejects.toThrow(/held by first/);

          await first.stop(); // gives the lease up
          await append(log.events.slice(half));
          expect(await second.waitForPosition(await store.headPosition(), 10_000)).toBe(true);
          expect(second.writing).toBe(true);
        } finally {
          await second.stop();
          await first.stop();
        }
        const reference = await fresh();
        await apply(reference, log.events);
        expect(await dumpReadModels(documents)).toEqual(await dumpReadModels(reference));
      } finally {
        await store.close();
      }
    });
  });
}
