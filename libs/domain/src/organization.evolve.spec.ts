import type { OrganizationEvent } from './events';
import { evolve, initialState, inviteeKey, type OrganizationState } from './organization.state';
import { ROLES } from './roles';
import { anOrganization, ev, foldOrganization, inDays, organizationStateToJson } from './testing/organization.fixtures';
import { seeded } from './testing/seeded';

const adminsIn = (state: OrganizationState) => [...state.members.values()].filter((m) => m.role === 'admin').length;

/** The by-invitee and by-user indexes as a scan of the pending invitations and requests finds them. */
function scannedIndexes(state: OrganizationState) {
  const group = (pairs: Array<[string, string]>) => {
    const out: Record<string, string[]> = {};
    for (const [key, id] of pairs) (out[key] ??= []).push(id);
    for (const ids of Object.values(out)) ids.sort();
    return out;
  };
  return {
    invitations: group([...state.invitations.values()].map((i) => [inviteeKey(i.invitee), i.invitationId])),
    joinRequests: group([...state.joinRequests.values()].map((r) => [r.userId, r.requestId])),
  };
}

function keptIndexes(state: OrganizationState) {
  const sorted = (entries: Iterable<[string, readonly string[]]>) => Object.fromEntries([...entries].map(([key, ids]) => [key, [...ids].sort()]));
  return { invitations: sorted(state.pendingInvitationsByInvitee), joinRequests: sorted(state.pendingJoinRequestsByUser) };
}

/** Every event type, with ids drawn from a small pool so that odd orders happen often. */
function someEvent(org: string, pick: <T>(items: readonly T[]) => T): OrganizationEvent {
  const user = pick(['u1', 'u2', 'u3', 'u4']);
  const invitationId = pick(['i1', 'i2', 'i3']);
  const requestId = pick(['r1', 'r2', 'r3']);
  const role = pick(ROLES);
  const organizationId = org;
  const events: OrganizationEvent[] = [
    ev('OrganizationCreated', { organizationId, name: 'n', description: 'd', createdBy: user }),
    ev('OrganizationProfileUpdated', { organizationId, name: 'renamed' }),
    ev('MemberInvited', {
      organizationId,
      invitationId,
      invitee: pick([{ kind: 'user', userId: user } as const, { kind: 'email', email: `${user}@example.org` } as const]),
      role,
      invitedBy: 'u1',
      expiresAt: inDays(7).toISOString(),
      ...(pick([true, false]) ? { replacesInvitationId: pick(['i1', 'i2', 'i3', 'unknown']) } : {}),
    }),
    ev('InvitationAccepted', { organizationId, invitationId, userId: user, role }),
    ev('InvitationDeclined', { organizationId, invitationId, userId: user }),
    ev('InvitationRevoked', { organizationId, invitationId, revokedBy: 'u1' }),
    ev('JoinRequested', { organizationId, requestId, userId: user }),
    ev('JoinRequestCancelled', { organizationId, requestId, userId: user }),
    ev('JoinApproved', { organizationId, requestId, userId: user, role, approvedBy: 'u1' }),
    ev('JoinRejected', { organizationId, requestId, userId: user, rejectedBy: 'u1' }),
    ev('MemberRoleChanged', { organizationId, userId: user, from: pick(ROLES), to: role, changedBy: 'u1' }),
    ev('MemberRemoved', { organizationId, userId: user, role, removedBy: 'u1' }),
    ev('MemberLeft', { organizationId, userId: user, role }),
    ev('OrganizationDeleted', { organizationId, deletedBy: 'u1' }),
  ];
  return pick(events);
}

describe('evolve', () => {
  test.each([1, 2, 3, 4, 5])('never throws on any sequence of recorded events, in any order (seed %i)', (seed) => {
    const pick = seeded(seed);
    let state = initialState;
    for (let i = 0; i < 2000; i++) {
      const before = organizationStateToJson(state);
      const previous = state;
      const event = someEvent('org', pick);
      expect(() => (state = evolve(previous, event, { occurredAt: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z` }))).not.toThrow();
      // The input state is never changed, the admin count stays true to the members, and the
      // indexes decide uses stay true to the pending invitations and requests.
      expect(organizationStateToJson(previous)).toEqual(before);
      expect(state.adminCount).toBe(adminsIn(state));
      expect(keptIndexes(state)).toEqual(scannedIndexes(state));
    }
  });

  test('skips an event type it does not know', () => {
    const o = anOrganization();
    const state = foldOrganization(o.history);
    const unknown = { type: 'OrganizationRenamedV2', data: { organizationId: o.org } } as unknown as OrganizationEvent;
    expect(evolve(state, unknown)).toBe(state);
  });

  test('does not change the state it is given', () => {
    const o = anOrganization();
    const state = foldOrganization(o.history);
    const snapshot = organizationStateToJson(state);
    const members = state.members;
    evolve(state, ev('MemberRemoved', { organizationId: o.org, userId: o.member, role: 'member', removedBy: o.admin }));
    evolve(state, ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.admin }));
    evolve(state, o.invited('i-1', { kind: 'user', userId: o.outsider }));
    expect(organizationStateToJson(state)).toEqual(snapshot);
    expect(state.members).toBe(members);
    expect(state.members.has(o.member)).toBe(true);
    expect(initialState.members.size).toBe(0);
  });

  test('folds a history into members, pending and handled invitations and requests', () => {
    const o = anOrganization();
    const at = (n: number) => ({ occurredAt: `2026-02-0${n}T10:00:00.000Z` });
    const events: Array<[OrganizationEvent, { occurredAt: string }]> = [
      [o.created, at(1)],
      [o.invited('inv-1', { kind: 'email', email: 'ada@example.org' }, 'admin'), at(2)],
      [ev('InvitationAccepted', { organizationId: o.org, invitationId: 'inv-1', userId: 'ada', role: 'admin' }), at(3)],
      [o.requested('req-1', 'bob', 'hello'), at(4)],
      [o.requested('req-2', 'eve'), at(5)],
      [ev('JoinRejected', { organizationId: o.org, requestId: 'req-2', userId: 'eve', rejectedBy: o.admin }), at(6)],
      [o.invited('inv-2', { kind: 'user', userId: 'carl' }), at(7)],
    ];
    const state = events.reduce((s, [event, meta]) => evolve(s, event, meta), initialState);
    expect(organizationStateToJson(state)).toEqual({
      status: 'active',
      id: o.org,
      name: 'Open Data Sud',
      description: '',
      createdAt: '2026-02-01T10:00:00.000Z',
      members: {
        [o.admin]: { role: 'admin', since: '2026-02-01T10:00:00.000Z', via: 'creation', departmentId: null, defaultDatasetRole: 'manager' },
        ada: { role: 'admin', since: '2026-02-03T10:00:00.000Z', via: 'invitation', departmentId: null, defaultDatasetRole: 'manager' },
      },
      invitations: {
        'inv-2': {
          invitationId: 'inv-2',
          invitee: { kind: 'user', userId: 'carl' },
          role: 'editor',
          invitedBy: o.admin,
          expiresAt: inDays(7).toISOString(),
          departmentId: null,
          defaultDatasetRole: 'contributor',
        },
      },
      joinRequests: { 'req-1': { requestId: 'req-1', userId: 'bob', message: 'hello', requestedAt: '2026-02-04T10:00:00.000Z' } },
      handledInvitations: { 'inv-1': 'accepted' },
      handledJoinRequests: { 'req-2': 'rejected' },
      departments: {},
    });
    expect(state.adminCount).toBe(2);
  });

  test('foldOrganization takes the time of recorded events from their metadata', () => {
    const o = anOrganization();
    const state = foldOrganization([{ ...o.created, metadata: { occurredAt: '2026-02-01T10:00:00.000Z' } }]);
    expect(state.createdAt).toBe('2026-02-01T10:00:00.000Z');
    expect(state.members.get(o.admin)).toEqual({ role: 'admin', since: '2026-02-01T10:00:00.000Z', via: 'creation', departmentId: null, defaultDatasetRole: 'manager' });
  });

  test('a replacement closes the replaced invitation', () => {
    const o = anOrganization();
    const invitee = { kind: 'user' as const, userId: o.outsider };
    const state = foldOrganization([
      o.created,
      o.invited('inv-1', invitee),
      ev('MemberInvited', { organizationId: o.org, invitationId: 'inv-2', invitee, role: 'admin', invitedBy: o.admin, expiresAt: inDays(7).toISOString(), replacesInvitationId: 'inv-1' }),
    ]);
    expect([...state.invitations.keys()]).toEqual(['inv-2']);
    expect(state.handledInvitations.get('inv-1')).toBe('replaced');
  });

  test('role changes and departures keep the admin count', () => {
    const o = anOrganization();
    const state = foldOrganization([
      ...o.history,
      ev('MemberRoleChanged', { organizationId: o.org, userId: o.editor, from: 'editor', to: 'admin', changedBy: o.admin }),
      ev('MemberLeft', { organizationId: o.org, userId: o.admin, role: 'admin' }),
      ev('MemberRoleChanged', { organizationId: o.org, userId: 'stranger', from: 'member', to: 'admin', changedBy: o.editor }),
    ]);
    expect(state.adminCount).toBe(1);
    expect(state.members.has('stranger')).toBe(false);
    expect(state.members.get(o.editor)?.role).toBe('admin');
  });

  test('an organization deleted stays deleted', () => {
    const o = anOrganization();
    const state = foldOrganization([...o.history, ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.admin }), o.created]);
    expect(state.status).toBe('deleted');
  });
});

describe('evolve keeps every state field through every event type', () => {
  type Field = keyof OrganizationState;
  const membership: Field[] = ['members', 'adminCount', 'organizationWideAdminCount', 'headcountByDepartment'];
  const invitation: Field[] = ['invitations', 'handledInvitations', 'pendingInvitationsByInvitee', 'headcountByDepartment', 'pendingInvitationCountByInviter'];
  const request: Field[] = ['joinRequests', 'handledJoinRequests', 'pendingJoinRequestsByUser'];
  /** The fields each event type may change; every other field must come out as it went in. A new type must be added here. */
  const changes: { [T in OrganizationEvent['type']]: readonly Field[] } = {
    OrganizationCreated: ['status', 'id', 'name', 'description', 'createdAt', ...membership],
    OrganizationProfileUpdated: ['name', 'description'],
    MemberInvited: invitation,
    InvitationAccepted: [...invitation, ...membership],
    InvitationDeclined: invitation,
    InvitationRevoked: invitation,
    InvitationResent: invitation,
    JoinRequested: request,
    JoinRequestCancelled: request,
    JoinApproved: [...request, ...membership],
    JoinRejected: request,
    MemberRoleChanged: membership,
    MemberRemoved: membership,
    MemberLeft: membership,
    OrganizationDeleted: ['status'],
    DepartmentAdded: ['departments'],
    DepartmentRenamed: ['departments'],
    DepartmentRemoved: ['departments'],
    MemberDepartmentChanged: membership,
    DefaultDatasetRoleChanged: ['members'],
    PersonErased: [...invitation, ...request, ...membership],
    OrganizationLeftWithoutAdmin: ['withoutAdmin'],
    OrganizationAdminRestored: ['withoutAdmin'],
    PartnerInvited: ['partnerships'],
    PartnershipAccepted: ['partnerships'],
    PartnershipDeclined: ['partnerships'],
    PartnerAccessChanged: ['partnerships'],
    PartnershipEnded: ['partnerships'],
    OrganizationImported: ['status', 'id', 'name', 'description', 'createdAt', 'imported'],
    MemberImported: [...membership, 'imported'],
  };

  // A state where every field holds something, so that a dropped or reset field shows.
  const o = anOrganization();
  const full = foldOrganization(
    [
      ...o.history,
      // Recorded as if the organization had also been imported: the import's snapshot holds something.
      ev('OrganizationImported', { organizationId: o.org, name: 'Org', description: '', importedBy: o.admin, source: { system: 'udata', id: 's1', since: null } }),
      ev('OrganizationProfileUpdated', { organizationId: o.org, description: 'about' }),
      ev('DepartmentAdded', { organizationId: o.org, departmentId: 'water', name: 'Water', addedBy: o.admin }),
      ev('DepartmentAdded', { organizationId: o.org, departmentId: 'roads', name: 'Roads', addedBy: o.admin }),
      ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.editor, from: null, to: 'water', changedBy: o.admin }),
      o.invited('inv-open', { kind: 'user', userId: 'invitee' }),
      o.invited('inv-done', { kind: 'email', email: 'done@example.org' }),
      ev('InvitationDeclined', { organizationId: o.org, invitationId: 'inv-done', userId: 'someone' }),
      o.requested('req-open', 'requester', 'hello'),
      o.requested('req-done', 'other'),
      ev('JoinRejected', { organizationId: o.org, requestId: 'req-done', userId: 'other', rejectedBy: o.admin }),
      ev('PartnerInvited', { organizationId: o.org, partnershipId: 'p-active', partnerOrganizationId: 'org-b', access: 'read', invitedBy: o.admin }),
      ev('PartnershipAccepted', { organizationId: o.org, partnershipId: 'p-active', partnerOrganizationId: 'org-b', access: 'read', acceptedBy: 'b-admin', acceptedByRole: 'admin' }),
      ev('PartnerInvited', { organizationId: o.org, partnershipId: 'p-contact', contact: { name: 'C', contactEmail: 'c@example.org' }, access: 'write', invitedBy: o.admin }),
      ev('PartnerInvited', { organizationId: o.org, partnershipId: 'p-done', partnerOrganizationId: 'org-d', access: 'read', invitedBy: o.admin }),
      ev('PartnershipDeclined', { organizationId: o.org, partnershipId: 'p-done', partnerOrganizationId: 'org-d', declinedBy: 'd-admin' }),
    ].map((event) => ({ ...event, metadata: { occurredAt: '2026-01-01T00:00:00.000Z' } })),
  );
  const fields = Object.keys(initialState) as Field[];

  const samples: OrganizationEvent[] = [
    ev('OrganizationCreated', { organizationId: o.org, name: 'again', description: 'd', createdBy: 'late-admin' }),
    ev('OrganizationProfileUpdated', { organizationId: o.org, name: 'renamed', description: 'new' }),
    o.invited('inv-new', { kind: 'user', userId: 'new-invitee' }),
    ev('InvitationAccepted', { organizationId: o.org, invitationId: 'inv-open', userId: 'invitee', role: 'editor' }),
    ev('InvitationDeclined', { organizationId: o.org, invitationId: 'inv-open', userId: 'invitee' }),
    ev('InvitationRevoked', { organizationId: o.org, invitationId: 'inv-open', revokedBy: o.admin }),
    ev('InvitationResent', { organizationId: o.org, invitationId: 'inv-open', expiresAt: '2026-03-01T00:00:00.000Z', resentBy: o.admin }),
    ev('JoinRequested', { organizationId: o.org, requestId: 'req-new', userId: 'newcomer' }),
    ev('JoinRequestCancelled', { organizationId: o.org, requestId: 'req-open', userId: 'requester' }),
    ev('JoinApproved', { organizationId: o.org, requestId: 'req-open', userId: 'requester', role: 'member', approvedBy: o.admin }),
    ev('JoinRejected', { organizationId: o.org, requestId: 'req-open', userId: 'requester', rejectedBy: o.admin }),
    ev('MemberRoleChanged', { organizationId: o.org, userId: o.member, from: 'member', to: 'admin', changedBy: o.admin }),
    ev('MemberRemoved', { organizationId: o.org, userId: o.editor, role: 'editor', removedBy: o.admin }),
    ev('MemberLeft', { organizationId: o.org, userId: o.member, role: 'member' }),
    ev('OrganizationDeleted', { organizationId: o.org, deletedBy: o.admin }),
    ev('DepartmentAdded', { organizationId: o.org, departmentId: 'parks', name: 'Parks', addedBy: o.admin }),
    ev('DepartmentRenamed', { organizationId: o.org, departmentId: 'water', from: 'Water', to: 'Water and sewers', renamedBy: o.admin }),
    ev('DepartmentRemoved', { organizationId: o.org, departmentId: 'roads', removedBy: o.admin }),
    ev('MemberDepartmentChanged', { organizationId: o.org, userId: o.member, from: null, to: 'water', changedBy: o.admin }),
    ev('DefaultDatasetRoleChanged', { organizationId: o.org, userId: o.member, from: 'reader', to: 'manager', changedBy: o.admin }),
    ev('PersonErased', { organizationId: o.org, userId: 'requester', invitationIds: ['inv-open'], requestIds: ['req-open'], erasedBy: 'service' }),
    ev('OrganizationLeftWithoutAdmin', { organizationId: o.org }),
    ev('OrganizationAdminRestored', { organizationId: o.org }),
    ev('PartnerInvited', { organizationId: o.org, partnershipId: 'p-new', partnerOrganizationId: 'org-e', access: 'read', invitedBy: o.admin }),
    ev('PartnershipAccepted', { organizationId: o.org, partnershipId: 'p-contact', partnerOrganizationId: 'org-c', access: 'write', acceptedBy: 'c-admin', acceptedByRole: 'admin' }),
    ev('PartnershipDeclined', { organizationId: o.org, partnershipId: 'p-contact', partnerOrganizationId: null, declinedBy: 'c-admin' }),
    ev('PartnerAccessChanged', { organizationId: o.org, partnershipId: 'p-active', partnerOrganizationId: 'org-b', from: 'read', to: 'write', changedBy: o.admin }),
    ev('PartnershipEnded', { organizationId: o.org, partnershipId: 'p-active', partnerOrganizationId: 'org-b', endedBy: 'b-admin', by: 'partner' }),
    ev('OrganizationImported', { organizationId: o.org, name: 'imported', description: '', importedBy: o.admin, source: { system: 'ckan', id: 's2', since: null } }),
    ev('MemberImported', { organizationId: o.org, userId: 'imported-user', role: 'editor', importedBy: o.admin, source: { system: 'udata', id: 's1', since: null }, departmentId: null }),
  ];

  test('the samples cover every event type once', () => {
    expect(samples.map((event) => event.type).sort()).toEqual(Object.keys(changes).sort());
  });

  test('every field of the state was filled before the samples', () => {
    const isEmpty = (value: unknown) => value === undefined || value === '' || value === 0 || (value as { size?: number }).size === 0;
    expect(fields.filter((field) => isEmpty(full[field]))).toEqual([]);
  });

  test.each(samples.map((event) => [event.type, event] as const))('%s: the same fields, in the same order, and only its own changed', (type, event) => {
    // The flag is lifted only from a flagged organization.
    const before = type === 'OrganizationAdminRestored' ? evolve(full, ev('OrganizationLeftWithoutAdmin', { organizationId: o.org })) : full;
    const after = evolve(before, event, { occurredAt: '2026-02-01T00:00:00.000Z' });
    expect(Object.keys(after)).toEqual(fields);
    const changed = fields.filter((field) => after[field] !== before[field]);
    expect(changed.filter((field) => !changes[type].includes(field))).toEqual([]);
    expect(changed.length).toBeGreaterThan(0);
  });
});
