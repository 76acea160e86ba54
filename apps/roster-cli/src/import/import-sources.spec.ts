import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSource, SourceFormatError } from './import-sources';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/import', `${name}.json`), 'utf8'));

describe('readSource', () => {
  test('udata: members by user id with their role and since, the creation date, deleted organizations skipped', () => {
    const rows = readSource('udata', fixture('udata-first'));
    expect(rows.map((row) => row.where)).toEqual([
      'data[0] (udata 534fff75a3a7292c64a77de4)',
      'data[1] (udata 5b1e2d3c4f5a6b7c8d9e0f10)',
      'data[2] (udata 5c0000000000000000000001)',
    ]);
    expect(rows[0].organization).toMatchObject({
      source: { system: 'udata', id: '534fff75a3a7292c64a77de4', since: '2014-04-17T18:21:09.318000+00:00' },
      name: 'Ville de Somewhere',
      departments: [],
    });
    expect(rows[0].organization?.members[0]).toEqual({ userId: '5a7f2c1e88ee38231a1b0001', role: 'admin', departmentId: null, since: '2014-04-17T18:21:09.326000+00:00' });
    expect(rows[2]).toMatchObject({ skipped: expect.stringContaining('deleted in udata') });
  });

  test('udata: an unknown role stops the organization, naming the member and the roles udata has', () => {
    const [, , , bad] = readSource('udata', fixture('udata-changed'));
    expect(bad.organization).toBeUndefined();
    expect(bad.error).toBe('members[1] (user 5a7f2c1e88ee38231a1b0004): unknown role "owner" (udata roles: admin, editor)');
  });

  test('CKAN: capacity as the role, the creation time read as UTC, no membership date', () => {
    const [first] = readSource('ckan', fixture('ckan-first'));
    expect(first.organization).toMatchObject({ name: 'Region Open Data', source: { system: 'ckan', since: '2019-05-13T14:31:39.063364Z' } });
    expect(first.organization?.members.map((m) => [m.role, m.since])).toEqual([
      ['admin', null],
      ['editor', null],
      ['member', null],
    ]);
  });

  test('Data Fair: contrib and user as editor and member, departments and each member in theirs', () => {
    const [metropole] = readSource('data-fair', fixture('data-fair-first'));
    expect(metropole.organization?.departments).toEqual([
      { departmentId: 'water', name: 'Eau' },
      { departmentId: 'roads', name: 'Voirie' },
    ]);
    expect(metropole.organization?.members.map((m) => [m.userId, m.role, m.departmentId])).toEqual([
      ['sd-alice', 'admin', null],
      ['sd-bob', 'editor', 'water'],
      ['sd-carol', 'member', 'roads'],
    ]);
  });

  test('the same source id always gives the same organization id, another source another one', () => {
    const once = readSource('udata', fixture('udata-first'))[0].organization?.organizationId;
    expect(readSource('udata', fixture('udata-changed'))[0].organization?.organizationId).toBe(once);
    expect(readSource('ckan', fixture('ckan-first'))[0].organization?.organizationId).not.toBe(once);
  });

  test('a file of another format is refused whole', () => {
    expect(() => readSource('ckan', fixture('udata-first'))).toThrow(SourceFormatError);
    expect(() => readSource('udata', fixture('ckan-first'))).toThrow(SourceFormatError);
    expect(() => readSource('data-fair', fixture('udata-first'))).toThrow(SourceFormatError);
  });
});
