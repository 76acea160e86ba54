import { COLLECTIONS, EmbeddedDocumentStore, keptViewJson, READ_MODEL_INDEXES, ReadModelQueries } from '@roster/read-models';
import { answerJson } from './answer-json';

const ORG = 'org-1';

/** Members and activity as the queries read them: views kept by document, and entries made per read (a personal value). */
async function readViews() {
  const store = new EmbeddedDocumentStore();
  for (const [collection, indexes] of Object.entries(READ_MODEL_INDEXES)) await store.ensureIndexes(collection, indexes);
  await store.insertMany(
    COLLECTIONS.memberships,
    ['ann', 'bob', 'cé', 'dan'].map((userId, i) => ({
      _id: `${ORG}:${userId}`,
      organizationId: ORG,
      userId,
      status: 'active',
      role: (['member', 'editor', 'admin', 'member'] as const)[i],
      since: `2026-01-0${i + 1}T00:00:00.000Z`,
      via: 'invitation',
      ...(i === 1 ? { departmentId: 'water' } : {}),
      lastPosition: i + 1,
    })),
  );
  await store.insertMany(COLLECTIONS.activity, [
    { _id: 'e1', organizationId: ORG, position: 1, at: '2026-01-01T00:00:00.000Z', type: 'OrganizationCreated', actor: 'ann' },
    { _id: 'e2', organizationId: ORG, position: 2, at: '2026-01-02T00:00:00.000Z', type: 'MemberInvited', actor: 'ann', subjectEmail: 'x@example.org' },
    { _id: 'e3', organizationId: ORG, position: 3, at: '2026-01-03T00:00:00.000Z', type: 'InvitationAccepted', actor: 'bob', subjectUserId: 'bob', note: 'line\nbreak "quoted" \u2028 \ud800' },
  ]);
  const queries = new ReadModelQueries(store);
  return { queries, members: await queries.members(ORG, { limit: 10 }), byRole: await queries.membersByRole(ORG, 2), activity: await queries.recentActivity(ORG, 10) };
}

describe('answerJson', () => {
  it('writes the bytes JSON.stringify writes for a dashboard-like answer, kept views and views made per read alike', async () => {
    const { members, byRole, activity } = await readViews();
    // Some views are kept (their JSON made once), the entry with a personal value is not: both kinds are in the answer.
    expect(activity.map((entry) => keptViewJson(entry) !== undefined)).toEqual([true, false, true]);
    expect(members.items.every((item) => keptViewJson(item) !== undefined)).toBe(true);
    const answer = {
      organizationId: ORG,
      name: 'Ünïcode "name"',
      memberCounts: { member: 2, editor: 1, admin: 1 },
      membersByRole: byRole,
      membersByDepartment: { departments: [{ departmentId: 'water', name: 'Water', memberCount: 1 }], organizationWide: 3 },
      partnerCount: 0,
      pendingInvitations: [{ invitationId: 'i1', invitee: { kind: 'email', email: 'y@example.org' }, expired: false, status: 'pending' }],
      recentActivity: activity,
      position: '3',
    };
    expect(answerJson(answer)).toBe(JSON.stringify(answer));
    // Twice: the second time from the kept JSON.
    expect(answerJson(answer)).toBe(JSON.stringify(answer));
    expect(answerJson(members)).toBe(JSON.stringify(members));
    expect(answerJson({ items: activity })).toBe(JSON.stringify({ items: activity }));
  });

  it('keeps a view frozen, so its kept JSON stays its JSON', async () => {
    const { members } = await readViews();
    const view = members.items[0];
    expect(Object.isFrozen(view)).toBe(true);
    expect(() => Object.assign(view, { role: 'admin' })).toThrow(TypeError);
    expect(keptViewJson(view)).toBe(JSON.stringify(view));
    expect(keptViewJson({ ...view })).toBeUndefined();
  });

  it('writes what JSON.stringify writes for values it does not write itself', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [undefined] });
    const values: unknown[] = [
      {},
      [],
      { a: undefined, b: () => 1, c: Symbol('s'), d: null, e: NaN, f: Infinity, g: -0, h: 'x' },
      [undefined, () => 1, Symbol('s'), null, NaN, [undefined], { a: undefined }],
      { 2: 'two', 1: 'one', b: 'b', a: 'a', '\u2028"key"\n': 'escaped key' },
      { at: new Date('2026-01-01T00:00:00.000Z'), dates: [new Date(0)], nested: { at: new Date(1) } },
      { json: { toJSON: () => 'replaced' }, gone: { toJSON: () => undefined }, list: [{ toJSON: () => undefined }] },
      { toJSON: () => ({ whole: 'answer' }) },
      { point: new Point(1), points: [new Point(2)], map: new Map([['a', 1]]), boxed: [Object('s'), Object(1), Object(true)] },
      { nullPrototype, deep: { deeper: { deepest: { list: [1, { a: undefined }] } } } },
      { text: 'lone \ud800 surrogate, "quotes", \\ backslash, \u0000 nul, \t tab, émoji 🙂' },
      { level1: { level2: { level3: [{ level4: 'x' }] } }, items: [[1, 2], [3]] },
      [{ a: 1 }, 'text', 3, true, null],
      'just a string',
      42,
      null,
      true,
    ];
    for (const value of values) expect({ value, json: answerJson(value) }).toEqual({ value, json: JSON.stringify(value) });
    expect(answerJson(undefined)).toBeUndefined();
    expect(answerJson({ toJSON: () => undefined })).toBeUndefined();
  });

  it('throws where JSON.stringify throws (a cycle, a bigint)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { again: cyclic };
    expect(() => answerJson(cyclic)).toThrow(TypeError);
    expect(() => answerJson({ n: BigInt(1) })).toThrow(TypeError);
  });
});
