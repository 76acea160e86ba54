import { Module } from '@nestjs/common';
import { AsOfIndex } from '@roster/audit';
import { EVENT_STORE, PersonalDataEventStore, type EventStore } from '@roster/event-store';
import { AuthModule } from '../auth/auth.module';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { AuthorizationsController, CheckFastPath } from './authorizations.controller';
import { MinPositionInterceptor } from './min-position.interceptor';
import { OrganizationQueriesController } from './organization-queries.controller';
import { QueryAccess } from './query-access';
import { ReadModelsService } from './read-models.service';
import { QueryFastPath } from './query-fast-path';
import { UserQueriesController } from './user-queries.controller';

/**
 * Read models, their projection worker, the query API and the permission check. The as-of
 * index (folded states at intervals, from the store) is one per process: the check at a past
 * instant and the audit routes share it, and with it its memory bound.
 */
@Module({
  imports: [AuthModule],
  controllers: [OrganizationQueriesController, UserQueriesController, AuthorizationsController],
  providers: [
    ReadModelsService,
    QueryAccess,
    MinPositionInterceptor,
    CheckFastPath,
    QueryFastPath,
    {
      provide: AsOfIndex,
      useFactory: (store: EventStore, config: RosterConfig) =>
        new AsOfIndex(store, { maxSnapshots: config.asOfMaxSnapshots, sealedStore: store instanceof PersonalDataEventStore ? store.sealed : store }),
      inject: [EVENT_STORE, ROSTER_CONFIG],
    },
  ],
  exports: [ReadModelsService, AsOfIndex],
})
export class QueriesModule {}
