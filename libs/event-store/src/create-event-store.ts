import { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { SqliteEventStore, type GroupCommitObserver } from './sqlite/sqlite-event-store';

export type EventStoreOptions =
  | { readonly kind: 'sqlite'; readonly path: string; readonly pollIntervalMs?: number; readonly onGroupCommit?: GroupCommitObserver }
  | { readonly kind: 'eventstoredb'; readonly connectionString: string };

/** The one place that turns configuration into an adapter. */
export function createEventStore(options: EventStoreOptions): EventStore {
  switch (options.kind) {
    case 'sqlite':
      return new SqliteEventStore({ path: options.path, pollIntervalMs: options.pollIntervalMs, onGroupCommit: options.onGroupCommit });
    case 'eventstoredb':
      return new EventStoreDbEventStore({ connectionString: options.connectionString });
    default: {
      const unknown: never = options;
      throw new Error(`Unknown event store kind: ${JSON.stringify(unknown)}`);
    }
  }
}
