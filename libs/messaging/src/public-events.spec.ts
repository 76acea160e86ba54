import { randomUUID } from 'node:crypto';
import { actionsOf, ACTIONS } from '@roster/domain/permissions';
import { checkOrganizationPermission, type PartnerAccess } from '@roster/domain/partners';
import type { OrganizationEvent } from '@roster/domain/events';
import type { Role } from '@roster/domain/roles';
import { ORGANIZATION_EVENT_TYPES, type EventOfType, type OrganizationEventType } from '@roster/domain/events';
import type { RecordedEvent } from '@roster/event-store';
import { fromKafkaMessage, toCloudEvents, toKafkaMessage, UnmappableEventError } from './cloud-events';
import { loadAsyncApi, messageSchemas, validateCloudEvent } from './asyncapi-contract';
import { chunkBySize, KafkaPublisher } from './kafka-publisher';
import { PUBLIC_EVENT_TYPES, toPublicEvents } from './public-events';

const org = randomUUID();
const alice = 'user-alice';
const bob = 'user-bob';
/** An admin of the partner organization. */
const carol = 'user-carol';
const partner = randomUUID();

/** One sample per domain event type: the Record type makes a missing one a compile error. */
const samples: { [T in OrganizationEventType]: EventOfType<T> } = {
  OrganizationCreated: { type: 'OrganizationCreated', data: { organizationId: org, name: 'Région Sud', description: 'open data', createdBy: alice } },
  OrganizationProfileUpdated: { type: 'OrganizationProfileUpdated', data: { organizationId: org, name: 'DataSud' } },
  MemberInvited: {
    type: 'MemberInvited',
    data: {
      organizationId: org,
      invitationId: 'inv-1',
      invitee: { kind: 'email', email: 'bob@example.org' },
      role: 'editor',
      invitedBy: alice,
      expiresAt: '2026-12-01T10:00:00.000Z',
      replacesInvitationId: 'inv-0',
    },
  },
  InvitationAccepted: { type: 'InvitationAccepted', data: { organizationId: org, invitationId: 'inv-1', userId: bob, role: 'editor' } },
  InvitationDeclined: { type: 'InvitationDeclined', data: { organizationId: org, invitationId: 'inv-1', userId: bob } },
  InvitationRevoked: { type: 'InvitationRevoked', data: { organizationId: org, invitationId: 'inv-1', revokedBy: alice } },
  InvitationResent: { type: 'InvitationResent', data: { organizationId: org, invitationId: 'inv-1', expiresAt: '2026-12-08T10:00:00.000Z', resentBy: alice } },
  JoinRequested: { type: 'JoinRequested', data: { organizationId: org, requestId: 'req-1', userId: bob, message: 'Please let me in' } },
  JoinRequestCancelled: { type: 'JoinRequestCancelled', data: { organizationId: org, requestId: 'req-1', userId: bob } },
  JoinApproved: { type: 'JoinApproved', data: { organizationId: org, requestId: 'req-1', userId: bob, role: 'member', approvedBy: alice } },
  JoinRejected: { type: 'JoinRejected', data: { organizationId: org, requestId: 'req-1', userId: bob, rejectedBy: alice, reason: 'not yet' } },
  MemberRoleChanged: { type: 'MemberRoleChanged', data: { organizationId: org, userId: bob, from: 'member', to: 'admin', changedBy: alice, reason: 'runs the team now' } },
  MemberRemoved: { type: 'MemberRemoved', data: { organizationId: org, userId: bob, role: 'editor', removedBy: alice, reason: 'left the agency' } },
  MemberLeft: { type: 'MemberLeft', data: { organizationId: org, userId: bob, role: 'admin' } },
  OrganizationDeleted: { type: 'OrganizationDeleted', data: { organizationId: org, deletedBy: alice } },
  DepartmentAdded: { type: 'DepartmentAdded', data: { organizationId: org, departmentId: 'water', name: 'Water', addedBy: alice } },
  DepartmentRenamed: { type: 'DepartmentRenamed', data: { organizationId: org, departmentId: 'water', from: 'Water', to: 'Eau', renamedBy: alice } },
  DepartmentRemoved: { type: 'DepartmentRemoved', data: { organizationId: org, departmentId: 'water', removedBy: alice } },
  MemberDepartmentChanged: { type: 'MemberDepartmentChanged', data: { organizationId: org, userId: bob, from: null, to: 'water', changedBy: alice } },
  DefaultDatasetRoleChanged: { type: 'DefaultDatasetRoleChanged', data: { organizationId: org, userId: bob, from: 'reader', to: 'manager', changedBy: alice } },
  PersonErased: {
    type: 'PersonErased',
    data: { organizationId: org, userId: bob, role: 'admin', departmentId: null, invitationIds: ['inv-1'], requestIds: [], erasedBy: 'service-identity' },
  },
  OrganizationLeftWithoutAdmin: { type: 'OrganizationLeftWithoutAdmin', data: { organizationId: org } },
  OrganizationAdminRestored: { type: 'OrganizationAdminRestored', data: { organizationId: org } },
  PartnerInvited: { type: 'PartnerInvited', data: { organizationId: org, partnershipId: 'p-1', partnerOrganizationId: partner, access: 'read', invitedBy: alice } },
  PartnershipAccepted: {
    type: 'PartnershipAccepted',
    data: { organizationId: org, partnershipId: 'p-1', partnerOrganizationId: partner, access: 'read', acceptedBy: carol, acceptedByRole: 'admin' },
  },
  PartnershipDeclined: { type: 'PartnershipDeclined', data: { organizationId: org, partnershipId: 'p-1', partnerOrganizationId: partner, declinedBy: carol } },
  PartnerAccessChanged: {
    type: 'PartnerAccessChanged',
    data: { organizationId: org, partnershipId: 'p-1', partnerOrganizationId: partner, from: 'read', to: 'write', changedBy: alice },
  },
  PartnershipEnded: { type: 'PartnershipEnded', data: { organizationId: org, partnershipId: 'p-1', partnerOrganizationId: partner, endedBy: carol, by: 'partner' } },
  OrganizationImported: {
    type: 'OrganizationImported',
    data: { organizationId: org, name: 'Région Sud', description: '', importedBy: alice, source: { system: 'udata', id: '5a1b2c', since: '2014-03-01T10:00:00.000Z' } },
  },
  MemberImported: {
    type: 'MemberImported',
    data: { organizationId: org, userId: bob, role: 'editor', importedBy: alice, source: { system: 'udata', id: '5a1b2c', since: null }, departmentId: null, defaultDatasetRole: 'contributor' },
  },
};

function recorded(type: OrganizationEventType, position = 7n): RecordedEvent {
  return {
    id: randomUUID(),
    streamId: `organization-${org}`,
    type,
    data: samples[type].data,
    metadata: {
      actor: { userId: alice },
      occurredAt: '2026-11-23T10:00:00.000Z',
      correlationId: 'corr-1',
      causationId: 'cmd-1',
      schemaVersion: 1,
      command: 'Whatever',
    },
    revision: 3n,
    position,
    recordedAt: new Date('2026-11-23T10:00:00.100Z'),
  };
}

describe('public event contract', () => {
  const asyncapi = loadAsyncApi();

  it('maps every domain event type to at least one documented public event', () => {
    const documented = messageSchemas(asyncapi);
    for (const type of ORGANIZATION_EVENT_TYPES) {
      const mapped = toPublicEvents(samples[type]);
      expect(mapped.length).toBeGreaterThan(0);
      expect(mapped[0].idSuffix).toBe('');
      for (const event of mapped) expect(documented.has(event.type)).toBe(true);
    }
  });

  it('documents exactly the published types', () => {
    expect([...messageSchemas(asyncapi).keys()].sort()).toEqual(Object.values(PUBLIC_EVENT_TYPES).sort());
  });

  it.each(ORGANIZATION_EVENT_TYPES)('%s: the produced CloudEvents conform to asyncapi.json', (type) => {
    for (const event of toCloudEvents(recorded(type))) {
      expect(event.validate()).toBe(true);
      const wire = JSON.parse(toKafkaMessage(event).value as string);
      expect(validateCloudEvent(asyncapi, wire)).toEqual([]);
    }
  });

  it('every example of asyncapi.json conforms to its message', () => {
    const examples = Object.values(asyncapi.components.messages).flatMap((message) =>
      ((message as { examples?: { name: string; payload: { type: string } }[] }).examples ?? []).map((example) => ({ message: message.name, example })),
    );
    expect(examples.length).toBeGreaterThan(0);
    for (const { message, example } of examples) {
      expect(example.payload.type).toBe(message);
      expect({ example: example.name, errors: validateCloudEvent(asyncapi, example.payload) }).toEqual({ example: example.name, errors: [] });
    }
  });

  it('every message carrying a department or a default dataset role shows it in an example', () => {
    for (const message of Object.values(asyncapi.components.messages)) {
      const ref = JSON.stringify(message.payload).match(/#\/components\/schemas\/(\w+V\d+)/)![1];
      const fields = Object.keys((asyncapi.components.schemas[ref] as { properties: object }).properties).filter((name) =>
        /departmentId|defaultDatasetRole/i.test(name),
      );
      const examples = (message as { examples?: { payload: { data: object } }[] }).examples ?? [];
      for (const field of fields) expect({ message: message.name, field, shown: examples.some((e) => field in e.payload.data) }).toEqual({ message: message.name, field, shown: true });
    }
  });

  it('carries the recorded W3C trace context as the distributed tracing extension and as record headers, conforming to asyncapi.json', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const base = recorded('MemberRoleChanged');
    const traced = { ...base, metadata: { ...base.metadata, traceparent, tracestate: 'portal=t61rcWkgMzE' } };
    const [event] = toCloudEvents(traced);
    expect(event.validate()).toBe(true);
    const message = toKafkaMessage(event);
    const wire = JSON.parse(message.value as string);
    expect(wire).toMatchObject({ traceparent, tracestate: 'portal=t61rcWkgMzE' });
    expect(message.headers).toMatchObject({ traceparent, tracestate: 'portal=t61rcWkgMzE' });
    expect(validateCloudEvent(asyncapi, wire)).toEqual([]);
    // Without one recorded, neither appears.
    const [plain] = toCloudEvents(base);
    expect(JSON.parse(toKafkaMessage(plain).value as string)).not.toHaveProperty('traceparent');
    expect(toKafkaMessage(plain).headers).not.toHaveProperty('traceparent');
  });

  it('events published after an erasure carry the erased marker in place of personal fields, as the contract allows', () => {
    const erased = { erased: true };
    for (const [type, data] of [
      ['MemberInvited', { ...samples.MemberInvited.data, invitee: { kind: 'email', email: erased } }],
      ['JoinRequested', { ...samples.JoinRequested.data, message: erased }],
      ['JoinRejected', { ...samples.JoinRejected.data, reason: erased }],
    ] as const) {
      for (const event of toCloudEvents({ ...recorded(type), data })) {
        const wire = JSON.parse(toKafkaMessage(event).value as string);
        expect({ type, errors: validateCloudEvent(asyncapi, wire), plaintext: /@example\.org|Please let me in|not yet/.test(JSON.stringify(wire.data)) }).toEqual({ type, errors: [], plaintext: false });
      }
    }
  });

  it('the validator rejects a payload that breaks the contract', () => {
    const [event] = toCloudEvents(recorded('MemberRoleChanged'));
    const wire = JSON.parse(toKafkaMessage(event).value as string);
    delete wire.data.capabilitiesRevoked;
    wire.data.to = 'owner';
    wire.extra = 1;
    const errors = validateCloudEvent(asyncapi, wire);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('missing required capabilitiesRevoked'),
        expect.stringContaining('$.data.to'),
        expect.stringContaining('unexpected property extra'),
      ]),
    );
  });

  it('creation, accepted invitation and approved request each also publish member.joined with the role capabilities', () => {
    expect(toPublicEvents(samples.OrganizationCreated)[1]).toEqual({
      idSuffix: ':member-joined',
      type: 'org.roster.member.joined.v1',
      data: { organizationId: org, userId: alice, role: 'admin', capabilities: [...actionsOf('admin')], via: 'creation', departmentId: null, defaultDatasetRole: 'manager' },
    });
    expect(toPublicEvents(samples.InvitationAccepted).map((e) => e.type)).toEqual([
      'org.roster.invitation.accepted.v1',
      'org.roster.member.joined.v1',
    ]);
    expect(toPublicEvents(samples.InvitationAccepted)[1].data).toMatchObject({ via: 'invitation', invitationId: 'inv-1', role: 'editor', capabilities: [...actionsOf('editor')] });
    expect(toPublicEvents(samples.JoinApproved)[1].data).toMatchObject({ via: 'join-request', requestId: 'req-1', role: 'member', capabilities: [...actionsOf('member')] });
  });

  it('every event that creates a membership carries its department and default dataset role', () => {
    const placed = { type: 'InvitationAccepted' as const, data: { ...samples.InvitationAccepted.data, departmentId: 'water', defaultDatasetRole: 'manager' as const } };
    expect(toPublicEvents(placed).map((e) => e.data)).toEqual([
      expect.objectContaining({ departmentId: 'water', defaultDatasetRole: 'manager' }),
      expect.objectContaining({ via: 'invitation', departmentId: 'water', defaultDatasetRole: 'manager' }),
    ]);
    const approved = { type: 'JoinApproved' as const, data: { ...samples.JoinApproved.data, departmentId: 'roads', defaultDatasetRole: 'none' as const } };
    expect(toPublicEvents(approved).map((e) => e.data)).toEqual([
      expect.objectContaining({ departmentId: 'roads', defaultDatasetRole: 'none' }),
      expect.objectContaining({ via: 'join-request', departmentId: 'roads', defaultDatasetRole: 'none' }),
    ]);
    const invited = { type: 'MemberInvited' as const, data: { ...samples.MemberInvited.data, departmentId: 'water', defaultDatasetRole: 'reader' as const } };
    expect(toPublicEvents(invited)[0].data).toMatchObject({ departmentId: 'water', defaultDatasetRole: 'reader' });
    const created = { type: 'OrganizationCreated' as const, data: { ...samples.OrganizationCreated.data, creatorDefaultDatasetRole: 'contributor' as const } };
    expect(toPublicEvents(created)[1].data).toMatchObject({ via: 'creation', departmentId: null, defaultDatasetRole: 'contributor' });
  });

  it('an event recorded before departments publishes as organization-wide, with the default dataset role of its role', () => {
    for (const type of ['MemberInvited', 'InvitationAccepted', 'JoinApproved', 'OrganizationCreated'] as const) {
      const source = recorded(type);
      const derived = toCloudEvents({ ...source, metadata: { ...source.metadata, schemaVersion: 1 } });
      const role = type === 'OrganizationCreated' ? 'admin' : (samples[type].data as { role: string }).role;
      const expected = { member: 'reader', editor: 'contributor', admin: 'manager' }[role];
      for (const event of derived.filter((e) => e.type !== PUBLIC_EVENT_TYPES.organizationCreated)) {
        expect(event.data).toMatchObject({ departmentId: null, defaultDatasetRole: expected });
      }
    }
  });

  it('department moves, default dataset role changes and the departments themselves are published with their new value', () => {
    expect(toPublicEvents(samples.MemberDepartmentChanged)).toEqual([
      {
        idSuffix: '',
        type: 'org.roster.member.department-changed.v1',
        data: { organizationId: org, userId: bob, departmentId: 'water', previousDepartmentId: null, changedBy: alice },
      },
    ]);
    expect(toPublicEvents({ type: 'MemberDepartmentChanged', data: { organizationId: org, userId: bob, from: 'water', to: null, changedBy: alice } })[0].data).toMatchObject({
      departmentId: null,
      previousDepartmentId: 'water',
    });
    expect(toPublicEvents(samples.DefaultDatasetRoleChanged)[0]).toEqual({
      idSuffix: '',
      type: 'org.roster.member.default-dataset-role-changed.v1',
      data: { organizationId: org, userId: bob, defaultDatasetRole: 'manager', previousDefaultDatasetRole: 'reader', changedBy: alice },
    });
    expect(toPublicEvents(samples.DepartmentAdded)[0].data).toEqual({ organizationId: org, departmentId: 'water', name: 'Water', addedBy: alice });
    expect(toPublicEvents(samples.DepartmentRenamed)[0].data).toEqual({ organizationId: org, departmentId: 'water', name: 'Eau', previousName: 'Water', renamedBy: alice });
    expect(toPublicEvents(samples.DepartmentRemoved)[0]).toEqual({
      idSuffix: '',
      type: 'org.roster.department.removed.v1',
      data: { organizationId: org, departmentId: 'water', removedBy: alice },
    });
  });

  it('a department id that is not a slug breaks the contract', () => {
    const [event] = toCloudEvents(recorded('MemberDepartmentChanged'));
    const wire = JSON.parse(toKafkaMessage(event).value as string);
    wire.data.departmentId = 'Water Dept';
    expect(validateCloudEvent(asyncapi, wire)).toEqual(expect.arrayContaining([expect.stringContaining('$.data.departmentId')]));
  });

  it('a partner invited by its contact conforms too (exactly one of partnerOrganizationId and contact)', () => {
    const contact = { type: 'PartnerInvited' as const, data: { organizationId: org, partnershipId: 'p-2', contact: { name: 'Hydro', contactEmail: 'c@hydro.example.org' }, access: 'write' as const, invitedBy: alice } };
    const [event] = toCloudEvents({ ...recorded('PartnerInvited'), data: contact.data });
    const wire = JSON.parse(toKafkaMessage(event).value as string);
    expect(wire.data).toEqual({ organizationId: org, partnershipId: 'p-2', access: 'write', invitedBy: alice, contact: { name: 'Hydro', contactEmail: 'c@hydro.example.org' } });
    expect(validateCloudEvent(asyncapi, wire)).toEqual([]);
    wire.data.partnerOrganizationId = partner;
    expect(validateCloudEvent(asyncapi, wire)).toEqual([expect.stringContaining('oneOf')]);
    const declined = toPublicEvents({ type: 'PartnershipDeclined', data: { organizationId: org, partnershipId: 'p-2', partnerOrganizationId: null, declinedBy: bob } });
    expect(validateCloudEvent(asyncapi, JSON.parse(toKafkaMessage(toCloudEvents({ ...recorded('PartnershipDeclined'), data: declined[0].data })[0]).value as string))).toEqual([]);
  });

  it('a consumer tells from the topic alone who may do what through partnerships, as the permission check does', () => {
    // Events keyed by A (the partnerships) and by B and C (their members and deletion), in topic order.
    const a = org;
    const c = randomUUID();
    const history: OrganizationEvent[] = [
      { type: 'PartnerInvited', data: { organizationId: a, partnershipId: 'p-b', partnerOrganizationId: partner, access: 'read', invitedBy: alice } },
      { type: 'PartnershipAccepted', data: { organizationId: a, partnershipId: 'p-b', partnerOrganizationId: partner, access: 'read', acceptedBy: carol, acceptedByRole: 'admin' } },
      { type: 'PartnerInvited', data: { organizationId: a, partnershipId: 'p-c', partnerOrganizationId: c, access: 'read', invitedBy: alice } },
      { type: 'PartnershipAccepted', data: { organizationId: a, partnershipId: 'p-c', partnerOrganizationId: c, access: 'read', acceptedBy: 'user-dan', acceptedByRole: 'admin' } },
      { type: 'PartnerAccessChanged', data: { organizationId: a, partnershipId: 'p-c', partnerOrganizationId: c, from: 'read', to: 'write', changedBy: alice } },
      { type: 'OrganizationDeleted', data: { organizationId: c, deletedBy: 'user-dan' } },
      { type: 'PartnerInvited', data: { organizationId: a, partnershipId: 'p-pending', partnerOrganizationId: randomUUID(), access: 'write', invitedBy: alice } },
    ];
    // The consumer: partnerships by A, from partnership.* only; deleted organizations from organization.deleted.
    const grants = new Map<string, { partner: string; capabilities: Record<Role, string[]> }>();
    const deleted = new Set<string>();
    for (const event of history.flatMap(toPublicEvents)) {
      const d = event.data as { organizationId: string; partnershipId: string; partnerOrganizationId: string; capabilitiesByPartnerRole: Record<Role, string[]> };
      if (event.type === PUBLIC_EVENT_TYPES.organizationDeleted) deleted.add(d.organizationId);
      if (event.type === PUBLIC_EVENT_TYPES.partnershipAccepted || event.type === PUBLIC_EVENT_TYPES.partnershipAccessChanged) {
        grants.set(d.partnershipId, { partner: d.partnerOrganizationId, capabilities: d.capabilitiesByPartnerRole });
      }
      if (event.type === PUBLIC_EVENT_TYPES.partnershipEnded) grants.delete(d.partnershipId);
    }
    const consumerSays = (partnerId: string, role: Role) =>
      [...grants.values()].filter((g) => g.partner === partnerId && !deleted.has(partnerId) && !deleted.has(a)).flatMap((g) => g.capabilities[role]);
    const checkSays = (partnerId: string, access: PartnerAccess, role: Role, status: 'active' | 'deleted') =>
      ACTIONS.filter((action) => checkOrganizationPermission(undefined, [{ partnerOrganizationId: partnerId, partnershipStatus: 'active', partnerOrganizationStatus: status, access, role }], action).allowed);
    for (const role of ['member', 'editor', 'admin'] as const) {
      expect(consumerSays(partner, role)).toEqual(checkSays(partner, 'read', role, 'active'));
      expect(consumerSays(c, role)).toEqual(checkSays(c, 'write', role, 'deleted'));
    }
    expect(consumerSays(partner, 'member')).toEqual(['organization.read', 'dataset.read']);
    const ended: OrganizationEvent = { type: 'PartnershipEnded', data: { organizationId: a, partnershipId: 'p-b', partnerOrganizationId: partner, endedBy: carol, by: 'partner' } };
    for (const event of toPublicEvents(ended)) grants.delete((event.data as { partnershipId: string }).partnershipId);
    expect(consumerSays(partner, 'admin')).toEqual([]);
  });

  it('a role change carries the capabilities granted and revoked', () => {
    const up = toPublicEvents(samples.MemberRoleChanged)[0].data as { capabilitiesGranted: string[]; capabilitiesRevoked: string[]; capabilities: string[] };
    expect(up.capabilitiesRevoked).toEqual([]);
    expect(up.capabilitiesGranted).toContain('membership.invite');
    expect(up.capabilitiesGranted).toContain('dataset.create');
    expect(up.capabilitiesGranted).not.toContain('dataset.read');
    expect(up.capabilities).toEqual([...actionsOf('admin')]);
    const down = toPublicEvents({ type: 'MemberRoleChanged', data: { organizationId: org, userId: bob, from: 'admin', to: 'editor', changedBy: alice } })[0]
      .data as { capabilitiesGranted: string[]; capabilitiesRevoked: string[] };
    expect(down.capabilitiesGranted).toEqual([]);
    expect(down.capabilitiesRevoked).toEqual(['dataset.administer', 'visualization.administer', 'membership.invite', 'membership.approve', 'membership.reject', 'membership.change-role', 'membership.remove', 'organization.update', 'organization.delete', 'processing.manage', 'reference-dataset.create']);
  });

  it('the mailer gets invitee, role and expiry, and the pending request with its message', () => {
    expect(toPublicEvents(samples.MemberInvited)[0].data).toMatchObject({
      invitee: { kind: 'email', email: 'bob@example.org' },
      role: 'editor',
      expiresAt: '2026-12-01T10:00:00.000Z',
      replacesInvitationId: 'inv-0',
    });
    expect(toPublicEvents(samples.JoinRequested)[0].data).toEqual({
      organizationId: org,
      requestId: 'req-1',
      userId: bob,
      message: 'Please let me in',
      reviewerRole: 'admin',
    });
  });

  it('leaving out optional fields leaves them absent, not null', () => {
    const [event] = toPublicEvents({ type: 'JoinRequested', data: { organizationId: org, requestId: 'r', userId: bob } });
    expect('message' in event.data).toBe(false);
  });

  it('the envelope carries id, source, subject, time, key and the extension attributes', () => {
    const source = recorded('JoinApproved', 42n);
    const [approved, joined] = toCloudEvents(source);
    expect(approved).toMatchObject({
      specversion: '1.0',
      id: source.id,
      source: '/roster',
      type: 'org.roster.join-request.approved.v1',
      subject: org,
      time: '2026-11-23T10:00:00.000Z',
      actor: alice,
      correlationid: 'corr-1',
      causationid: 'cmd-1',
      position: '42',
      streamrevision: '3',
    });
    expect(joined.id).toBe(`${source.id}:member-joined`);
    const message = toKafkaMessage(approved);
    expect(message.key).toBe(org);
    expect(message.headers).toEqual({ 'content-type': 'application/cloudevents+json; charset=utf-8' });
    const back = fromKafkaMessage({ key: Buffer.from(org), value: Buffer.from(message.value as string), headers: { 'content-type': Buffer.from('application/cloudevents+json; charset=utf-8') } });
    expect(back.id).toBe(source.id);
    expect(back.data).toEqual(approved.data);
  });

  it('maps the upcast event (an older recorded version publishes as the current contract)', () => {
    const base = recorded('OrganizationCreated');
    const old = { ...base, data: { organizationId: org, name: 'Old', createdBy: alice }, metadata: { ...base.metadata, schemaVersion: 0 } };
    const [created] = toCloudEvents(old);
    expect(created.data).toEqual({ organizationId: org, name: 'Old', description: '', createdBy: alice });
    expect(validateCloudEvent(asyncapi, JSON.parse(toKafkaMessage(created).value as string))).toEqual([]);
  });

  it('refuses (rather than skips) an event type it cannot map', () => {
    const unknown = { ...recorded('MemberLeft'), type: 'MemberTeleported' };
    expect(() => toCloudEvents(unknown)).toThrow(UnmappableEventError);
  });

  it('the publisher only publishes organization streams', () => {
    const publisher = new KafkaPublisher({ brokers: ['127.0.0.1:1'] });
    const other = { ...recorded('MemberLeft'), streamId: 'idempotency-abc' };
    expect(publisher.toMessages([other, recorded('MemberLeft')])).toHaveLength(1);
  });

  it('splits a send by size, in order, never leaving a message out', () => {
    const messages = [300, 300, 300, 1200, 10].map((n, i) => ({ key: 'k', value: String(i).padEnd(n, 'x') }));
    const chunks = chunkBySize(messages, 700);
    expect(chunks.map((c) => c.map((m) => m.value!.toString()[0]).join(''))).toEqual(['01', '2', '3', '4']);
    expect(chunks.flat()).toEqual(messages);
  });
});
