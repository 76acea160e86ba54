import { join } from 'node:path';
import { createEventStore, type GroupCommitObserver, MongoKeyStore, PersonalDataEventStore, PersonalDataVault, SqliteKeyStore, type KeyStore } from '@roster/event-store';
import type { RosterConfig } from '../config/roster-config';

/** The persons' keys: a MongoDB collection with MONGODB_URL, else `keys.sqlite` in the data directory. */
export async function openKeyStore(config: RosterConfig): Promise<KeyStore> {
  return config.mongo ? MongoKeyStore.connect(config.mongo) : new SqliteKeyStore({ path: join(config.dataDir, 'keys.sqlite') });
}

/**
 * The configured event store (EventStoreDB with a connection string, else the SQLite file)
 * behind the personal-data decorator: what the service and the CLI read and write through.
 */
export async function openEventStore(config: RosterConfig, onGroupCommit?: GroupCommitObserver): Promise<PersonalDataEventStore> {
  const keys = await openKeyStore(config);
  const options = config.eventStore.kind === 'sqlite' ? { ...config.eventStore, onGroupCommit } : config.eventStore;
  return new PersonalDataEventStore(createEventStore(options), new PersonalDataVault(keys));
}
