import { Module } from '@nestjs/common';
import { AuthorizationsController } from './authorizations.controller';
import { MinPositionInterceptor } from './min-position.interceptor';
import { OrganizationQueriesController } from './organization-queries.controller';
import { QueryAccess } from './query-access';
import { ReadModelsService } from './read-models.service';
import { UserQueriesController } from './user-queries.controller';

/** Read models, their projection worker, the query API and the permission check. */
@Module({
  controllers: [OrganizationQueriesController, UserQueriesController, AuthorizationsController],
  providers: [ReadModelsService, QueryAccess, MinPositionInterceptor],
  exports: [ReadModelsService],
})
export class QueriesModule {}
