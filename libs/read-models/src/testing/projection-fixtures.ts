import type { OrganizationEvent } from '@roster/domain';
import type { RecordedEvent } from '@roster/event-store';
import { randomUUID } from 'node:crypto';
import type { Doc, DocumentStore } from '../document-store/document-store.port';
import { READ_MODEL_COLLECTIONS } from '../projections/read-model.collections';

/** Builds a log of recorded events with increasing positions, as a store would deliver them. */
export class EventLog {
  readonly events: RecordedEvent[] = [];
  private position = 0n;
  private readonly revisions = new Map<string, bigint>();

  /** `schemaVersion`: what the event is recorded under (1: before departments, read through the upcast). */
  add(event: OrganizationEvent, actor: string, at: string, schemaVersion = 1): RecordedEvent {
    const streamId = `organization-${event.data.organizationId}`;
    const revision = this.revisions.get(streamId) ?? 0n;
    this.revisions.set(streamId, revision + 1n);
    this.position += 1n;
    const recorded: RecordedEvent = {
      id: randomUUID(),
      streamId,
      type: event.type,
      data: event.data,
      metadata: { actor: { userId: actor }, occurredAt: at, correlationId: randomUUID(), causationId: randomUUID(), schemaVersion, command: 'Test' },
      revision,
      position: this.position,
      recordedAt: new Date(at),
    };
    this.events.push(recorded);
    return recorded;
  }
}

/**
 * A scenario that uses every event type across three organizations, interleaved, with ids
 * fresh per call. Returns the log and the ids the assertions need.
 */
export function fullScenario() {
  const log = new EventLog();
  const [o, p, q] = [randomUUID(), randomUUID(), randomUUID()];
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((name) => `${name}-${randomUUID()}`);
  const [inv1, inv2, inv3, inv4, inv5] = [1, 2, 3, 4, 5].map(() => randomUUID());
  const [req1, req2, req3, req4, req5] = [1, 2, 3, 4, 5].map(() => randomUUID());
  const day1 = (h: number) => `2026-01-01T${String(h).padStart(2, '0')}:00:00.000Z`;
  const day2 = (h: number) => `2026-01-02T${String(h).padStart(2, '0')}:00:00.000Z`;
  const expiresAt = '2026-01-08T00:00:00.000Z';

  log.add({ type: 'OrganizationCreated', data: { organizationId: o, name: 'Open Data O', description: 'first', createdBy: a } }, a, day1(1));
  log.add({ type: 'OrganizationCreated', data: { organizationId: p, name: 'P', description: '', createdBy: a } }, a, day1(2));
  log.add({ type: 'OrganizationProfileUpdated', data: { organizationId: o, description: 'second' } }, a, day1(3));
  log.add({ type: 'MemberInvited', data: { organizationId: o, invitationId: inv1, invitee: { kind: 'user', userId: b }, role: 'editor', invitedBy: a, expiresAt } }, a, day1(4));
  log.add({ type: 'MemberInvited', data: { organizationId: o, invitationId: inv2, invitee: { kind: 'user', userId: b }, role: 'editor', invitedBy: a, expiresAt, replacesInvitationId: inv1 } }, a, day1(5));
  log.add({ type: 'JoinRequested', data: { organizationId: p, requestId: req5, userId: b, message: 'hello' } }, b, day1(6));
  log.add({ type: 'InvitationAccepted', data: { organizationId: o, invitationId: inv2, userId: b, role: 'editor' } }, b, day2(1));
  log.add({ type: 'JoinApproved', data: { organizationId: p, requestId: req5, userId: b, role: 'member', approvedBy: a } }, a, day2(1));
  log.add({ type: 'MemberInvited', data: { organizationId: o, invitationId: inv3, invitee: { kind: 'email', email: 'x@example.org' }, role: 'member', invitedBy: a, expiresAt } }, a, day2(2));
  log.add({ type: 'InvitationDeclined', data: { organizationId: o, invitationId: inv3, userId: e } }, e, day2(3));
  log.add({ type: 'MemberInvited', data: { organizationId: o, invitationId: inv4, invitee: { kind: 'user', userId: c }, role: 'member', invitedBy: a, expiresAt } }, a, day2(4));
  log.add({ type: 'InvitationRevoked', data: { organizationId: o, invitationId: inv4, revokedBy: a } }, a, day2(5));
  log.add({ type: 'JoinRequested', data: { organizationId: o, requestId: req1, userId: c, message: 'let me in' } }, c, day2(6));
  log.add({ type: 'JoinRequestCancelled', data: { organizationId: o, requestId: req1, userId: c } }, c, day2(7));
  log.add({ type: 'OrganizationDeleted', data: { organizationId: p, deletedBy: a } }, a, day2(8));
  log.add({ type: 'JoinRequested', data: { organizationId: o, requestId: req2, userId: c } }, c, day2(9));
  log.add({ type: 'JoinApproved', data: { organizationId: o, requestId: req2, userId: c, role: 'member', approvedBy: a } }, a, day2(10));
  log.add({ type: 'JoinRequested', data: { organizationId: o, requestId: req3, userId: d } }, d, day2(11));
  log.add({ type: 'JoinRejected', data: { organizationId: o, requestId: req3, userId: d, rejectedBy: a, reason: 'no' } }, a, day2(12));
  log.add({ type: 'MemberRoleChanged', data: { organizationId: o, userId: c, from: 'member', to: 'editor', changedBy: a } }, a, day2(13));
  log.add({ type: 'OrganizationCreated', data: { organizationId: q, name: 'Q', description: 'q', createdBy: d } }, d, day2(14));
  log.add({ type: 'MemberRemoved', data: { organizationId: o, userId: b, role: 'editor', removedBy: a } }, a, day2(15));
  log.add({ type: 'MemberLeft', data: { organizationId: o, userId: c, role: 'editor' } }, c, day2(16));
  log.add({ type: 'JoinRequested', data: { organizationId: o, requestId: req4, userId: d, message: 'again' } }, d, day2(17));
  log.add({ type: 'MemberInvited', data: { organizationId: o, invitationId: inv5, invitee: { kind: 'user', userId: e }, role: 'admin', invitedBy: a, expiresAt } }, a, day2(18));
  log.add({ type: 'JoinRequested', data: { organizationId: o, requestId: randomUUID(), userId: c } }, c, day2(19));
  return { log, orgs: { o, p, q }, users: { a, b, c, d, e }, invitations: { inv1, inv2, inv3, inv4, inv5 }, requests: { req1, req2, req3, req4, req5 } };
}

/**
 * Departments and default dataset roles over one organization: members recorded before
 * departments (schema version 1, upcast to organization-wide with the default dataset role of
 * their role) and after, moves, a rename, a department added then removed, a departure.
 * At the end: water holds d (a department admin) and e, roads holds b, a is organization-wide.
 */
export function departmentScenario() {
  const log = new EventLog();
  const o = randomUUID();
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((name) => `${name}-${randomUUID()}`);
  const [inv1, req1, req2, req3] = [1, 2, 3, 4].map(() => randomUUID());
  const at = (h: number) => `2026-02-01T${String(h).padStart(2, '0')}:00:00.000Z`;
  const v2 = 2;
  log.add({ type: 'OrganizationCreated', data: { organizationId: o, name: 'Departments', description: '', createdBy: a } }, a, at(1));
  log.add({ type: 'JoinApproved', data: { organizationId: o, requestId: req1, userId: b, role: 'editor', approvedBy: a } }, a, at(2));
  log.add({ type: 'DepartmentAdded', data: { organizationId: o, departmentId: 'water', name: 'Water', addedBy: a } }, a, at(3), v2);
  log.add({ type: 'DepartmentAdded', data: { organizationId: o, departmentId: 'roads', name: 'Roads', addedBy: a } }, a, at(3), v2);
  const expiresAt = '2026-02-08T00:00:00.000Z';
  const placedInWater = { departmentId: 'water', defaultDatasetRole: 'none' } as const;
  log.add({ type: 'MemberInvited', data: { organizationId: o, invitationId: inv1, invitee: { kind: 'user', userId: c }, role: 'member', invitedBy: a, expiresAt, ...placedInWater } }, a, at(4), v2);
  log.add({ type: 'InvitationAccepted', data: { organizationId: o, invitationId: inv1, userId: c, role: 'member', ...placedInWater } }, c, at(5), v2);
  log.add({ type: 'JoinApproved', data: { organizationId: o, requestId: req2, userId: d, role: 'admin', approvedBy: a, departmentId: 'water', defaultDatasetRole: 'manager' } }, a, at(6), v2);
  log.add({ type: 'MemberDepartmentChanged', data: { organizationId: o, userId: b, from: null, to: 'roads', changedBy: a } }, a, at(7), v2);
  log.add({ type: 'DefaultDatasetRoleChanged', data: { organizationId: o, userId: b, from: 'contributor', to: 'manager', changedBy: a } }, a, at(8), v2);
  log.add({ type: 'DepartmentRenamed', data: { organizationId: o, departmentId: 'roads', from: 'Roads', to: 'Roads and bridges', renamedBy: a } }, a, at(9), v2);
  log.add({ type: 'DepartmentAdded', data: { organizationId: o, departmentId: 'parks', name: 'Parks', addedBy: a } }, a, at(10), v2);
  log.add({ type: 'DepartmentRemoved', data: { organizationId: o, departmentId: 'parks', removedBy: a } }, a, at(11), v2);
  log.add({ type: 'MemberLeft', data: { organizationId: o, userId: c, role: 'member' } }, c, at(12), v2);
  log.add({ type: 'JoinApproved', data: { organizationId: o, requestId: req3, userId: e, role: 'editor', approvedBy: d, departmentId: 'water', defaultDatasetRole: 'reader' } }, d, at(13), v2);
  return { log, o, users: { a, b, c, d, e } };
}

/**
 * An erasure: the only organization-wide admin `a`, also invited elsewhere by e-mail and
 * requesting to join, is erased; the organization is flagged, then a promotion lifts the flag.
 */
export function erasureScenario() {
  const log = new EventLog();
  const [o, p] = [randomUUID(), randomUUID()];
  const [a, b, c] = ['a', 'b', 'c'].map((name) => `${name}-${randomUUID()}`);
  const [inv, req, reqB] = [1, 2, 3].map(() => randomUUID());
  const at = (h: number) => `2026-03-01T${String(h).padStart(2, '0')}:00:00.000Z`;
  log.add({ type: 'OrganizationCreated', data: { organizationId: o, name: 'O', description: '', createdBy: a } }, a, at(1), 2);
  log.add({ type: 'JoinApproved', data: { organizationId: o, requestId: reqB, userId: b, role: 'editor', approvedBy: a } }, a, at(2), 2);
  log.add({ type: 'OrganizationCreated', data: { organizationId: p, name: 'P', description: '', createdBy: c } }, c, at(3), 2);
  log.add({ type: 'MemberInvited', data: { organizationId: p, invitationId: inv, invitee: { kind: 'email', email: 'a@example.org' }, role: 'member', invitedBy: c, expiresAt: at(23) } }, c, at(4), 2);
  log.add({ type: 'JoinRequested', data: { organizationId: p, requestId: req, userId: a, message: 'hi' } }, a, at(5), 2);
  log.add({ type: 'PersonErased', data: { organizationId: o, userId: a, role: 'admin', departmentId: null, invitationIds: [], requestIds: [], erasedBy: 'identity' } }, 'identity', at(6), 2);
  log.add({ type: 'OrganizationLeftWithoutAdmin', data: { organizationId: o } }, 'identity', at(6), 2);
  log.add({ type: 'PersonErased', data: { organizationId: p, userId: a, invitationIds: [inv], requestIds: [req], erasedBy: 'identity' } }, 'identity', at(6), 2);
  const flagged = log.events.length;
  log.add({ type: 'MemberRoleChanged', data: { organizationId: o, userId: b, from: 'editor', to: 'admin', changedBy: 'root' } }, 'root', at(7), 2);
  log.add({ type: 'OrganizationAdminRestored', data: { organizationId: o } }, 'root', at(7), 2);
  return { log, flagged, orgs: { o, p }, users: { a, b, c }, inv, req };
}

/** Every read-model document, by collection, sorted by _id with keys sorted: comparable across stores. */
export async function dumpReadModels(documents: DocumentStore, collections: readonly string[] = READ_MODEL_COLLECTIONS): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const name of collections) {
    const docs = await documents.find(name, {}, { sort: { _id: 1 } });
    out[name] = docs.map(normalize).sort((x, y) => ((x as Doc)._id < (y as Doc)._id ? -1 : 1));
  }
  return out;
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, normalize((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * Partnerships across six organizations, all recorded in the inviting organization's stream.
 * At the end, A's partners: B (read, active), C (write, active: its access raised), E
 * (pending, invited again after declining), a partner known only by its contact (pending);
 * D accepted and was then deleted (in its own stream): it grants nothing. C's partnership
 * with B was ended by B. Users: bMember (member of B), bEditor (editor of B), cEditor
 * (editor of C), dMember (member of D), both (member of B and editor of C), aMember (member
 * of A and of B).
 */
export function partnerScenario() {
  const log = new EventLog();
  const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(() => randomUUID());
  const admins = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((name) => [name, `admin-${name}-${randomUUID()}`])) as Record<'a' | 'b' | 'c' | 'd' | 'e', string>;
  const [bMember, bEditor, cEditor, dMember, both, aMember] = ['b-member', 'b-editor', 'c-editor', 'd-member', 'both', 'a-member'].map((name) => `${name}-${randomUUID()}`);
  const [pB, pC, pD, pContact, pE1, pE2, pCB] = [1, 2, 3, 4, 5, 6, 7].map(() => randomUUID());
  const at = (m: number) => `2026-03-01T10:${String(m).padStart(2, '0')}:00.000Z`;
  const v2 = 2;
  let minute = 0;
  const add = (event: OrganizationEvent, actor: string, schemaVersion = 1) => log.add(event, actor, at(++minute), schemaVersion);
  for (const [organizationId, name] of [[a, 'A'], [b, 'B'], [c, 'C'], [d, 'D'], [e, 'E']] as const) {
    const admin = admins[name.toLowerCase() as keyof typeof admins];
    add({ type: 'OrganizationCreated', data: { organizationId, name: `Organization ${name}`, description: '', createdBy: admin } }, admin);
  }
  const join = (organizationId: string, userId: string, role: 'member' | 'editor', admin: string) =>
    add({ type: 'JoinApproved', data: { organizationId, requestId: randomUUID(), userId, role, approvedBy: admin } }, admin);
  join(b, bMember, 'member', admins.b);
  join(b, bEditor, 'editor', admins.b);
  join(c, cEditor, 'editor', admins.c);
  join(d, dMember, 'member', admins.d);
  join(b, both, 'member', admins.b);
  join(c, both, 'editor', admins.c);
  join(a, aMember, 'member', admins.a);
  join(b, aMember, 'editor', admins.b);
  const invite = (organizationId: string, partnershipId: string, partner: { partnerOrganizationId: string } | { contact: { name: string; contactEmail: string } }, access: 'read' | 'write', admin: string) =>
    add({ type: 'PartnerInvited', data: { organizationId, partnershipId, ...partner, access, invitedBy: admin } }, admin, v2);
  const accept = (organizationId: string, partnershipId: string, partnerOrganizationId: string, access: 'read' | 'write', admin: string) =>
    add({ type: 'PartnershipAccepted', data: { organizationId, partnershipId, partnerOrganizationId, access, acceptedBy: admin, acceptedByRole: 'admin' } }, admin, v2);
  invite(a, pB, { partnerOrganizationId: b }, 'read', admins.a);
  accept(a, pB, b, 'read', admins.b);
  invite(a, pC, { partnerOrganizationId: c }, 'read', admins.a);
  accept(a, pC, c, 'read', admins.c);
  add({ type: 'PartnerAccessChanged', data: { organizationId: a, partnershipId: pC, partnerOrganizationId: c, from: 'read', to: 'write', changedBy: admins.a } }, admins.a, v2);
  invite(a, pD, { partnerOrganizationId: d }, 'write', admins.a);
  accept(a, pD, d, 'write', admins.d);
  invite(a, pContact, { contact: { name: 'Future Partner', contactEmail: 'contact@example.org' } }, 'read', admins.a);
  invite(a, pE1, { partnerOrganizationId: e }, 'read', admins.a);
  add({ type: 'PartnershipDeclined', data: { organizationId: a, partnershipId: pE1, partnerOrganizationId: e, declinedBy: admins.e } }, admins.e, v2);
  invite(a, pE2, { partnerOrganizationId: e }, 'write', admins.a);
  invite(c, pCB, { partnerOrganizationId: b }, 'write', admins.c);
  accept(c, pCB, b, 'write', admins.b);
  /** Up to here D is a live partner of A and B one of C; the two events below end both grants. */
  const beforeEnds = log.events.length;
  add({ type: 'OrganizationDeleted', data: { organizationId: d, deletedBy: admins.d } }, admins.d);
  add({ type: 'PartnershipEnded', data: { organizationId: c, partnershipId: pCB, partnerOrganizationId: b, endedBy: admins.b, by: 'partner' } }, admins.b, v2);
  return {
    log,
    beforeEnds,
    orgs: { a, b, c, d, e },
    admins,
    users: { bMember, bEditor, cEditor, dMember, both, aMember },
    partnerships: { pB, pC, pD, pContact, pE1, pE2, pCB },
  };
}
