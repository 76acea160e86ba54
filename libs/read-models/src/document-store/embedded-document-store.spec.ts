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
});
