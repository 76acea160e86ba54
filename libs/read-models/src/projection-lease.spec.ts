import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCheckpointStore, type LeaseStore } from '@roster/event-store';
import { DocumentCheckpointStore } from './document-checkpoint-store';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { ProjectionLease } from './projection-lease';

const dirs: string[] = [];
const sqlite: SqliteCheckpointStore[] = [];
afterAll(async () => {
  for (const store of sqlite) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The lease's two stores: beside the read models (documents), and beside the SQLite checkpoints. */
const leaseStores: [string, () => LeaseStore][] = [
  ['documents', () => new DocumentCheckpointStore(new EmbeddedDocumentStore())],
  [
    'the SQLite checkpoints file',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'roster-lease-'));
      dirs.push(dir);
      const store = new SqliteCheckpointStore(join(dir, 'checkpoints.sqlite'));
      sqlite.push(store);
      return store;
    },
  ],
];

describe.each(leaseStores)('ProjectionLease in %s', (_label, newLeaseStore) => {
  let wall = 1_000_000;
  let mono = 0;
  const lease = (leases: LeaseStore, holder: string) =>
    new ProjectionLease({ leases, name: 'read-models', holder, ttlMs: 900, clock: () => wall, monotonic: () => mono });

  beforeEach(() => {
    wall = 1_000_000;
    mono = 0;
  });

  it('lets one holder at a time take it; the holder renews it', async () => {
    const documents = newLeaseStore();
    const a = lease(documents, 'a');
    const b = lease(documents, 'b');
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(a.holds()).toBe(true);
    expect(b.holds()).toBe(false);
    wall += 800;
    mono += 500;
    expect(await a.acquire()).toBe(true); // renewed before it expired
    wall += 800;
    expect(await b.acquire()).toBe(false);
    expect(await a.currentHolder()).toBe('a');
  });

  it('goes to another holder once expired, and the old holder stops counting it as held before that', async () => {
    const documents = newLeaseStore();
    const a = lease(documents, 'a');
    const b = lease(documents, 'b');
    expect(await a.acquire()).toBe(true);
    mono += 601; // two thirds of the ttl: a stops writing, though the stored lease lasts until 900
    expect(a.holds()).toBe(false);
    wall += 901;
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
    expect(await b.currentHolder()).toBe('b');
  });

  it('is free at once after a release', async () => {
    const documents = newLeaseStore();
    const a = lease(documents, 'a');
    const b = lease(documents, 'b');
    expect(await a.acquire()).toBe(true);
    await a.release();
    expect(a.holds()).toBe(false);
    expect(await b.acquire()).toBe(true);
    await a.release(); // not a's any more: changes nothing
    expect(await b.currentHolder()).toBe('b');
  });
});
