import { randomUUID } from 'node:crypto';
import type { SourceMember, SourceOrganization } from './commands';
import { DomainError } from './errors';
import type { OrganizationEvent } from './events';
import { importOrganization } from './import';
import { decide } from './organization.decide';
import { evolve, IMPORT_COMMAND, initialState, type OrganizationState } from './organization.state';
import { as, ev } from './testing/organization.fixtures';

const importer = as('roster-import', { superadmin: true });
const member = (userId: string, role: SourceMember['role'], departmentId: string | null = null, since: string | null = null): SourceMember => ({ userId, role, departmentId, since });

function aSource(members: SourceMember[], changes: Partial<SourceOrganization> = {}): SourceOrganization {
  return {
    organizationId: randomUUID(),
    source: { system: 'udata', id: '534fff75a3a7292c64a77de4', since: '2014-04-17T18:21:09.000Z' },
    name: 'Etalab',
    description: 'Mission Etalab',
    departments: [],
    members,
    ...changes,
  };
}

/** Folds events as the command fold does: an import's events under the import's command. */
const fold = (state: OrganizationState, events: readonly OrganizationEvent[], command = IMPORT_COMMAND) =>
  events.reduce((s, e) => evolve(s, e, { occurredAt: '2026-01-01T00:00:00.000Z', command }), state);

function imported(source: SourceOrganization): OrganizationState {
  return fold(initialState, importOrganization(source, initialState, importer));
}

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('ImportOrganization: the first import', () => {
  test('records the organization, its departments and its members with the source and its dates, in one decision', () => {
    const source = aSource([member('alice', 'admin', null, '2015-01-02T03:04:05Z'), member('bob', 'editor', 'water')], {
      source: { system: 'data-fair', id: 'org-1', since: null },
      departments: [{ departmentId: 'water', name: 'Water' }],
    });
    const o = source.organizationId;
    const provenance = { system: 'data-fair' as const, id: 'org-1' };
    expect(decide({ type: 'ImportOrganization', data: source }, initialState, importer)).toEqual([
      ev('OrganizationImported', { organizationId: o, name: 'Etalab', description: 'Mission Etalab', importedBy: 'roster-import', source: { ...provenance, since: null } }),
      ev('DepartmentAdded', { organizationId: o, departmentId: 'water', name: 'Water', addedBy: 'roster-import' }),
      ev('MemberImported', { organizationId: o, userId: 'alice', role: 'admin', importedBy: 'roster-import', source: { ...provenance, since: '2015-01-02T03:04:05.000Z' }, departmentId: null, defaultDatasetRole: 'manager' }),
      ev('MemberImported', { organizationId: o, userId: 'bob', role: 'editor', importedBy: 'roster-import', source: { ...provenance, since: null }, departmentId: 'water', defaultDatasetRole: 'contributor' }),
    ]);
  });

  test('the imported organization folds as an active one, its members dated as the source dated them', () => {
    const state = imported(aSource([member('alice', 'admin', null, '2015-01-02T03:04:05Z'), member('bob', 'member')]));
    expect(state.status).toBe('active');
    expect(state.members.get('alice')).toEqual({ role: 'admin', since: '2015-01-02T03:04:05.000Z', via: 'import', departmentId: null, defaultDatasetRole: 'manager' });
    expect(state.members.get('bob')?.since).toBe('2026-01-01T00:00:00.000Z');
    expect(state.organizationWideAdminCount).toBe(1);
  });

  test('an organization with no organization-wide admin is refused', () => {
    expect(refusal(() => importOrganization(aSource([member('bob', 'editor')]), initialState, importer)).code).toBe('IMPORT.NO_ADMIN');
  });

  test('a member twice is refused, naming the row', () => {
    const error = refusal(() => importOrganization(aSource([member('alice', 'admin'), member('alice', 'editor')]), initialState, importer));
    expect(error.code).toBe('IMPORT.DUPLICATE_MEMBER');
    expect(error.message).toContain('members[1] (user alice)');
  });

  test('a member in a department the organization does not have is refused', () => {
    expect(refusal(() => importOrganization(aSource([member('alice', 'admin'), member('bob', 'editor', 'roads')]), initialState, importer)).code).toBe(
      'IMPORT.UNKNOWN_DEPARTMENT',
    );
  });

  test('only a superadmin imports', () => {
    expect(refusal(() => importOrganization(aSource([member('alice', 'admin')]), initialState, as('alice'))).code).toBe('PERMISSION.DENIED');
  });
});

describe('ImportOrganization: a later import', () => {
  test('the same source again decides nothing', () => {
    const source = aSource([member('alice', 'admin'), member('bob', 'editor')]);
    expect(importOrganization(source, imported(source), importer)).toEqual([]);
  });

  test('records what changed in the source: a new member, a changed role, a member gone, a new name', () => {
    const first = aSource([member('alice', 'admin'), member('bob', 'editor'), member('carol', 'editor')]);
    const o = first.organizationId;
    const state = imported(first);
    const second = { ...first, name: 'Etalab (DINUM)', members: [member('alice', 'admin'), member('bob', 'admin'), member('dan', 'member')] };
    const events = importOrganization(second, state, importer);
    expect(events).toEqual([
      ev('OrganizationProfileUpdated', { organizationId: o, name: 'Etalab (DINUM)' }),
      ev('MemberRoleChanged', { organizationId: o, userId: 'bob', from: 'editor', to: 'admin', changedBy: 'roster-import' }),
      expect.objectContaining({ type: 'MemberImported', data: expect.objectContaining({ userId: 'dan', role: 'member' }) }),
      ev('MemberRemoved', { organizationId: o, userId: 'carol', role: 'editor', removedBy: 'roster-import' }),
    ]);
    // Once recorded, the same changed source decides nothing more.
    expect(importOrganization(second, fold(state, events), importer)).toEqual([]);
  });

  test('never undoes Roster: a member added, a role changed, a member removed in Roster since all stay', () => {
    const first = aSource([member('alice', 'admin'), member('bob', 'editor'), member('carol', 'editor')]);
    const o = first.organizationId;
    const inRoster = fold(
      imported(first),
      [
        ev('MemberRoleChanged', { organizationId: o, userId: 'bob', from: 'editor', to: 'member', changedBy: 'alice' }),
        ev('MemberRemoved', { organizationId: o, userId: 'carol', role: 'editor', removedBy: 'alice' }),
      ],
      'ChangeRole',
    );
    // The source: bob and carol promoted.
    const second = { ...first, members: [member('alice', 'admin'), member('bob', 'admin'), member('carol', 'admin')] };
    expect(importOrganization(second, inRoster, importer)).toEqual([]);
    expect(inRoster.members.get('bob')?.role).toBe('member');
    expect(inRoster.members.has('carol')).toBe(false);
  });

  test('a member added in Roster stays when the source does not have them, and is left as Roster has them when it does', () => {
    const first = aSource([member('alice', 'admin')]);
    const o = first.organizationId;
    const inRoster = fold(
      imported(first),
      [
        ev('JoinRequested', { organizationId: o, requestId: 'r1', userId: 'frank' }),
        ev('JoinApproved', { organizationId: o, requestId: 'r1', userId: 'frank', role: 'editor', approvedBy: 'alice' }),
      ],
      'ApproveJoin',
    );
    expect(importOrganization(first, inRoster, importer)).toEqual([]);
    expect(importOrganization({ ...first, members: [member('alice', 'admin'), member('frank', 'member')] }, inRoster, importer)).toEqual([]);
  });

  test('the source removing its last admin is refused: Roster keeps one', () => {
    const first = aSource([member('alice', 'admin'), member('bob', 'editor')]);
    const error = refusal(() => importOrganization({ ...first, members: [member('bob', 'editor')] }, imported(first), importer));
    expect(error.code).toBe('MEMBERSHIP.LAST_ADMIN');
  });

  test('a department renamed and a member moved in the source are recorded', () => {
    const first = aSource([member('alice', 'admin'), member('bob', 'editor', 'water')], { departments: [{ departmentId: 'water', name: 'Water' }, { departmentId: 'roads', name: 'Roads' }] });
    const o = first.organizationId;
    const second = { ...first, departments: [{ departmentId: 'water', name: 'Eau' }, { departmentId: 'roads', name: 'Roads' }], members: [member('alice', 'admin'), member('bob', 'editor', 'roads')] };
    expect(importOrganization(second, imported(first), importer)).toEqual([
      ev('DepartmentRenamed', { organizationId: o, departmentId: 'water', from: 'Water', to: 'Eau', renamedBy: 'roster-import' }),
      ev('MemberDepartmentChanged', { organizationId: o, userId: 'bob', from: 'water', to: 'roads', changedBy: 'roster-import' }),
    ]);
  });

  test('a deleted organization stays deleted', () => {
    const first = aSource([member('alice', 'admin')]);
    const deleted = fold(imported(first), [ev('OrganizationDeleted', { organizationId: first.organizationId, deletedBy: 'alice' })], 'DeleteOrganization');
    expect(importOrganization({ ...first, members: [member('zoe', 'admin')] }, deleted, importer)).toEqual([]);
  });

  test('an organization imported from another source is not overwritten', () => {
    const first = aSource([member('alice', 'admin')]);
    const other = { ...first, source: { system: 'ckan' as const, id: 'other', since: null } };
    expect(refusal(() => importOrganization(other, imported(first), importer)).code).toBe('ORGANIZATION.ALREADY_EXISTS');
  });
});
