import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, EVENT_STORE, type EventStore } from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';

/** Opens the configured event store: EventStoreDB when a connection string is set, else the SQLite file. */
export function openEventStore(config: RosterConfig): EventStore {
  return createEventStore(config.eventStore);
}

export function describeEventStore(config: RosterConfig): string {
  return config.eventStore.kind === 'eventstoredb'
    ? `EventStoreDB (${config.eventStore.connectionString.replace(/\/\/[^@/]*@/, '//***@')})`
    : `embedded SQLite (${config.eventStore.path})`;
}

/** Closes the store last, after the HTTP server has drained and the workers have stopped. */
@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('EventStore');
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    this.logger.log('Event store closed');
  }
}

/**
 * The only place that wires adapters from configuration: ROSTER_CONFIG and EVENT_STORE,
 * available to every module.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: RosterConfig): DynamicModule {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: ROSTER_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: () => openEventStore(config) },
        EventStoreCloser,
      ],
      exports: [ROSTER_CONFIG, EVENT_STORE],
    };
  }
}
