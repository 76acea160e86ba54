import { randomUUID } from 'node:crypto';
import { organizationStreamId, type OrganizationEvent, type Role } from '@roster/domain';
import { foldOrganization } from '@roster/domain/testing/organization.fixtures';
import { SqliteEventStore, type EventStore } from '@roster/event-store';
import { AsOfIndex, sortedMembers } from './as-of-index';
import { asOfView } from './as-of-view';

const T0 = Date.UTC(2026, 2, 1);
const minutes = (n: number) => new Date(T0 + n * 60_000).toISOString();

/** Appends events with the given times (hashes are irrelevant to as-of), recorded under `schemaVersion`. */
async function append(store: EventStore, org: string, items: Array<[OrganizationEvent, string]>, schemaVersion = 1): Promise<void> {
  await store.append(
    organizationStreamId(org),
    items.map(([event, occurredAt]) => ({
      id: randomUUID(),
      type: event.type,
      data: event.data,
      metadata: { actor: { userId: 'u-admin' }, occurredAt, correlationId: 'c', causationId: 'c', schemaVersion, command: 'X' },
    })),
    'any',
  );
}

/** A long, varied history: members join, change role and leave, the profile changes. */
function generated(org: string, count: number): Array<[OrganizationEvent, string]> {
  const roles: Role[] = ['member', 'editor', 'admin'];
  const out: Array<[OrganizationEvent, string]> = [
    [{ type: 'OrganizationCreated', data: { organizationId: org, name: 'Org', description: '', createdBy: 'u-admin' } }, minutes(0)],
  ];
  for (let i = 1; out.length < count; i++) {
    const userId = `u${i % 17}`;
    const requestId = `r${i}`;
    const at = minutes(i);
    switch (i % 5) {
      case 0:
        out.push([{ type: 'OrganizationProfileUpdated', data: { organizationId: org, name: `Org ${i}` } }, at]);
        break;
      case 1:
        out.push([{ type: 'JoinRequested', data: { organizationId: org, requestId, userId } }, at]);
        break;
      case 2:
        out.push([{ type: 'JoinApproved', data: { organizationId: org, requestId: `r${i - 1}`, userId: `u${(i - 1) % 17}`, role: roles[i % 3], approvedBy: 'u-admin' } }, at]);
        break;
      case 3:
        out.push([{ type: 'MemberRoleChanged', data: { organizationId: org, userId: `u${(i - 2) % 17}`, from: 'member', to: roles[(i + 1) % 3], changedBy: 'u-admin' } }, at]);
        break;
      default:
        out.push([{ type: 'MemberLeft', data: { organizationId: org, userId: `u${(i * 7) % 17}`, role: 'member' } }, at]);
    }
  }
  return out.slice(0, count);
}

/** The reference answer: fold the whole prefix with the domain's own fold. */
function bruteForce(items: Array<[OrganizationEvent, string]>, at: Date) {
  let max = Number.NEGATIVE_INFINITY;
  const prefix: Array<OrganizationEvent & { metadata: { occurredAt: string } }> = [];
  for (const [event, occurredAt] of items) {
    max = Math.max(max, Date.parse(occurredAt));
    if (max > at.getTime()) break;
    prefix.push({ ...event, metadata: { occurredAt } } as OrganizationEvent & { metadata: { occurredAt: string } });
  }
  return { state: foldOrganization(prefix), revision: prefix.length - 1 };
}

describe('AsOfIndex', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore({ path: ':memory:', pageSize: 7 })));
  afterEach(() => store.close());

  it('answers like a fold from zero, at every time, across snapshots', async () => {
    const org = randomUUID();
    const items = generated(org, 95);
    await append(store, org, items);
    const index = new AsOfIndex(store, { snapshotEvery: 10, membersEvery: 3 });
    for (let m = -1; m <= 96; m++) {
      for (const offset of [0, 30_000]) {
        const at = new Date(T0 + m * 60_000 + offset);
        const answer = await index.asOf(org, at);
        const expected = bruteForce(items, at);
        expect(answer.point.revision).toBe(expected.revision);
        const members = [...expected.state.members.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
        expect(asOfView(org, at, answer)).toEqual(asOfView(org, at, { ...answer, point: { ...answer.point, state: expected.state }, members }));
      }
    }
  });

  it('keeps at most maxSnapshots over all organizations, dropping the least recently used, and answers alike after', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const items = { [first]: generated(first, 30), [second]: generated(second, 30) };
    for (const org of [first, second]) await append(store, org, items[org]);
    const reads: string[] = [];
    const counted: EventStore = Object.assign(Object.create(store) as EventStore, {
      readStream: (streamId: string, options?: Parameters<EventStore['readStream']>[1]) => {
        reads.push(`${streamId}@${options?.fromRevision ?? 0n}`);
        return store.readStream(streamId, options);
      },
    });
    // 30 events every 5: 7 snapshots each; a bound of 10 holds one organization, not two.
    const index = new AsOfIndex(counted, { snapshotEvery: 5, maxSnapshots: 10 });
    const at = new Date(minutes(17));
    expect((await index.stateAt(first, at)).state).toEqual(bruteForce(items[first], at).state);
    expect((await index.stateAt(second, at)).state).toEqual(bruteForce(items[second], at).state);
    reads.length = 0;
    expect((await index.stateAt(first, at)).state).toEqual(bruteForce(items[first], at).state);
    // Dropped, so folded again from the first event.
    expect(reads[0]).toBe(`${organizationStreamId(first)}@0`);
  });

  it('extends itself with events appended after it was built', async () => {
    const org = randomUUID();
    const items = generated(org, 30);
    await append(store, org, items.slice(0, 12));
    const index = new AsOfIndex(store, { snapshotEvery: 5, membersEvery: 2 });
    expect((await index.current(org)).revision).toBe(11);
    await append(store, org, items.slice(12));
    expect((await index.current(org)).revision).toBe(29);
    const at = new Date(minutes(20));
    expect((await index.asOf(org, at)).point.state).toEqual(bruteForce(items, at).state);
  });

  it('reads a clock that went backwards as the running maximum', async () => {
    const org = randomUUID();
    const items: Array<[OrganizationEvent, string]> = [
      [{ type: 'OrganizationCreated', data: { organizationId: org, name: 'A', description: '', createdBy: 'u1' } }, minutes(0)],
      [{ type: 'OrganizationProfileUpdated', data: { organizationId: org, name: 'B' } }, minutes(10)],
      // Written by an instance whose clock lags: still after B in the record.
      [{ type: 'OrganizationProfileUpdated', data: { organizationId: org, name: 'C' } }, minutes(5)],
      [{ type: 'OrganizationProfileUpdated', data: { organizationId: org, name: 'D' } }, minutes(20)],
    ];
    await append(store, org, items);
    const index = new AsOfIndex(store, { snapshotEvery: 1 });
    const name = async (m: number) => (await index.asOf(org, new Date(minutes(m)))).point.state.name;
    expect(await name(6)).toBe('A');
    expect(await name(10)).toBe('C');
    expect(await name(19)).toBe('C');
    expect(await name(20)).toBe('D');
  });

  it('folds concurrent first uses once', async () => {
    const org = randomUUID();
    await append(store, org, generated(org, 40));
    const index = new AsOfIndex(store, { snapshotEvery: 4 });
    const points = await Promise.all([index.current(org), index.current(org), index.asOf(org, new Date(minutes(7)))]);
    expect(points[0].revision).toBe(39);
    expect(points[1]).toBe(points[0]);
    expect(points[2].point.revision).toBe(7);
  });
});

describe('sortedMembers', () => {
  const state = (ids: string[]) =>
    foldOrganization([
      { type: 'OrganizationCreated', data: { organizationId: 'o', name: 'O', description: '', createdBy: 'a' } },
      ...ids.map((userId, i): OrganizationEvent => ({ type: 'JoinApproved', data: { organizationId: 'o', requestId: `r${i}`, userId, role: 'member', approvedBy: 'a' } })),
    ]);
  const ids = (list: ReturnType<typeof sortedMembers>) => list.map(([id]) => id);

  it('merges additions, drops removals and reads current roles, in user id order', () => {
    const before = state(['m', 'c', 'x']);
    const base = sortedMembers([], before, new Set(['a', 'm', 'c', 'x']));
    expect(ids(base)).toEqual(['a', 'c', 'm', 'x']);
    const after = foldOrganization(
      [
        { type: 'MemberLeft', data: { organizationId: 'o', userId: 'c', role: 'member' } },
        { type: 'JoinApproved', data: { organizationId: 'o', requestId: 'r9', userId: 'b', role: 'editor', approvedBy: 'a' } },
        { type: 'JoinApproved', data: { organizationId: 'o', requestId: 'r8', userId: 'z', role: 'member', approvedBy: 'a' } },
        { type: 'MemberRoleChanged', data: { organizationId: 'o', userId: 'x', from: 'member', to: 'admin', changedBy: 'a' } },
      ],
      before,
    );
    const merged = sortedMembers(base, after, new Set(['o', 'c', 'b', 'r9', 'z', 'a']));
    expect(ids(merged)).toEqual(['a', 'b', 'm', 'x', 'z']);
    expect(merged.find(([id]) => id === 'x')?.[1].role).toBe('admin');
  });

  it('falls back to a full sort when an addition was not announced', () => {
    const base = sortedMembers([], state(['m']), new Set(['a', 'm']));
    expect(ids(sortedMembers(base, state(['m', 'k', 'b']), new Set()))).toEqual(['a', 'b', 'k', 'm']);
  });
});

describe('asOfView', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  it('says "did not exist" before creation, and lists only invitations unexpired at that time', async () => {
    const org = randomUUID();
    await append(store, org, [
      [{ type: 'OrganizationCreated', data: { organizationId: org, name: 'Org', description: 'd', createdBy: 'u1' } }, minutes(10)],
      [{ type: 'MemberInvited', data: { organizationId: org, invitationId: 'i1', invitee: { kind: 'email', email: 'a@example.org' }, role: 'editor', invitedBy: 'u1', expiresAt: minutes(30) } }, minutes(11)],
      [{ type: 'JoinRequested', data: { organizationId: org, requestId: 'r1', userId: 'u2', message: 'hi' } }, minutes(12)],
      [{ type: 'OrganizationDeleted', data: { organizationId: org, deletedBy: 'u1' } }, minutes(40)],
    ]);
    const index = new AsOfIndex(store);
    const view = async (m: number) => {
      const at = new Date(minutes(m));
      return asOfView(org, at, await index.asOf(org, at));
    };
    expect(await view(9)).toEqual({ organizationId: org, at: minutes(9), exists: false, createdAt: minutes(10) });
    expect(await view(20)).toEqual({
      organizationId: org,
      at: minutes(20),
      exists: true,
      status: 'active',
      revision: '2',
      lastEventAt: minutes(12),
      profile: { name: 'Org', description: 'd', createdAt: minutes(10) },
      members: [{ userId: 'u1', role: 'admin', since: minutes(10), via: 'creation', departmentId: null, defaultDatasetRole: 'manager' }],
      departments: [],
      partners: [],
      invitations: [{ invitationId: 'i1', invitee: { kind: 'email', email: 'a@example.org' }, role: 'editor', invitedBy: 'u1', expiresAt: minutes(30), departmentId: null, defaultDatasetRole: 'contributor' }],
      joinRequests: [{ requestId: 'r1', userId: 'u2', message: 'hi', requestedAt: minutes(12) }],
    });
    expect(await view(35)).toMatchObject({ exists: true, status: 'active', invitations: [] });
    expect(await view(40)).toMatchObject({ exists: true, status: 'deleted', revision: '3' });
  });
});

describe('asOfView with departments', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  it("shows the departments and each member's department and default dataset role as they were", async () => {
    const org = randomUUID();
    // Recorded under schema version 2, so the placements are read as recorded, not upcast.
    await append(
      store,
      org,
      [
        [{ type: 'OrganizationCreated', data: { organizationId: org, name: 'Org', description: '', createdBy: 'u1', creatorDefaultDatasetRole: 'manager' } }, minutes(1)],
        [{ type: 'DepartmentAdded', data: { organizationId: org, departmentId: 'water', name: 'Water', addedBy: 'u1' } }, minutes(2)],
        [{ type: 'JoinApproved', data: { organizationId: org, requestId: 'r1', userId: 'u2', role: 'editor', approvedBy: 'u1', departmentId: 'water', defaultDatasetRole: 'reader' } }, minutes(3)],
        [{ type: 'DepartmentAdded', data: { organizationId: org, departmentId: 'roads', name: 'Roads', addedBy: 'u1' } }, minutes(4)],
        [{ type: 'MemberDepartmentChanged', data: { organizationId: org, userId: 'u2', from: 'water', to: 'roads', changedBy: 'u1' } }, minutes(5)],
        [{ type: 'DefaultDatasetRoleChanged', data: { organizationId: org, userId: 'u2', from: 'reader', to: 'none', changedBy: 'u1' } }, minutes(6)],
        [{ type: 'DepartmentRenamed', data: { organizationId: org, departmentId: 'roads', from: 'Roads', to: 'Roads and bridges', renamedBy: 'u1' } }, minutes(7)],
        [{ type: 'DepartmentRemoved', data: { organizationId: org, departmentId: 'water', removedBy: 'u1' } }, minutes(8)],
      ],
      2,
    );
    const index = new AsOfIndex(store);
    const view = async (m: number) => {
      const at = new Date(minutes(m));
      const answer = asOfView(org, at, await index.asOf(org, at));
      if (!answer.exists) throw new Error('expected the organization to exist');
      return answer;
    };
    const member = (v: Awaited<ReturnType<typeof view>>) => v.members.find((m) => m.userId === 'u2');
    expect((await view(3)).departments).toEqual([{ departmentId: 'water', name: 'Water' }]);
    expect(member(await view(3))).toMatchObject({ role: 'editor', departmentId: 'water', defaultDatasetRole: 'reader' });
    expect(member(await view(5))).toMatchObject({ departmentId: 'roads', defaultDatasetRole: 'reader' });
    expect(member(await view(6))).toMatchObject({ departmentId: 'roads', defaultDatasetRole: 'none' });
    expect((await view(7)).departments).toEqual([
      { departmentId: 'roads', name: 'Roads and bridges' },
      { departmentId: 'water', name: 'Water' },
    ]);
    expect((await view(8)).departments).toEqual([{ departmentId: 'roads', name: 'Roads and bridges' }]);
    expect((await view(8)).members.find((m) => m.userId === 'u1')).toMatchObject({ departmentId: null, defaultDatasetRole: 'manager' });
  });
});

describe('asOfView with partners', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  it('shows the partnerships the organization granted as they stood: pending, active, their access, gone once ended', async () => {
    const [org, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const [p1, p2] = [randomUUID(), randomUUID()];
    await append(
      store,
      org,
      [
        [{ type: 'OrganizationCreated', data: { organizationId: org, name: 'Org', description: '', createdBy: 'u1', creatorDefaultDatasetRole: 'manager' } }, minutes(1)],
        [{ type: 'PartnerInvited', data: { organizationId: org, partnershipId: p1, partnerOrganizationId: b, access: 'read', invitedBy: 'u1' } }, minutes(2)],
        [{ type: 'PartnerInvited', data: { organizationId: org, partnershipId: p2, contact: { name: 'Contact C', contactEmail: 'c@example.org' }, access: 'write', invitedBy: 'u1' } }, minutes(3)],
        [{ type: 'PartnershipAccepted', data: { organizationId: org, partnershipId: p1, partnerOrganizationId: b, access: 'read', acceptedBy: 'ub', acceptedByRole: 'admin' } }, minutes(4)],
        [{ type: 'PartnershipAccepted', data: { organizationId: org, partnershipId: p2, partnerOrganizationId: c, access: 'write', acceptedBy: 'uc', acceptedByRole: 'admin' } }, minutes(5)],
        [{ type: 'PartnerAccessChanged', data: { organizationId: org, partnershipId: p1, partnerOrganizationId: b, from: 'read', to: 'write', changedBy: 'u1' } }, minutes(6)],
        [{ type: 'PartnershipEnded', data: { organizationId: org, partnershipId: p2, partnerOrganizationId: c, endedBy: 'uc', by: 'partner' } }, minutes(7)],
      ],
      2,
    );
    const index = new AsOfIndex(store);
    const partners = async (m: number) => {
      const at = new Date(minutes(m));
      const answer = asOfView(org, at, await index.asOf(org, at));
      if (!answer.exists) throw new Error('expected the organization to exist');
      return answer.partners;
    };
    const byId = async (m: number) => Object.fromEntries((await partners(m)).map((p) => [p.partnershipId, p]));
    expect(await partners(1)).toEqual([]);
    expect((await byId(3))[p1]).toEqual({ partnershipId: p1, partnerOrganizationId: b, contactName: null, access: 'read', status: 'pending', invitedBy: 'u1', invitedAt: minutes(2), since: null });
    expect((await byId(3))[p2]).toMatchObject({ partnerOrganizationId: null, contactName: 'Contact C', access: 'write', status: 'pending' });
    expect((await byId(5))[p2]).toMatchObject({ partnerOrganizationId: c, status: 'active', since: minutes(5) });
    expect((await byId(5))[p1]).toMatchObject({ access: 'read', status: 'active', since: minutes(4) });
    expect((await byId(6))[p1]).toMatchObject({ access: 'write', status: 'active' });
    expect((await partners(7)).map((p) => p.partnershipId)).toEqual([p1]);
    // The contact's e-mail address is personal data: the view names the contact only.
    expect(JSON.stringify(await partners(3))).not.toContain('c@example.org');
  });
});
