/**
 * bench:commands' crowded-organization phase (issue 19): an organization holding CROWDED_MEMBERS
 * members and CROWDED_PENDING pending invitations, written straight to the event store before
 * the service starts, against a fresh organization under the same load: invite then revoke
 * (so neither organization's pending work grows during the phase), in alternated short rounds.
 */
import { randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import { organizationStreamId } from '@roster/domain';
import { GENESIS_HASH, SqliteEventStore, type EventToAppend } from '@roster/event-store';
import { buildEventsToAppend } from '../apps/roster/src/command-handling/event-envelope';

export const CROWDED_MEMBERS = 10_000;
export const CROWDED_PENDING = 10_000;
/** Admins among the members who sent the pending invitations (the per-inviter cap is 1,000). */
const INVITERS = 20;
/** Seeded invitations never expire during a run. */
const FAR_EXPIRY = '2099-01-01T00:00:00.000Z';

/** One event of a seeded history, with the command and actor its metadata names. */
export interface SeedEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly command: string;
  readonly actor: string;
}

/** Appends `events` as one organization's stream, hash-chained as the service does, in chunks, dated a second apart from 2024-01-01. */
export async function appendHistory(storePath: string, organizationId: string, events: Iterable<SeedEvent>): Promise<number> {
  const store = new SqliteEventStore({ path: storePath });
  const streamId = organizationStreamId(organizationId);
  const start = Date.parse('2024-01-01T00:00:00Z');
  let previousHash = GENESIS_HASH;
  let revision = -1n;
  let batch: EventToAppend[] = [];
  let expected: bigint | 'no_stream' = 'no_stream';
  const flush = async () => {
    await store.append(streamId, batch, expected);
    expected = revision;
    batch = [];
  };
  for (const { type, data, command, actor } of events) {
    revision += 1n;
    const commandId = randomUUID();
    const context = { actor: { userId: actor, platformRoles: [] }, now: new Date(start + Number(revision) * 1000) };
    const [built] = buildEventsToAppend({ streamId, revision: revision - 1n, lastHash: previousHash }, [{ type, data }], command, context, { commandId, correlationId: commandId });
    previousHash = (built.metadata as { hash: string }).hash;
    batch.push(built);
    if (batch.length === 5000) await flush();
  }
  if (batch.length > 0) await flush();
  await store.close();
  return Number(revision + 1n);
}

/** `userId` invited by `admin` with `role`, organization-wide, and accepting. */
export function* memberJoined(organizationId: string, admin: string, userId: string, role: 'member' | 'editor' | 'admin'): Iterable<SeedEvent> {
  const invitationId = randomUUID();
  const placement = { departmentId: null, defaultDatasetRole: role === 'admin' ? 'manager' : role === 'editor' ? 'contributor' : 'reader' };
  yield { type: 'MemberInvited', data: { organizationId, invitationId, invitee: { kind: 'user', userId }, role, invitedBy: admin, expiresAt: FAR_EXPIRY, ...placement }, command: 'InviteMember', actor: admin };
  yield { type: 'InvitationAccepted', data: { organizationId, invitationId, userId, role, ...placement }, command: 'AcceptInvitation', actor: userId };
}

/** The crowded organization's history: creation, members by invitation and acceptance, then the pending invitations. */
export function* crowdedHistory(organizationId: string, admin: string): Iterable<SeedEvent> {
  yield { type: 'OrganizationCreated', data: { organizationId, name: 'Crowded', description: '', createdBy: admin }, command: 'CreateOrganization', actor: admin };
  const inviters: string[] = [];
  for (let m = 0; m < CROWDED_MEMBERS; m++) {
    const userId = `member-${m}-${randomUUID()}`;
    if (m < INVITERS) inviters.push(userId);
    yield* memberJoined(organizationId, admin, userId, m < INVITERS ? 'admin' : 'member');
  }
  for (let p = 0; p < CROWDED_PENDING; p++) {
    const inviter = inviters[p % INVITERS];
    const data = { organizationId, invitationId: randomUUID(), invitee: { kind: 'user', userId: `pending-${p}-${randomUUID()}` }, role: 'member', invitedBy: inviter, expiresAt: FAR_EXPIRY, departmentId: null, defaultDatasetRole: 'reader' };
    yield { type: 'MemberInvited', data, command: 'InviteMember', actor: inviter };
  }
}

/** An organization, and its admin's token, that a write goes to. */
export interface Target {
  readonly id: string;
  readonly adminToken: string;
}

/**
 * Invite a new user then revoke that invitation, in the organization `pick` gives for each
 * pair: no organization's pending work grows.
 */
export function inviteThenRevoke(pick: () => Target): autocannon.Request[] {
  interface Context {
    org?: Target;
    invitationId?: string;
  }
  return [
    {
      setupRequest: (request, context: Context) => {
        const org = (context.org = pick());
        context.invitationId = undefined;
        return {
          ...request,
          method: 'POST',
          path: `/organizations/${org.id}/invitations`,
          headers: { authorization: `Bearer ${org.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ userId: `bench-${randomUUID()}`, role: 'member' }),
        };
      },
      onResponse: (status, body, context: Context) => {
        if (status === 201) context.invitationId = (JSON.parse(body) as { invitationId: string }).invitationId;
      },
    },
    {
      setupRequest: (request, context: Context) => ({
        ...request,
        method: 'DELETE',
        path: `/organizations/${context.org!.id}/invitations/${context.invitationId ?? 'missing'}`,
        headers: { authorization: `Bearer ${context.org!.adminToken}` },
        body: undefined,
      }),
    },
  ];
}
