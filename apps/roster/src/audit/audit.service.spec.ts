import { randomUUID } from 'node:crypto';
import { DomainError, organizationStreamId, type Actor, type OrganizationEvent, type PlatformRole } from '@roster/domain';
import { SqliteEventStore, type EventStore } from '@roster/event-store';
import { AsOfIndex } from '@roster/audit';
import { EmbeddedDocumentStore, PermissionChecker, projectBatch, ReadModelQueries } from '@roster/read-models';
import type { ReadModelsService } from '../queries/read-models.service';
import { AuditService } from './audit.service';

/** The event store, counting the streams read through it. */
function counting(store: EventStore): { store: EventStore; reads: string[] } {
  const reads: string[] = [];
  const wrapped = Object.create(store) as EventStore;
  wrapped.readStream = (streamId, options) => {
    reads.push(streamId);
    return store.readStream(streamId, options);
  };
  return { store: wrapped, reads };
}

const actor = (userId: string, platformRoles: PlatformRole[] = []): Actor => ({ userId, platformRoles });

describe('AuditService: the caller is checked before the organization is read or folded', () => {
  const org = randomUUID();
  const admin = `admin-${randomUUID()}`;
  const stranger = `stranger-${randomUUID()}`;
  let sqlite: SqliteEventStore;
  let audit: AuditService;
  let reads: string[];
  let documents: EmbeddedDocumentStore;

  beforeEach(async () => {
    sqlite = new SqliteEventStore({ path: ':memory:' });
    const created: OrganizationEvent = { type: 'OrganizationCreated', data: { organizationId: org, name: 'Org', description: '', createdBy: admin } };
    await sqlite.append(organizationStreamId(org), [{ id: randomUUID(), ...created, metadata: { actor: { userId: admin }, occurredAt: new Date().toISOString() } }], 'no_stream');
    documents = new EmbeddedDocumentStore();
    const recorded = [];
    for await (const event of sqlite.readAll()) recorded.push(event);
    await documents.write(projectBatch(recorded));
    const readModels = {
      queries: new ReadModelQueries(documents),
      checker: new PermissionChecker(documents),
      waitForPosition: async () => true,
    } as unknown as ReadModelsService;
    const counted = counting(sqlite);
    reads = counted.reads;
    audit = new AuditService(counted.store, readModels, new AsOfIndex(counted.store));
  });

  afterEach(async () => sqlite.close());

  const refusal = async (run: Promise<unknown>) => {
    const error = await run.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  };

  it("refuses a stranger with 403 without reading or folding the organization's stream", async () => {
    for (const run of [
      audit.authorize(org, actor(stranger)),
      audit.historyPage(org, actor(stranger), { filter: {}, fromRevision: 0n }),
      audit.asOf(org, actor(stranger), new Date()),
      audit.verify(org, actor(stranger)),
    ]) {
      expect(await refusal(run)).toMatchObject({ kind: 'forbidden', code: 'AUDIT.FORBIDDEN' });
    }
    expect(reads).toEqual([]);
  });

  it('refuses an unknown organization with 404 without reading its stream', async () => {
    expect(await refusal(audit.authorize(randomUUID(), actor(stranger)))).toMatchObject({ kind: 'not_found', code: 'ORGANIZATION.NOT_FOUND' });
    expect(reads).toEqual([]);
  });

  it('lets the admin, an auditor and a superadmin through, and then folds', async () => {
    for (const caller of [actor(admin), actor(stranger, ['auditor']), actor(stranger, ['superadmin'])]) {
      expect((await audit.authorize(org, caller)).revision).toBe(0);
    }
    expect(reads.length).toBeGreaterThan(0);
  });
});
