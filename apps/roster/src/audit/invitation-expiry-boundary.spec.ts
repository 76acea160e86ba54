import { randomUUID } from 'node:crypto';
import { asOfView, foldRecorded as foldForAsOf, type FoldedPoint } from '@roster/audit';
import { decide, DomainError, initialState, isExpired, organizationStreamId, type OrganizationEvent } from '@roster/domain';
import { foldOrganization } from '@roster/domain/testing/organization.fixtures';
import type { RecordedEvent } from '@roster/event-store';
import { EmbeddedDocumentStore, projectBatch, ReadModelQueries } from '@roster/read-models';

/**
 * One expiry boundary (isExpired): an invitation may still be accepted at its `expiresAt`
 * and is expired one millisecond later, the same for decide, the invitations query (and the
 * status it and a person's list report) and as-of.
 */
describe('the invitation expiry boundary is the same for decide, the queries and as-of', () => {
  const org = randomUUID();
  const admin = `admin-${randomUUID()}`;
  const invitee = `invitee-${randomUUID()}`;
  const invitationId = randomUUID();
  const invitedAt = new Date('2026-05-01T10:00:00.000Z');
  const expiresAt = new Date('2026-05-02T10:00:00.000Z');
  const events: OrganizationEvent[] = [
    { type: 'OrganizationCreated', data: { organizationId: org, name: 'Org', description: '', createdBy: admin } },
    {
      type: 'MemberInvited',
      data: { organizationId: org, invitationId, invitee: { kind: 'user', userId: invitee }, role: 'member', invitedBy: admin, expiresAt: expiresAt.toISOString() },
    },
  ];
  const recorded: RecordedEvent[] = events.map((event, revision) => ({
    id: randomUUID(),
    streamId: organizationStreamId(org),
    ...event,
    metadata: { actor: { userId: admin }, occurredAt: invitedAt.toISOString(), schemaVersion: 1 },
    revision: BigInt(revision),
    position: BigInt(revision + 1),
    recordedAt: invitedAt,
  }));

  const atTheInstant = expiresAt;
  const justAfter = new Date(expiresAt.getTime() + 1);

  const decideSaysExpired = (now: Date): boolean => {
    try {
      decide({ type: 'AcceptInvitation', data: { organizationId: org, invitationId } }, foldOrganization(events), { actor: { userId: invitee, platformRoles: [] }, now });
      return false;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'INVITATION.EXPIRED') return true;
      throw error;
    }
  };

  const querySaysExpired = async (now: Date): Promise<boolean> => {
    const documents = new EmbeddedDocumentStore();
    await documents.write(projectBatch(recorded));
    const [invitation] = await new ReadModelQueries(documents).invitations(org, 'pending', now);
    return invitation.expired as boolean;
  };

  /** The status the organization's list and the invitee's own list give it. */
  const statusesAt = async (now: Date): Promise<{ organizationList: unknown; userList: unknown }> => {
    const documents = new EmbeddedDocumentStore();
    await documents.write(projectBatch(recorded));
    const queries = new ReadModelQueries(documents);
    const [listed] = await queries.invitations(org, 'pending', now);
    const [own] = await queries.userInvitations(invitee, [], now);
    return { organizationList: listed.status, userList: own.status };
  };

  const asOfSaysExpired = (at: Date): boolean => {
    let point: FoldedPoint = { state: initialState, revision: -1, time: Number.NEGATIVE_INFINITY };
    for (const event of recorded) point = foldForAsOf(point, event);
    const view = asOfView(org, at, { point, head: point, members: [] });
    if (!view.exists) throw new Error('the organization exists at that time');
    return !view.invitations.some((invitation) => invitation.invitationId === invitationId);
  };

  it.each([
    ['at its expiresAt: not expired', atTheInstant, false],
    ['one millisecond later: expired', justAfter, true],
  ])('%s', async (_label, now, expired) => {
    expect({
      isExpired: isExpired({ expiresAt: expiresAt.toISOString() }, now),
      decide: decideSaysExpired(now),
      query: await querySaysExpired(now),
      asOf: asOfSaysExpired(now),
    }).toEqual({ isExpired: expired, decide: expired, query: expired, asOf: expired });
    const status = expired ? 'expired' : 'pending';
    expect(await statusesAt(now)).toEqual({ organizationList: status, userList: status });
  });
});
