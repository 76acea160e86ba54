/**
 * Partners on Kafka (contract 1.3.0), from the topic alone: the service (API + publisher in one
 * process, embedded SQLite store) against the harness's broker. Commands go through the command
 * bus, as the routes send them; a kafkajs consumer folds the partnerships (keyed by the inviting
 * organization), the partners' members and the deletions, and must find for every user what the
 * permission check's rule (checkOrganizationPermission) says on the domain's own folds.
 */
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ACTIONS,
  checkOrganizationPermission,
  evolve,
  initialState,
  organizationStreamId,
  readRecordedEvent,
  type OrganizationCommand,
  type OrganizationState,
  type PartnerStanding,
  type Role,
} from '@roster/domain';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import { loadAsyncApi, PUBLIC_EVENT_TYPES, toCloudEvents, validateCloudEvent, type PublicEvent } from '@roster/messaging';
import { allIdsRead, consumeUntil, orderProblems, requireKafkaBrokers, type ConsumedRecord } from '@roster/messaging/testing/kafka-test-kit';
import { CommandSender } from '../apps/roster/src/command-handling';
import { startPublishingRosterInProcess, type RosterInProcess } from './roster-in-process';

const topic = `roster.e2e.partners.${randomUUID()}`;
let roster: RosterInProcess;
let app: NestFastifyApplication;

beforeAll(async () => {
  roster = await startPublishingRosterInProcess('partners-kafka', topic);
  app = roster.app;
}, 180_000);

afterAll(() => roster?.close(), 60_000);

/** What a consumer knows from the topic: partnerships by inviting organization, roles per organization, deletions. */
function consumerFold(records: readonly ConsumedRecord[]) {
  const grants = new Map<string, { organizationId: string; partner: string; byRole: Record<Role, string[]> }>();
  const roles = new Map<string, Map<string, Role>>();
  const deleted = new Set<string>();
  const seen = new Set<string>();
  const rolesOf = (organizationId: string) => roles.get(organizationId) ?? roles.set(organizationId, new Map()).get(organizationId)!;
  for (const { event: cloudEvent } of records) {
    if (seen.has(cloudEvent.id)) continue; // at least once
    seen.add(cloudEvent.id);
    const event = { type: cloudEvent.type, data: cloudEvent.data } as PublicEvent;
    switch (event.type) {
      case PUBLIC_EVENT_TYPES.memberJoined:
        rolesOf(event.data.organizationId).set(event.data.userId, event.data.role);
        break;
      case PUBLIC_EVENT_TYPES.memberRoleChanged:
        rolesOf(event.data.organizationId).set(event.data.userId, event.data.to);
        break;
      case PUBLIC_EVENT_TYPES.memberRemoved:
      case PUBLIC_EVENT_TYPES.memberLeft:
        rolesOf(event.data.organizationId).delete(event.data.userId);
        break;
      case PUBLIC_EVENT_TYPES.organizationDeleted:
        deleted.add(event.data.organizationId);
        break;
      case PUBLIC_EVENT_TYPES.partnershipAccepted:
      case PUBLIC_EVENT_TYPES.partnershipAccessChanged:
        // An access change of a pending partnership grants nothing yet.
        if (event.type === PUBLIC_EVENT_TYPES.partnershipAccessChanged && !grants.has(event.data.partnershipId)) break;
        grants.set(event.data.partnershipId, { organizationId: event.data.organizationId, partner: event.data.partnerOrganizationId!, byRole: event.data.capabilitiesByPartnerRole });
        break;
      case PUBLIC_EVENT_TYPES.partnershipEnded:
        grants.delete(event.data.partnershipId);
        break;
      default:
        break;
    }
  }
  /** What `userId` may do in `organizationId` through partnerships (none for one of its members: membership answers them). */
  return (organizationId: string, userId: string): string[] => {
    if (deleted.has(organizationId) || rolesOf(organizationId).has(userId)) return [];
    const actions = new Set<string>();
    for (const grant of grants.values()) {
      const role = rolesOf(grant.partner).get(userId);
      if (grant.organizationId === organizationId && !deleted.has(grant.partner) && role !== undefined) for (const a of grant.byRole[role]) actions.add(a);
    }
    return ACTIONS.filter((action) => actions.has(action));
  };
}

async function fold(store: EventStore, organizationId: string, ids: Set<string>): Promise<OrganizationState> {
  let state = initialState;
  for await (const recorded of store.readStream(organizationStreamId(organizationId))) {
    const read = readRecordedEvent(recorded);
    if (read.event) state = evolve(state, read.event, { occurredAt: read.occurredAt });
    for (const event of toCloudEvents(recorded)) ids.add(event.id);
  }
  return state;
}

describe('partnerships on Kafka', () => {
  it('a consumer tells from the topic alone what each partner member may do, as the permission check rules on the domain folds', async () => {
    const sender = app.get(CommandSender);
    const send = (userId: string, command: OrganizationCommand, email?: string) =>
      sender.send(command, { userId, platformRoles: [], ...(email ? { email, emailVerified: true } : {}) }, { commandId: randomUUID(), correlationId: randomUUID() });
    const user = (name: string) => `user-${name}-${randomUUID()}`;
    const [alice, bea, bob, bill, cid, cole, dan, stranger] = ['alice', 'bea', 'bob', 'bill', 'cid', 'cole', 'dan', 'stranger'].map(user);
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const join = async (organizationId: string, admin: string, userId: string, role: 'member' | 'editor' | 'admin') => {
      const invitationId = randomUUID();
      await send(admin, { type: 'InviteMember', data: { organizationId, invitationId, invitee: { userId }, role } });
      await send(userId, { type: 'AcceptInvitation', data: { organizationId, invitationId } });
    };
    await send(alice, { type: 'CreateOrganization', data: { organizationId: a, name: 'Région Sud' } });
    await send(bea, { type: 'CreateOrganization', data: { organizationId: b, name: 'Métropole' } });
    await send(cid, { type: 'CreateOrganization', data: { organizationId: c, name: 'Hydro' } });
    await send(dan, { type: 'CreateOrganization', data: { organizationId: d, name: 'Gone soon' } });
    await join(b, bea, bob, 'editor');
    await join(b, bea, bill, 'member');
    await join(c, cid, cole, 'editor');
    await join(d, dan, stranger, 'member');
    // B by id, read then write; C by its contact, write; D accepted, then deleted.
    const [toB, toC, toD, pending] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await send(alice, { type: 'InvitePartner', data: { organizationId: a, partnershipId: toB, partner: { organizationId: b }, access: 'read' } });
    await send(bea, { type: 'AcceptPartnership', data: { organizationId: a, partnershipId: toB } });
    await send(alice, { type: 'ChangePartnerAccess', data: { organizationId: a, partnershipId: toB, access: 'write' } });
    await send(alice, { type: 'InvitePartner', data: { organizationId: a, partnershipId: toC, partner: { name: 'Hydro', contactEmail: 'cid@hydro.example.org' }, access: 'write' } });
    await send(cid, { type: 'AcceptPartnership', data: { organizationId: a, partnershipId: toC, partnerOrganizationId: c } }, 'cid@hydro.example.org');
    await send(alice, { type: 'InvitePartner', data: { organizationId: a, partnershipId: toD, partner: { organizationId: d }, access: 'read' } });
    await send(dan, { type: 'AcceptPartnership', data: { organizationId: a, partnershipId: toD } });
    await send(dan, { type: 'DeleteOrganization', data: { organizationId: d } });
    // A pending one grants nothing; B's member becomes an editor; C ends it from its side.
    await send(alice, { type: 'InvitePartner', data: { organizationId: a, partnershipId: pending, partner: { name: 'Later', contactEmail: 'later@example.org' }, access: 'write' } });
    await send(alice, { type: 'ChangePartnerAccess', data: { organizationId: a, partnershipId: pending, access: 'read' } });
    await send(bea, { type: 'ChangeRole', data: { organizationId: b, userId: bill, role: 'editor' } });
    await send(cid, { type: 'EndPartnership', data: { organizationId: a, partnershipId: toC } });

    const store = app.get<EventStore>(EVENT_STORE);
    const ids = new Set<string>();
    const states = new Map<string, OrganizationState>();
    for (const id of [a, b, c, d]) states.set(id, await fold(store, id, ids));
    const records = await consumeUntil(requireKafkaBrokers(), topic, allIdsRead(ids), 90_000);
    const asyncapi = loadAsyncApi();
    for (const record of records) expect(validateCloudEvent(asyncapi, record.json)).toEqual([]);
    expect(orderProblems(records)).toEqual([]);

    // The check's rule on the domain folds: A's active partnerships, each partner's status and the user's role there.
    const stateA = states.get(a)!;
    const checkSays = (userId: string) => {
      const member = stateA.members.get(userId);
      if (member) return [];
      const standings: PartnerStanding[] = Object.values(stateA.partnerships.byId.toObject()).flatMap((p) => {
        const partner = p.partnerOrganizationId === null ? undefined : states.get(p.partnerOrganizationId);
        if (!partner || p.partnerOrganizationId === null) return [];
        return [{ partnerOrganizationId: p.partnerOrganizationId, partnershipStatus: p.status, partnerOrganizationStatus: partner.status === 'deleted' ? 'deleted' : 'active', access: p.access, role: partner.members.get(userId)?.role }];
      });
      return ACTIONS.filter((action) => checkOrganizationPermission(undefined, standings, action).allowed);
    };
    const topicSays = consumerFold(records);
    for (const userId of [alice, bea, bob, bill, cid, cole, dan, stranger]) {
      expect({ userId, actions: topicSays(a, userId) }).toEqual({ userId, actions: checkSays(userId) });
    }
    // And what that is, so that a fold that forgot everything would not pass.
    const writer = ['organization.read', 'dataset.read', 'dataset.update', 'visualization.update'];
    expect(topicSays(a, bea)).toEqual(writer);
    expect(topicSays(a, bob)).toEqual(writer);
    expect(topicSays(a, bill)).toEqual(writer);
    expect([topicSays(a, cid), topicSays(a, cole), topicSays(a, dan), topicSays(a, stranger), topicSays(a, alice)]).toEqual([[], [], [], [], []]);
  });
});
