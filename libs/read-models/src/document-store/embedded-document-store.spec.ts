import type { CollectionWrites, Doc, IndexSpec, WriteOp } from './document-store.port';
import { EmbeddedDocumentStore } from './embedded-document-store';

describe('EmbeddedDocumentStore', () => {
  const seed = async () => {
    const store = new EmbeddedDocumentStore();
    await store.ensureIndexes('m', [{ key: { organizationId: 1, departmentId: 1, status: 1 }, name: 'by_org_department_status' }]);
    await store.insertMany('m', [
      { _id: 'o1:a', organizationId: 'o1', departmentId: null, status: 'active', counts: { admin: 1 } },
      { _id: 'o1:b', organizationId: 'o1', status: 'active' },
      { _id: 'o1:c', organizationId: 'o1', departmentId: 'water', status: 'active' },
      { _id: 'o1:d', organizationId: 'o1', departmentId: null, status: 'left' },
      { _id: 'o2:a', organizationId: 'o2', departmentId: null, status: 'active' },
    ]);
    return store;
  };

  it('keeps index keys apart for strings that hold the key separators or look like other values, and re-keys on update', async () => {
    const store = new EmbeddedDocumentStore();
    await store.ensureIndexes('x', [{ key: { a: 1, b: 1 }, name: 'by_a_b' }]);
    await store.insertMany('x', [
      { _id: '1', a: 'p\u0001q', b: 'r' },
      { _id: '2', a: 'p', b: 'q\u0001r' },
      { _id: '3', a: '1', b: 'null' },
      { _id: '4', a: 1, b: null },
    ]);
    expect((await store.find('x', { a: 'p\u0001q', b: 'r' })).map((doc) => doc._id)).toEqual(['1']);
    expect((await store.find('x', { a: 'p', b: 'q\u0001r' })).map((doc) => doc._id)).toEqual(['2']);
    expect((await store.find('x', { a: '1', b: 'null' })).map((doc) => doc._id)).toEqual(['3']);
    expect((await store.find('x', { a: 1, b: null })).map((doc) => doc._id)).toEqual(['4']);
    await store.write(new Map([['x', [{ updateOne: { filter: { _id: '4' }, update: { $set: { b: 'null', c: 1 } } } }]]]));
    expect((await store.find('x', { a: 1, b: null })).map((doc) => doc._id)).toEqual([]);
    expect((await store.find('x', { a: 1, b: 'null' })).map((doc) => doc._id)).toEqual(['4']);
    expect((await store.find('x', { a: '1', b: 'null' })).map((doc) => doc._id)).toEqual(['3']);
  });

  it('answers _id $in by lookups, each document once, unknown ids left out', async () => {
    const store = await seed();
    const found = await store.find('m', { _id: { $in: ['o2:a', 'o1:a', 'o2:a', 'nope'] } });
    expect(found.map((doc) => doc._id).sort()).toEqual(['o1:a', 'o2:a']);
  });

  it('answers through a compound index as a scan would, a null matching a missing field', async () => {
    const store = await seed();
    expect(await store.count('m', { organizationId: 'o1', departmentId: null, status: 'active' })).toBe(2);
    expect((await store.find('m', { organizationId: 'o1', departmentId: 'water', status: 'active' })).map((doc) => doc._id)).toEqual(['o1:c']);
    expect((await store.find('m', { organizationId: 'o1', status: { $in: ['left', 'active'] } }, { sort: { _id: 1 } })).map((doc) => doc._id)).toEqual([
      'o1:a',
      'o1:b',
      'o1:c',
      'o1:d',
    ]);
    // The index follows an update that changes an indexed field.
    await store.write(new Map([['m', [{ updateOne: { filter: { _id: 'o1:c' }, update: { $set: { departmentId: null } } } }]]]));
    expect(await store.count('m', { organizationId: 'o1', departmentId: null, status: 'active' })).toBe(3);
    expect(await store.count('m', { organizationId: 'o1', departmentId: 'water', status: 'active' })).toBe(0);
  });

  it('hands out documents that later updates do not change (copy-on-write), nested ones included', async () => {
    const store = await seed();
    const before = await store.findOne('m', { _id: 'o1:a' });
    await store.write(
      new Map([['m', [{ updateOne: { filter: { _id: 'o1:a' }, update: { $set: { status: 'removed' }, $inc: { 'counts.admin': 1 }, $unset: { departmentId: '' } } } }]]]),
    );
    expect(before).toEqual({ _id: 'o1:a', organizationId: 'o1', departmentId: null, status: 'active', counts: { admin: 1 } });
    expect(await store.findOne('m', { _id: 'o1:a' })).toEqual({ _id: 'o1:a', organizationId: 'o1', status: 'removed', counts: { admin: 2 } });
  });

  it('reads the newest through an ordered index as sorting every match would, ties and updates included', async () => {
    const indexed = new EmbeddedDocumentStore();
    const plain = new EmbeddedDocumentStore();
    await indexed.ensureIndexes('a', [{ key: { organizationId: 1, position: -1 }, name: 'by_organization_position' }]);
    const docs = Array.from({ length: 40 }, (_, i) => ({ _id: `e${i}`, organizationId: i % 3 === 0 ? 'o2' : 'o1', position: (i * 7) % 13, type: i % 2 === 0 ? 'A' : 'B' }));
    for (const store of [indexed, plain]) {
      await store.insertMany('a', docs);
      await store.write(new Map([['a', [{ updateOne: { filter: { _id: 'e4' }, update: { $set: { position: 100 } } } }]]]));
    }
    for (const [filter, sort, limit] of [
      [{ organizationId: 'o1' }, { position: -1 }, 5],
      [{ organizationId: 'o1', type: { $in: ['B'] } }, { position: -1 }, 7],
      [{ organizationId: 'o2' }, { position: 1 }, 4],
      [{ organizationId: 'o1' }, { position: -1 }, 0],
    ] as const) {
      const ids = async (store: EmbeddedDocumentStore) => (await store.find('a', filter, { sort, limit })).map((doc) => doc._id);
      expect(await ids(indexed)).toEqual(await ids(plain));
    }
    expect((await indexed.find('a', { organizationId: 'o1' }, { sort: { position: -1 }, limit: 1 }))[0]._id).toBe('e4');
  });

  it('counts and finds by exactly an ordered index\'s fields (no equality index of them) as a scan would, through re-keying updates', async () => {
    const indexed = new EmbeddedDocumentStore();
    const plain = new EmbeddedDocumentStore();
    await indexed.ensureIndexes('m', [
      { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
      { key: { organizationId: 1, status: 1, _id: 1 }, name: 'by_organization_status_id' },
    ]);
    const docs = Array.from({ length: 30 }, (_, i) => ({ _id: `o${i % 2}:u${(i * 7) % 30}`, organizationId: `o${i % 2}`, status: 'active' }));
    const update = (id: string, status: string) => ({ updateOne: { filter: { _id: id }, update: { $set: { status } } } });
    for (const store of [indexed, plain]) {
      await store.insertMany('m', docs);
      await store.write(new Map([['m', [update('o0:u0', 'left'), update('o1:u7', 'removed'), update('o0:u0', 'active'), update('o0:u14', 'left')]]]));
    }
    const ids = async (store: EmbeddedDocumentStore, filter: Record<string, unknown>) => (await store.find('m', filter)).map((doc) => doc._id).sort();
    for (const filter of [{ organizationId: 'o0', status: 'active' }, { organizationId: 'o0', status: 'left' }, { organizationId: 'o1', status: { $in: ['active', 'removed'] } }, { organizationId: 'o1', status: 'removed' }]) {
      expect(await ids(indexed, filter)).toEqual(await ids(plain, filter));
      expect(await indexed.count('m', filter)).toBe(await plain.count('m', filter));
    }
    expect(await indexed.count('m', { organizationId: 'o0', status: 'left' })).toBe(1);
    expect(await indexed.count('m', { organizationId: 'o0' })).toBe(15);
  });

  it('answers pages in id order through an ordered index (all roles, one role, after a cursor) as sorting every match would, through updates that move documents or keep them in place', async () => {
    const indexed = new EmbeddedDocumentStore();
    const plain = new EmbeddedDocumentStore();
    await indexed.ensureIndexes('m', [
      { key: { organizationId: 1, status: 1 }, name: 'by_organization_status' },
      { key: { organizationId: 1, status: 1, _id: 1 }, name: 'by_organization_status_id' },
      { key: { organizationId: 1, status: 1, role: 1, _id: 1 }, name: 'by_organization_status_role_id' },
    ]);
    const roles = ['member', 'editor', 'admin'];
    // Ids out of order, as user ids arrive.
    const docs = Array.from({ length: 60 }, (_, i) => ({ _id: `o${i % 2}:u${(i * 37) % 60}`, organizationId: `o${i % 2}`, status: 'active', role: roles[i % 3], since: i }));
    const update = (id: string, $set: Record<string, unknown>) => ({ updateOne: { filter: { _id: id }, update: { $set } } });
    for (const store of [indexed, plain]) {
      await store.insertMany('m', docs);
      await store.write(
        new Map([
          [
            'm',
            [
              update('o0:u2', { status: 'left' }), // leaves the key
              update('o0:u14', { role: 'admin' }), // moves to another role's key
              update('o1:u1', { since: 100 }), // stays where it was
              update('o0:u2', { status: 'active' }), // comes back
              { insertOne: { document: { _id: 'o0:u0a', organizationId: 'o0', status: 'active', role: 'member', since: 7 } } },
            ],
          ],
        ]),
      );
    }
    const ids = async (store: EmbeddedDocumentStore, filter: Record<string, unknown>, limit?: number) =>
      (await store.find('m', filter, { sort: { _id: 1 }, ...(limit === undefined ? {} : { limit }) })).map((doc) => doc._id);
    for (const organizationId of ['o0', 'o1']) {
      for (const role of [undefined, ...roles]) {
        const filter = { organizationId, status: 'active', ...(role ? { role } : {}) };
        for (const limit of [undefined, 1, 4, 50]) expect(await ids(indexed, filter, limit)).toEqual(await ids(plain, filter, limit));
        const all = await ids(plain, filter);
        expect(all.length).toBeGreaterThan(3);
        for (const after of [all[0], all[3], all[all.length - 1], `${organizationId}:u3`, `${organizationId}:`]) {
          for (const op of ['$gt', '$gte']) {
            const paged = { ...filter, _id: { [op]: after } };
            expect(await ids(indexed, paged, 4)).toEqual(await ids(plain, paged, 4));
          }
        }
      }
    }
    expect(await ids(indexed, { organizationId: 'o0', status: 'active', role: 'admin' })).toContain('o0:u14');
    expect((await indexed.findOne('m', { _id: 'o1:u1' }))?.since).toBe(100);
    expect((await indexed.find('m', { organizationId: 'o1', status: 'active' }, { sort: { _id: 1 } })).find((doc) => doc._id === 'o1:u1')?.since).toBe(100);
  });

  it('counts and finds through an index over exactly the filter\'s fields as a scan would, null and $in included', async () => {
    const store = await seed();
    const scan = new EmbeddedDocumentStore();
    await scan.insertMany('m', await store.find('m', {}));
    for (const filter of [
      { organizationId: 'o1', departmentId: null, status: 'active' },
      { organizationId: 'o1', departmentId: { $in: ['water', null] }, status: 'active' },
      { organizationId: 'o1', departmentId: 'water', status: { $in: ['active', 'left'] } },
      { organizationId: 'o1' },
      { organizationId: 'o3' },
    ]) {
      expect(await store.count('m', filter)).toBe(await scan.count('m', filter));
      expect((await store.find('m', filter)).map((doc) => doc._id).sort()).toEqual((await scan.find('m', filter)).map((doc) => doc._id).sort());
    }
    expect(await store.count('m', { organizationId: 'o1', departmentId: { $in: ['water', null] }, status: 'active' })).toBe(3);
  });

  it('applies the updates of one write to the version of a document that write made, readers keeping the one before; the indexes follow', async () => {
    const store = await seed();
    const before = await store.findOne('m', { _id: 'o1:a' });
    await store.write(
      new Map([
        [
          'm',
          [
            { insertOne: { document: { _id: 'o1:e', organizationId: 'o1', status: 'invited' } } },
            { updateOne: { filter: { _id: 'o1:a' }, update: { $set: { status: 'left' } } } },
            { updateOne: { filter: { _id: 'o1:a' }, update: { $set: { departmentId: 'water' }, $inc: { 'counts.admin': 1 } } } },
            { updateOne: { filter: { _id: 'o1:a', status: 'active' }, update: { $set: { skipped: true } } } },
            { updateOne: { filter: { _id: 'o1:e' }, update: { $set: { status: 'active', departmentId: 'water' } } } },
            { updateOne: { filter: { _id: 'o1:f' }, update: { $set: { status: 'active' } }, upsert: true } },
            { updateOne: { filter: { _id: 'o1:f' }, update: { $set: { organizationId: 'o1', departmentId: null } } } },
          ],
        ],
      ]),
    );
    expect(before).toEqual({ _id: 'o1:a', organizationId: 'o1', departmentId: null, status: 'active', counts: { admin: 1 } });
    expect(await store.findOne('m', { _id: 'o1:a' })).toEqual({ _id: 'o1:a', organizationId: 'o1', departmentId: 'water', status: 'left', counts: { admin: 2 } });
    const ids = async (filter: Record<string, unknown>) => (await store.find('m', filter, { sort: { _id: 1 } })).map((doc) => doc._id);
    expect(await ids({ organizationId: 'o1', departmentId: 'water', status: 'left' })).toEqual(['o1:a']);
    expect(await ids({ organizationId: 'o1', departmentId: 'water', status: 'active' })).toEqual(['o1:c', 'o1:e']);
    expect(await ids({ organizationId: 'o1', departmentId: null, status: 'active' })).toEqual(['o1:b', 'o1:f']);
    expect(await ids({ organizationId: 'o1', status: 'invited' })).toEqual([]);
    // The next write copies again: the versions handed out stay as they were.
    const after = await store.findOne('m', { _id: 'o1:e' });
    await store.write(new Map([['m', [{ updateOne: { filter: { _id: 'o1:e' }, update: { $set: { status: 'left' } } } }]]]));
    expect(after).toMatchObject({ status: 'active' });
  });

  it('answers equality over the fields of an ordered index from that index alone', async () => {
    const store = new EmbeddedDocumentStore();
    await store.ensureIndexes('a', [{ key: { organizationId: 1, position: -1 }, name: 'by_organization_position' }]);
    await store.insertMany('a', [
      { _id: 'e1', organizationId: 'o1', position: 1 },
      { _id: 'e2', organizationId: 'o2', position: 2 },
      { _id: 'e3', organizationId: 'o1', position: 3 },
    ]);
    expect((await store.find('a', { organizationId: 'o1' })).map((doc) => doc._id)).toEqual(['e1', 'e3']);
    expect(await store.count('a', { organizationId: { $in: ['o1', 'o2'] } })).toBe(3);
    expect(store.peekBy('a', 'organizationId', 'o2').map((doc) => doc._id)).toEqual(['e2']);
  });

  describe('a collection keyed by event (its documents appended by position, no id lookup)', () => {
    const INDEX: IndexSpec[] = [{ key: { organizationId: 1, position: -1 }, name: 'by_org_position' }];
    const entry = (position: number, id = `e${position}`) => ({ insertOne: { document: { _id: id, organizationId: `o${position % 3}`, position, lastPosition: position } as Doc } });
    const open = async (keyed: boolean, deferred: boolean) => {
      const store = new EmbeddedDocumentStore();
      await store.ensureIndexes('a', INDEX);
      if (deferred) store.deferIndexes();
      if (keyed) store.keyByEvent(['a']);
      return store;
    };
    const tail = (store: EmbeddedDocumentStore) => (store as unknown as { collections: Map<string, { docs: { tail: unknown[] | undefined } }> }).collections.get('a')!.docs.tail;
    const answers = (store: EmbeddedDocumentStore) => [
      store.all('a').map((doc) => doc._id),
      store.countSync('a', {}),
      ...['o0', 'o1', 'o2'].map((organizationId) => store.findSync('a', { organizationId }, { sort: { position: -1 }, limit: 5 }).map((doc) => doc._id)),
      store.findSync('a', { position: { $gte: 10 } }).map((doc) => doc._id),
    ];

    it.each([true, false])('answers as a plain collection through replays, lookups by id and updates (indexes deferred: %s)', async (deferred) => {
      const plain = await open(false, deferred);
      const keyed = await open(true, deferred);
      const both = (ops: WriteOp[]) => {
        plain.writeSync(new Map([['a', ops]]));
        keyed.writeSync(new Map([['a', ops]]));
      };
      both(Array.from({ length: 20 }, (_, i) => entry(i + 1)));
      expect(tail(keyed)).toHaveLength(20);
      expect(answers(keyed)).toEqual(answers(plain));
      // A replayed batch (positions already seen): nothing inserted twice.
      both([entry(19), entry(20), entry(21)]);
      expect(keyed.countSync('a', {})).toBe(21);
      expect(answers(keyed)).toEqual(answers(plain));
      // An insert past every position appends again; a lookup by id puts the tail into the Map.
      both([entry(22)]);
      expect(keyed.findOneSync('a', { _id: 'e22' })?.position).toBe(22);
      expect(tail(keyed)).toBeUndefined();
      both([entry(23), { updateOne: { filter: { _id: 'e3' }, update: { $set: { organizationId: 'o9' } } } }, entry(23, 'other'), entry(5)]);
      expect(answers(keyed)).toEqual(answers(plain));
      expect(keyed.findSync('a', { _id: { $in: ['e3', 'other', 'e23'] } })).toEqual(plain.findSync('a', { _id: { $in: ['e3', 'other', 'e23'] } }));
    });
  });

  describe('with its indexes deferred (a catch-up from position 0)', () => {
    // The memberships' kinds of index and an activity-like one: equality (one and three fields),
    // ordered by _id and by a value with ties.
    const INDEXES: IndexSpec[] = [
      { key: { organizationId: 1, status: 1 }, name: 'by_org_status' },
      { key: { userId: 1 }, name: 'by_user' },
      { key: { organizationId: 1, departmentId: 1, status: 1 }, name: 'by_org_department_status' },
      { key: { organizationId: 1, status: 1, _id: 1 }, name: 'by_org_status_id' },
      { key: { organizationId: 1, rank: -1 }, name: 'by_org_rank' },
    ];
    const ORGS = ['o1', 'o2', 'o3'];
    const STATUSES = ['active', 'left', 'removed'];
    const DEPARTMENTS = [null, 'water', 'fire'];

    /** A deterministic sequence of writes of every kind the projections make: inserts, upserts then updates of the same document in one write (drafts), updates by _id of indexed, ordering and other fields, updateMany. */
    function batches(seed: number, count: number, withIndexBuildingUpdate = -1): CollectionWrites[] {
      let state = seed;
      const next = (n: number) => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return (state >>> 8) % n;
      };
      const pick = <T>(values: readonly T[]): T => values[next(values.length)];
      const out: CollectionWrites[] = [];
      const known: string[] = [];
      for (let b = 0; b < count; b++) {
        const ops: WriteOp[] = [];
        for (let k = 0; k < 12; k++) {
          const kind = next(10);
          const id = known.length > 0 && kind >= 3 ? pick(known) : `${pick(ORGS)}:u${next(40)}`;
          if (kind === 0) {
            ops.push({ insertOne: { document: { _id: id, organizationId: id.slice(0, 2), userId: id.slice(3), status: pick(STATUSES), departmentId: pick(DEPARTMENTS), rank: next(5) } as Doc } });
          } else if (kind <= 2) {
            ops.push({ updateOne: { filter: { _id: id, organizationId: id.slice(0, 2), userId: id.slice(3) }, update: { $set: { status: pick(STATUSES), rank: next(5) } }, upsert: true } });
            ops.push({ updateOne: { filter: { _id: id }, update: { $set: next(2) === 0 ? { departmentId: pick(DEPARTMENTS) } : { note: next(9) } } } });
          } else if (kind <= 7) {
            const change = pick([{ status: pick(STATUSES) }, { departmentId: pick(DEPARTMENTS) }, { rank: next(5) }, { note: next(9) }, { status: 'active', note: 1 }]);
            ops.push({ updateOne: { filter: { _id: id }, update: { $set: change } } });
          } else if (kind === 8) {
            ops.push({ updateMany: { filter: { organizationId: pick(ORGS) }, update: { $set: { organizationStatus: pick(['active', 'deleted']) } } } });
          } else {
            ops.push({ updateMany: { filter: { organizationId: pick(ORGS), status: 'active' }, update: { $set: { note: next(9) } } } });
          }
          if (!known.includes(id)) known.push(id);
        }
        // Once: an updateMany moving documents in an index (it builds the deferred ones, within the write).
        if (b === withIndexBuildingUpdate) ops.push({ updateMany: { filter: { organizationId: pick(ORGS), status: 'left' }, update: { $set: { status: 'removed' } } } });
        out.push(new Map([['m', ops]]));
      }
      return out;
    }

    const deferred = (store: EmbeddedDocumentStore) =>
      (store as unknown as { collections: Map<string, { deferred: unknown }> }).collections.get('m')!.deferred !== undefined;

    const open = async (deferred: boolean) => {
      const store = new EmbeddedDocumentStore();
      await store.ensureIndexes('m', INDEXES);
      if (deferred) store.deferIndexes();
      return store;
    };

    /** Every answer an index gives, in the order it gives it: finds without a sort (index order), with one (ordered indexes, ties included), counts. */
    const answers = (store: EmbeddedDocumentStore) => {
      const ids = (docs: readonly Doc[]) => docs.map((doc) => doc._id);
      const out: unknown[] = [store.all('m')];
      for (const organizationId of ORGS) {
        out.push(ids(store.findSync('m', { organizationId })), ids(store.findSync('m', { organizationId }, { sort: { rank: -1 }, limit: 7 })));
        out.push(ids(store.findSync('m', { organizationId }, { sort: { rank: 1 } })), store.peekBy('m', 'organizationId', organizationId).length);
        for (const status of STATUSES) {
          out.push(ids(store.findSync('m', { organizationId, status })), ids(store.findSync('m', { organizationId, status }, { sort: { _id: 1 }, limit: 5 })));
          for (const departmentId of DEPARTMENTS) out.push(ids(store.findSync('m', { organizationId, departmentId, status })));
        }
      }
      for (let u = 0; u < 40; u++) out.push(ids(store.findSync('m', { userId: `u${u}` })), ids(store.peekBy('m', 'userId', `u${u}`)));
      return out;
    };

    it.each([1, 7, 42, 1234])('answers as a store that indexed at every write, built at the end or by a read midway (seed %i)', async (seed) => {
      const writes = batches(seed, 60);
      const eager = await open(false);
      const atEnd = await open(true);
      const readMidway = await open(true);
      const builtByUpdate = await open(true);
      const withUpdate = batches(seed, 60, 40);
      for (const [b, batch] of writes.entries()) {
        eager.writeSync(batch);
        atEnd.writeSync(batch);
        readMidway.writeSync(batch);
        // A query during the catch-up: answered as the eager store answers, the indexes kept from then on.
        if (b === 30) expect(answers(readMidway)).toEqual(answers(eager));
      }
      const eagerWithUpdate = await open(false);
      for (const batch of withUpdate) {
        eagerWithUpdate.writeSync(batch);
        builtByUpdate.writeSync(batch);
      }
      expect(answers(builtByUpdate)).toEqual(answers(eagerWithUpdate));
      expect(deferred(atEnd)).toBe(true);
      atEnd.indexNow();
      expect(deferred(atEnd)).toBe(false);
      expect(answers(atEnd)).toEqual(answers(eager));
      expect(answers(readMidway)).toEqual(answers(eager));
      // And they go on answering alike once indexing at every write again.
      for (const batch of batches(seed + 1, 20)) {
        eager.writeSync(batch);
        atEnd.writeSync(batch);
      }
      expect(answers(atEnd)).toEqual(answers(eager));
    });

    /** Activity-like entries in 'a' (enough for many steps of a sliced build), the writes above in 'm'. */
    const openWithActivity = async (deferred: boolean) => {
      const store = new EmbeddedDocumentStore();
      await store.ensureIndexes('m', INDEXES);
      await store.ensureIndexes('a', [{ key: { organizationId: 1, position: -1 }, name: 'by_org_position' }, { key: { userId: 1 }, name: 'by_user' }]);
      if (deferred) store.deferIndexes();
      const entries: WriteOp[] = [];
      // Out of order (sorted in steps at the build) with ties (each position twice): ties in insertion order.
      for (let i = 0; i < 6000; i++) entries.push({ insertOne: { document: { _id: `e${i}`, organizationId: ORGS[i % 3], userId: `u${i % 50}`, position: (i * 7919) % 3000 } as Doc } });
      store.writeSync(new Map([['a', entries]]));
      for (const batch of batches(11, 60)) store.writeSync(batch);
      return store;
    };
    const activityAnswers = (store: EmbeddedDocumentStore) => {
      const ids = (docs: readonly Doc[]) => docs.map((doc) => doc._id);
      const out: unknown[] = [answers(store)];
      for (const organizationId of ORGS) out.push(ids(store.findSync('a', { organizationId }, { sort: { position: -1 }, limit: 40 })), store.countSync('a', { organizationId }));
      for (let u = 0; u < 50; u += 7) out.push(ids(store.findSync('a', { userId: `u${u}` })));
      return out;
    };
    /** Runs indexInSlices(0) (one step per slice), calling `between(turn)` from another chain of setImmediate turns; how many turns ran before it finished. */
    const buildInSlices = async (store: EmbeddedDocumentStore, between: (turn: number) => void) => {
      let done = false;
      let turns = 0;
      const build = store.indexInSlices(0).then(() => {
        done = true;
      });
      while (!done) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!done) between(++turns);
      }
      await build;
      return turns;
    };
    const collection = (store: EmbeddedDocumentStore, name: string) =>
      (store as unknown as { collections: Map<string, { deferred: unknown; building: unknown }> }).collections.get(name)!;

    it('builds in slices, the event loop turning between them, and answers as a store that indexed at every write', async () => {
      const eager = await openWithActivity(false);
      const sliced = await openWithActivity(true);
      let sawPartial = false;
      const turns = await buildInSlices(sliced, () => {
        if (collection(sliced, 'a').building !== undefined) sawPartial = true;
      });
      expect(turns).toBeGreaterThan(5);
      expect(sawPartial).toBe(true);
      expect(deferred(sliced)).toBe(false);
      expect(collection(sliced, 'a').deferred).toBeUndefined();
      expect(activityAnswers(sliced)).toEqual(activityAnswers(eager));
      for (const batch of batches(12, 20)) {
        eager.writeSync(batch);
        sliced.writeSync(batch);
      }
      expect(activityAnswers(sliced)).toEqual(activityAnswers(eager));
    });

    it.each(['read', 'write'])('answers as a store that indexed at every write after a %s in the middle of a sliced build (which finishes it)', async (kind) => {
      const eager = await openWithActivity(false);
      const sliced = await openWithActivity(true);
      const more = new Map([['a', [{ insertOne: { document: { _id: 'late', organizationId: 'o1', userId: 'u1', position: 3 } as Doc } }]]]);
      let midway: unknown;
      let seen = 0;
      await buildInSlices(sliced, () => {
        // The third turn during the activity's build (the other collection is built first).
        if (collection(sliced, 'a').building === undefined || ++seen !== 3) return;
        if (kind === 'read') midway = sliced.findSync('a', { organizationId: 'o2' }, { sort: { position: -1 }, limit: 40 }).map((doc) => doc._id);
        else sliced.writeSync(more);
        expect(collection(sliced, 'a').building).toBeUndefined();
      });
      expect(seen).toBe(3);
      if (kind === 'read') expect(midway).toEqual(eager.findSync('a', { organizationId: 'o2' }, { sort: { position: -1 }, limit: 40 }).map((doc) => doc._id));
      else eager.writeSync(more);
      expect(activityAnswers(sliced)).toEqual(activityAnswers(eager));
    });

    it('builds nothing for the writes by _id, and is built by the first read through an index', async () => {
      const store = await open(true);
      store.writeSync(batches(3, 10)[0]);
      expect(store.findOneSync('m', { _id: 'nope' })).toBeNull();
      expect(deferred(store)).toBe(true);
      store.findSync('m', { userId: 'u1' });
      expect(deferred(store)).toBe(false);
    });
  });
});
