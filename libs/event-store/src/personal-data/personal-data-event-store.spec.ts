import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../event-store.contract';
import type { EventStore } from '../event-store.port';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { describePersonalDataContract } from './personal-data.contract';
import { PersonalDataEventStore } from './personal-data-event-store';
import { PersonalDataVault } from './personal-data-vault';
import { SqliteKeyStore } from './sqlite-key-store';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-vault-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describePersonalDataContract('SqliteEventStore, SqliteKeyStore', async () => {
  const dir = tempDir();
  return {
    inner: new SqliteEventStore({ path: join(dir, 'events.sqlite') }),
    keys: new SqliteKeyStore({ path: join(dir, 'keys.sqlite') }),
    // events.sqlite, its -wal and -shm, keys.sqlite: read while open, the WAL not yet checkpointed.
    rawBytes: () => readdirSync(dir).map((name) => readFileSync(join(dir, name)).toString('latin1')).join('\n'),
  };
});

// The decorator is an EventStore like any other: the port's contract holds through it.
describeEventStoreContract('PersonalDataEventStore over SqliteEventStore', async () => {
  const dir = tempDir();
  const open = (): EventStore =>
    new PersonalDataEventStore(new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 }), new PersonalDataVault(new SqliteKeyStore({ path: join(dir, 'keys.sqlite') })));
  let store = open();
  return {
    get store() {
      return store;
    },
    async dispose() {
      await store.close();
    },
    async reopen() {
      await store.close();
      store = open();
      return store;
    },
  };
});
