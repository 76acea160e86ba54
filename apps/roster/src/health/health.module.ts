import { Module } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { PUBLISHING_ADAPTERS, type PublishingAdapters } from '../infrastructure/infrastructure.module';
import { QueriesModule } from '../queries/queries.module';
import { ReadModelsService } from '../queries/read-models.service';
import { HealthController } from './health.controller';
import { READINESS_CONDITIONS } from './readiness';
import { readinessConditions } from './readiness-conditions';

/** /health, /health/live and /health/ready; what readiness checks is listed in readiness-conditions.ts. */
@Module({
  imports: [QueriesModule],
  controllers: [HealthController],
  providers: [
    {
      provide: READINESS_CONDITIONS,
      useFactory: (config: RosterConfig, store: EventStore, readModels: ReadModelsService, publishing: PublishingAdapters | null) =>
        readinessConditions({ config, store, readModels, publishing }),
      inject: [ROSTER_CONFIG, EVENT_STORE, ReadModelsService, PUBLISHING_ADAPTERS],
    },
  ],
})
export class HealthModule {}
