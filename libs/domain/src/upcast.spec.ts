import { EVENT_SCHEMA_VERSION } from './events';
import { evolve, initialState } from './organization.state';
import { upcast } from './upcast';

describe('upcast', () => {
  it('reads a current event as it is, without copying its data', () => {
    const data = { organizationId: 'o1', name: 'Org', description: 'd', createdBy: 'u1', creatorDefaultDatasetRole: 'manager' };
    const event = upcast({ type: 'OrganizationCreated', data, metadata: { schemaVersion: EVENT_SCHEMA_VERSION } });
    expect(event.data).toBe(data);
    expect(event).toMatchObject({ schemaVersion: EVENT_SCHEMA_VERSION, recordedSchemaVersion: EVENT_SCHEMA_VERSION });
  });

  it('treats an event without a recorded version as v1', () => {
    expect(upcast({ type: 'MemberLeft', data: {}, metadata: {} }).recordedSchemaVersion).toBe(1);
  });

  it('upcasts a v0 OrganizationCreated (no description) to v1, which evolve then reads', () => {
    const v0 = { type: 'OrganizationCreated', data: { organizationId: 'o1', name: 'Org', createdBy: 'u1' }, metadata: { schemaVersion: 0 } };
    const event = upcast(v0);
    expect(event).toMatchObject({ schemaVersion: EVENT_SCHEMA_VERSION, recordedSchemaVersion: 0, data: { organizationId: 'o1', name: 'Org', description: '', createdBy: 'u1' } });
    expect(v0.data).not.toHaveProperty('description');
    const state = evolve(initialState, event);
    expect(state).toMatchObject({ status: 'active', description: '' });
  });

  it('passes through a version newer than this service knows', () => {
    const event = upcast({ type: 'MemberLeft', data: { x: 1 }, metadata: { schemaVersion: 7 } });
    expect(event).toMatchObject({ schemaVersion: 7, recordedSchemaVersion: 7, data: { x: 1 } });
  });
});
