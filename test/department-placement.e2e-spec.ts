/**
 * The dataset catalogue's view of departments and default dataset roles, from the Kafka topic
 * alone: the service (API + publisher in one process, embedded SQLite store) against the
 * harness's broker. Commands go through the command bus, as the routes send them; a kafkajs
 * consumer folds the topic per organization and must find what the domain's own fold says.
 */
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { defaultDatasetRoleFor, evolve, initialState, organizationStreamId, readRecordedEvent, type OrganizationCommand, type OrganizationState } from '@roster/domain';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import { loadAsyncApi, PUBLIC_EVENT_TYPES, toCloudEvents, type PublicEvent, validateCloudEvent } from '@roster/messaging';
import { allIdsRead, consumeUntil, orderProblems, requireKafkaBrokers, type ConsumedRecord } from '@roster/messaging/testing/kafka-test-kit';
import { CommandSender } from '../apps/roster/src/command-handling';
import { startPublishingRosterInProcess, type RosterInProcess } from './roster-in-process';

const topic = `roster.e2e.departments.${randomUUID()}`;
let roster: RosterInProcess;
let app: NestFastifyApplication;

interface Placement {
  readonly departmentId: string | null;
  readonly defaultDatasetRole: string;
}

/** What the catalogue keeps per organization, and how it learns it: one record at a time. */
interface CatalogueView {
  readonly members: Map<string, Placement>;
  readonly departments: Map<string, string>;
}

function catalogueFold(records: readonly ConsumedRecord[], organizationId: string): CatalogueView {
  const view: CatalogueView = { members: new Map(), departments: new Map() };
  const seen = new Set<string>();
  for (const { key, event: cloudEvent } of records) {
    // At least once: a record read again changes nothing.
    if (key !== organizationId || seen.has(cloudEvent.id)) continue;
    seen.add(cloudEvent.id);
    const event = { type: cloudEvent.type, data: cloudEvent.data } as PublicEvent;
    const data = event.data as { userId: string };
    switch (event.type) {
      case PUBLIC_EVENT_TYPES.memberJoined:
        // Events published before contract 1.1.0 lack both: organization-wide, the role's default.
        view.members.set(data.userId, { departmentId: event.data.departmentId ?? null, defaultDatasetRole: event.data.defaultDatasetRole ?? defaultDatasetRoleFor(event.data.role) });
        break;
      case PUBLIC_EVENT_TYPES.memberDepartmentChanged:
        view.members.set(data.userId, { ...view.members.get(data.userId)!, departmentId: event.data.departmentId });
        break;
      case PUBLIC_EVENT_TYPES.memberDefaultDatasetRoleChanged:
        view.members.set(data.userId, { ...view.members.get(data.userId)!, defaultDatasetRole: event.data.defaultDatasetRole });
        break;
      case PUBLIC_EVENT_TYPES.memberRemoved:
      case PUBLIC_EVENT_TYPES.memberLeft:
        view.members.delete(data.userId);
        break;
      case PUBLIC_EVENT_TYPES.departmentAdded:
      case PUBLIC_EVENT_TYPES.departmentRenamed:
        view.departments.set(event.data.departmentId, event.data.name);
        break;
      case PUBLIC_EVENT_TYPES.departmentRemoved:
        view.departments.delete(event.data.departmentId);
        break;
      default:
        break;
    }
  }
  return view;
}

/** The domain's answer: the organization's stream folded by `evolve`, as a command sees it. */
async function domainFold(store: EventStore, organizationId: string): Promise<{ state: OrganizationState; ids: Set<string> }> {
  let state = initialState;
  const ids = new Set<string>();
  for await (const recorded of store.readStream(organizationStreamId(organizationId))) {
    const read = readRecordedEvent(recorded);
    if (read.event) state = evolve(state, read.event, { occurredAt: read.occurredAt });
    for (const event of toCloudEvents(recorded)) ids.add(event.id);
  }
  return { state, ids };
}

function domainView(state: OrganizationState): CatalogueView {
  const members = new Map(
    Object.entries(state.members.toObject()).map(([userId, m]) => [userId, { departmentId: m.departmentId, defaultDatasetRole: m.defaultDatasetRole }]),
  );
  const departments = new Map(Object.values(state.departments.toObject()).map((d) => [d.departmentId, d.name]));
  return { members, departments };
}

const sorted = <V>(map: Map<string, V>): [string, V][] => [...map.entries()].sort(([a], [b]) => a.localeCompare(b));

beforeAll(async () => {
  roster = await startPublishingRosterInProcess('departments', topic);
  app = roster.app;
}, 180_000);

afterAll(() => roster?.close(), 60_000);

describe('departments and default dataset roles on Kafka', () => {
  it('a consumer rebuilds each member department and default dataset role from the topic alone, as the domain folds them', async () => {
    const sender = app.get(CommandSender);
    const send = (userId: string, command: OrganizationCommand) =>
      sender.send(command, { userId, platformRoles: [] }, { commandId: randomUUID(), correlationId: randomUUID() });
    const [alice, bob, carol, dave, erin] = ['alice', 'bob', 'carol', 'dave', 'erin'].map((name) => `user-${name}-${randomUUID()}`);
    const organizationId = randomUUID();
    const o = { organizationId };

    await send(alice, { type: 'CreateOrganization', data: { ...o, name: 'Métropole', description: 'e2e' } });
    await send(alice, { type: 'AddDepartment', data: { ...o, departmentId: 'water', name: 'Water' } });
    await send(alice, { type: 'AddDepartment', data: { ...o, departmentId: 'roads', name: 'Roads' } });
    // Invitations into a department: the default dataset role follows the role, or is chosen.
    const toBob = randomUUID();
    await send(alice, { type: 'InviteMember', data: { ...o, invitationId: toBob, invitee: { userId: bob }, role: 'editor', departmentId: 'water' } });
    await send(bob, { type: 'AcceptInvitation', data: { ...o, invitationId: toBob } });
    const toCarol = randomUUID();
    await send(alice, { type: 'InviteMember', data: { ...o, invitationId: toCarol, invitee: { userId: carol }, role: 'member', departmentId: 'roads', defaultDatasetRole: 'manager' } });
    await send(carol, { type: 'AcceptInvitation', data: { ...o, invitationId: toCarol } });
    // Approvals: one organization-wide and not added to datasets, one into a department.
    const fromDave = randomUUID();
    await send(dave, { type: 'RequestJoin', data: { ...o, requestId: fromDave } });
    await send(alice, { type: 'ApproveJoin', data: { ...o, requestId: fromDave, role: 'member', defaultDatasetRole: 'none' } });
    const fromErin = randomUUID();
    await send(erin, { type: 'RequestJoin', data: { ...o, requestId: fromErin } });
    await send(alice, { type: 'ApproveJoin', data: { ...o, requestId: fromErin, role: 'editor', departmentId: 'water', defaultDatasetRole: 'reader' } });
    // Moves, a default dataset role change, a role change (which keeps the default dataset role), a rename.
    await send(alice, { type: 'ChangeMemberDepartment', data: { ...o, userId: bob, departmentId: 'roads' } });
    await send(alice, { type: 'ChangeMemberDepartment', data: { ...o, userId: erin, departmentId: null } });
    await send(alice, { type: 'ChangeMemberDepartment', data: { ...o, userId: dave, departmentId: 'water' } });
    await send(alice, { type: 'ChangeDefaultDatasetRole', data: { ...o, userId: carol, defaultDatasetRole: 'contributor' } });
    await send(alice, { type: 'ChangeRole', data: { ...o, userId: bob, role: 'admin' } });
    await send(alice, { type: 'RenameDepartment', data: { ...o, departmentId: 'roads', name: 'Roads and bridges' } });
    // The department removal, once its last member moved out.
    await send(alice, { type: 'ChangeMemberDepartment', data: { ...o, userId: dave, departmentId: null } });
    await send(alice, { type: 'RemoveDepartment', data: { ...o, departmentId: 'water' } });

    const domain = await domainFold(app.get<EventStore>(EVENT_STORE), organizationId);
    const records = await consumeUntil(requireKafkaBrokers(), topic, allIdsRead(domain.ids), 90_000);
    const asyncapi = loadAsyncApi();
    for (const record of records) expect(validateCloudEvent(asyncapi, record.json)).toEqual([]);
    expect(orderProblems(records)).toEqual([]);

    const fromTopic = catalogueFold(records, organizationId);
    const expected = domainView(domain.state);
    expect(sorted(fromTopic.members)).toEqual(sorted(expected.members));
    expect(sorted(fromTopic.departments)).toEqual(sorted(expected.departments));
    // And what that is, so that a fold that forgot everything would not pass.
    expect(Object.fromEntries(fromTopic.members)).toEqual({
      [alice]: { departmentId: null, defaultDatasetRole: 'manager' },
      [bob]: { departmentId: 'roads', defaultDatasetRole: 'contributor' },
      [carol]: { departmentId: 'roads', defaultDatasetRole: 'contributor' },
      [dave]: { departmentId: null, defaultDatasetRole: 'none' },
      [erin]: { departmentId: null, defaultDatasetRole: 'reader' },
    });
    expect(Object.fromEntries(fromTopic.departments)).toEqual({ roads: 'Roads and bridges' });
  });
});
