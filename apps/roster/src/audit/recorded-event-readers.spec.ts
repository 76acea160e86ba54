import { randomUUID } from 'node:crypto';
import { foldRecorded as foldForAsOf, toHistoryEntry } from '@roster/audit';
import { EVENT_SCHEMA_VERSION, initialState, organizationStreamId } from '@roster/domain';
import { organizationStateToJson } from '@roster/domain/testing/organization.fixtures';
import type { RecordedEvent } from '@roster/event-store';
import { toCloudEvents } from '@roster/messaging';
import { COLLECTIONS, projectBatch } from '@roster/read-models';
import { emptyOrganizationStream, foldRecorded } from '../command-handling/organization-stream';

/**
 * The five readers of a recorded event (command fold, projection, publisher mapping,
 * history, as-of) read it through the domain's one reader: an event recorded under an
 * older schema version, and without `occurredAt`, reads the same through each of them.
 */
describe('every reader of a recorded event reads it the same way', () => {
  const organizationId = randomUUID();
  const creator = `user-${randomUUID()}`;
  const recordedAt = new Date('2026-02-03T04:05:06.789Z');
  // Schema version 0 of OrganizationCreated had no description; this one has no occurredAt either.
  const v0: RecordedEvent = {
    id: randomUUID(),
    streamId: organizationStreamId(organizationId),
    type: 'OrganizationCreated',
    data: { organizationId, name: 'Old portal', createdBy: creator },
    metadata: { actor: { userId: creator }, correlationId: 'c-1', causationId: 'c-1', schemaVersion: 0, command: 'CreateOrganization' },
    revision: 0n,
    position: 1n,
    recordedAt,
  };
  const current = { organizationId, name: 'Old portal', description: '', createdBy: creator };
  const time = recordedAt.toISOString();

  it('the command fold and as-of fold the same state, dated by the time the store recorded it', () => {
    const command = foldRecorded(emptyOrganizationStream(v0.streamId), v0).state;
    const asOf = foldForAsOf({ state: initialState, revision: -1, time: Number.NEGATIVE_INFINITY }, v0);
    expect(organizationStateToJson(command)).toEqual(organizationStateToJson(asOf.state));
    expect(command).toMatchObject({ status: 'active', description: '', createdAt: time });
    expect(command.members.get(creator)).toEqual({ role: 'admin', since: time, via: 'creation', departmentId: null, defaultDatasetRole: 'manager' });
    expect(asOf.time).toBe(recordedAt.getTime());
  });

  it('the projection writes the upcast data at that time', () => {
    const writes = projectBatch([v0]).get(COLLECTIONS.organizations) ?? [];
    const created = writes.find((op) => 'insertOne' in op && op.insertOne.document._id === organizationId);
    expect(created).toMatchObject({ insertOne: { document: { name: 'Old portal', description: '', createdBy: creator, createdAt: time } } });
  });

  it('the publisher maps the upcast data at that time', () => {
    const [cloudEvent] = toCloudEvents(v0);
    expect(cloudEvent.data).toEqual(current);
    expect(cloudEvent.time).toBe(time);
    expect(cloudEvent.actor).toBe(creator);
  });

  it('history shows the upcast data at that time, and the version it was recorded with', () => {
    expect(toHistoryEntry(v0)).toMatchObject({
      type: 'OrganizationCreated',
      time,
      data: current,
      actor: { userId: creator },
      schemaVersion: EVENT_SCHEMA_VERSION,
      recordedSchemaVersion: 0,
      command: 'CreateOrganization',
    });
  });
});
