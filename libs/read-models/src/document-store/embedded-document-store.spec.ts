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
});
