import { randomUUID } from 'node:crypto';
import { ACTIONS, organizationStreamId, type Action, type OrganizationEvent } from '@roster/domain';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@roster/event-store';
import { EmbeddedDocumentStore, PermissionChecker, projectBatch } from '@roster/read-models';
import { AsOfIndex } from './as-of-index';
import { checkPermissionAt } from './permission-at';

const T0 = Date.UTC(2026, 2, 1);
const minute = (n: number) => new Date(T0 + n * 60_000);

async function append(store: EventStore, organizationId: string, items: Array<[number, OrganizationEvent]>): Promise<void> {
  await store.append(
    organizationStreamId(organizationId),
    items.map(([at, event]) => ({
      id: randomUUID(),
      type: event.type,
      data: event.data,
      metadata: { actor: { userId: 'ada' }, occurredAt: minute(at).toISOString(), correlationId: 'c', causationId: 'c', schemaVersion: 2, command: 'X' },
    })),
    'any',
  );
}

const joined = (organizationId: string, userId: string, role: 'member' | 'editor' | 'admin', departmentId: string | null = null): OrganizationEvent[] => [
  { type: 'JoinRequested', data: { organizationId, requestId: `r-${organizationId}-${userId}`, userId } },
  { type: 'JoinApproved', data: { organizationId, requestId: `r-${organizationId}-${userId}`, userId, role, approvedBy: 'ada', departmentId, defaultDatasetRole: 'reader' } },
];

/**
 * A (minutes): 10 created by ada; 11 bob joins as member; 20 bob becomes editor; 25 a
 * department `water`, carl joins as editor organization-wide; 30 carl moved into water;
 * 40 bob becomes admin; 50 A invites partner B (read), 51 accepted; 70 the partnership ends;
 * 90 A deleted. B: 5 created by bea; 6 dan joins B as editor; 80 B deleted.
 */
async function story(store: EventStore, a: string, b: string): Promise<void> {
  const [j1, j2] = joined(a, 'bob', 'member');
  const [c1, c2] = joined(a, 'carl', 'editor');
  const [d1, d2] = joined(b, 'dan', 'editor');
  await append(store, b, [
    [5, { type: 'OrganizationCreated', data: { organizationId: b, name: 'B', description: '', createdBy: 'bea' } }],
    [6, d1],
    [6, d2],
  ]);
  await append(store, a, [
    [10, { type: 'OrganizationCreated', data: { organizationId: a, name: 'A', description: '', createdBy: 'ada' } }],
    [11, j1],
    [11, j2],
    [20, { type: 'MemberRoleChanged', data: { organizationId: a, userId: 'bob', from: 'member', to: 'editor', changedBy: 'ada' } }],
    [25, { type: 'DepartmentAdded', data: { organizationId: a, departmentId: 'water', name: 'Water', addedBy: 'ada' } }],
    [25, c1],
    [25, c2],
    [30, { type: 'MemberDepartmentChanged', data: { organizationId: a, userId: 'carl', from: null, to: 'water', changedBy: 'ada' } }],
    [40, { type: 'MemberRoleChanged', data: { organizationId: a, userId: 'bob', from: 'editor', to: 'admin', changedBy: 'ada' } }],
    [50, { type: 'PartnerInvited', data: { organizationId: a, partnershipId: 'p1', partnerOrganizationId: b, access: 'read', invitedBy: 'ada' } }],
    [51, { type: 'PartnershipAccepted', data: { organizationId: a, partnershipId: 'p1', partnerOrganizationId: b, access: 'read', acceptedBy: 'bea', acceptedByRole: 'admin' } }],
    [70, { type: 'PartnershipEnded', data: { organizationId: a, partnershipId: 'p1', partnerOrganizationId: b, endedBy: 'ada', by: 'organization' } }],
  ]);
  await append(store, b, [[80, { type: 'OrganizationDeleted', data: { organizationId: b, deletedBy: 'bea' } }]]);
  await append(store, a, [[90, { type: 'OrganizationDeleted', data: { organizationId: a, deletedBy: 'ada' } }]]);
}

/** The current check over the read models projected from the store's events up to `until`: what it answered then. */
async function checkerAsOf(store: EventStore, until: Date): Promise<PermissionChecker> {
  const recorded: RecordedEvent[] = [];
  for await (const event of store.readAll()) if (Date.parse(String(event.metadata.occurredAt)) <= until.getTime()) recorded.push(event);
  const documents = new EmbeddedDocumentStore();
  await documents.write(projectBatch(recorded));
  return new PermissionChecker(documents);
}

describe('checkPermissionAt: the check as it answered at a past instant', () => {
  let store: SqliteEventStore;
  let index: AsOfIndex;
  const a = randomUUID();
  const b = randomUUID();
  const at = (userId: string, action: Action, when: number, departmentId?: string | null, organizationId = a) =>
    checkPermissionAt(index, { userId, organizationId, action, ...(departmentId === undefined ? {} : { departmentId }) }, minute(when));

  beforeAll(async () => {
    store = new SqliteEventStore({ path: ':memory:' });
    await story(store, a, b);
    // Snapshots every 3 events: answers come from a snapshot folded forward, not only from the head.
    index = new AsOfIndex(store, { snapshotEvery: 3 });
  });
  afterAll(async () => store.close());

  it('answers "unknown organization" before the creation and "organization deleted" after the deletion', async () => {
    expect(await at('ada', 'organization.read', 9)).toMatchObject({ allowed: false, role: null, reason: 'unknown organization' });
    expect(await at('ada', 'organization.read', 10)).toMatchObject({ allowed: true, role: 'admin' });
    expect(await at('ada', 'organization.read', 90)).toMatchObject({ allowed: false, role: null, reason: 'organization deleted' });
    expect(await at('nobody', 'dataset.read', 0, undefined, randomUUID())).toMatchObject({ allowed: false, reason: 'unknown organization' });
  });

  it('answers with the role held then, between role changes', async () => {
    expect(await at('bob', 'dataset.create', 10)).toMatchObject({ allowed: false, role: null, reason: 'not a member' });
    expect(await at('bob', 'dataset.create', 15)).toMatchObject({ allowed: false, role: 'member' });
    expect(await at('bob', 'dataset.create', 20)).toMatchObject({ allowed: true, role: 'editor' });
    expect(await at('bob', 'membership.invite', 39)).toMatchObject({ allowed: false, role: 'editor' });
    expect(await at('bob', 'membership.invite', 40)).toMatchObject({ allowed: true, role: 'admin' });
  });

  it('applies the department the member had then', async () => {
    expect(await at('carl', 'dataset.update', 27, 'air')).toMatchObject({ allowed: true, departmentId: null });
    expect(await at('carl', 'dataset.update', 30, 'air')).toMatchObject({ allowed: false, departmentId: 'water' });
    expect(await at('carl', 'dataset.update', 30, 'water')).toMatchObject({ allowed: true, departmentId: 'water' });
  });

  it("grants through a partnership while it was active and the partner existed, on the partner's facts then", async () => {
    expect(await at('dan', 'dataset.read', 49)).toMatchObject({ allowed: false, reason: 'not a member', via: 'membership' });
    expect(await at('dan', 'dataset.read', 60)).toMatchObject({ allowed: true, via: 'partner', partnerOrganizationId: b, access: 'read', role: 'editor' });
    expect(await at('dan', 'dataset.update', 60)).toMatchObject({ allowed: false, via: 'partner' });
    expect(await at('dan', 'dataset.read', 70)).toMatchObject({ allowed: false, reason: 'not a member' });
  });

  it('answers exactly as the current check did, for every user, action and department, at each step of the story', async () => {
    const users = ['ada', 'bob', 'carl', 'dan', 'bea', 'nobody'];
    for (const when of [9, 11, 20, 25, 30, 40, 51, 60, 70, 80, 90]) {
      const current = await checkerAsOf(store, minute(when));
      for (const userId of users) {
        for (const action of ACTIONS) {
          for (const departmentId of [undefined, null, 'water', 'air']) {
            const then = await at(userId, action, when, departmentId);
            expect({ when, userId, action, departmentId, then }).toEqual({ when, userId, action, departmentId, then: await current.check(userId, a, action, departmentId) });
          }
        }
      }
    }
  });
});
