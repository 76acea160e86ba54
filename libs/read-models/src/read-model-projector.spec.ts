import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealed, PersonalDataEventStore, PersonalDataVault, SqliteEventStore, SqliteKeyStore } from '@roster/event-store';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { ReadModelProjector } from './read-model-projector';
import { COLLECTIONS } from './projections/read-model.collections';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('ReadModelProjector over the personal-data store', () => {
  it('copies sealed fields without opening any of them (no key lookup, no decryption)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-projector-'));
    dirs.push(dir);
    const vault = new PersonalDataVault(new SqliteKeyStore({ path: join(dir, 'keys.sqlite') }));
    const store = new PersonalDataEventStore(new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 }), vault);
    const organizationId = randomUUID();
    const requestId = randomUUID();
    const { position } = await store.append(
      `organization-${organizationId}`,
      [{ id: randomUUID(), type: 'JoinRequested', data: { organizationId, requestId, userId: 'user-1', message: 'please' }, metadata: { actor: { userId: 'user-1' } } }],
      'any',
    );
    const open = jest.spyOn(vault, 'open');
    const openField = jest.spyOn(vault, 'openField');
    const documents = new EmbeddedDocumentStore();
    const projector = new ReadModelProjector({ store, documents });
    try {
      await projector.start();
      expect(await projector.waitForPosition(position, 5000)).toBe(true);
      const request = await documents.findOne(COLLECTIONS.joinRequests, { _id: requestId });
      expect(isSealed(request?.message)).toBe(true);
      expect(open).not.toHaveBeenCalled();
      expect(openField).not.toHaveBeenCalled();
    } finally {
      await projector.stop();
      await store.close();
    }
  });

  it('builds the embedded read models\' deferred indexes once the writer reaches the head, before any query', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-projector-'));
    dirs.push(dir);
    const store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    const organizationId = randomUUID();
    let position = 0n;
    // Exactly two full batches: no short batch tells the head, the store's head position does.
    for (let i = 0; i < 4; i++) {
      ({ position } = await store.append(
        `organization-${organizationId}`,
        [{ id: randomUUID(), type: 'JoinRequested', data: { organizationId, requestId: randomUUID(), userId: `user-${i}`, message: 'm' }, metadata: { actor: { userId: `user-${i}` } } }],
        'any',
      ));
    }
    const documents = new EmbeddedDocumentStore();
    const deferred = () => (documents as unknown as { collections: Map<string, { deferred: unknown }> }).collections.get(COLLECTIONS.joinRequests)!.deferred !== undefined;
    const projector = new ReadModelProjector({ store, documents, maxBatchSize: 2 });
    try {
      await projector.start();
      expect(await projector.waitForPosition(position, 5000)).toBe(true);
      expect(deferred()).toBe(false);
      expect((await documents.find(COLLECTIONS.joinRequests, { userId: 'user-2' })).length).toBe(1);
    } finally {
      await projector.stop();
      await store.close();
    }
  });
});
