import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuthorizationsController, CheckFastPath } from './authorizations.controller';
import { MinPositionInterceptor } from './min-position.interceptor';
import { OrganizationQueriesController } from './organization-queries.controller';
import { QueryAccess } from './query-access';
import { ReadModelsService } from './read-models.service';
import { UserOrganizationsFastPath, UserQueriesController } from './user-queries.controller';

/** Read models, their projection worker, the query API and the permission check. */
@Module({
  imports: [AuthModule],
  controllers: [OrganizationQueriesController, UserQueriesController, AuthorizationsController],
  providers: [ReadModelsService, QueryAccess, MinPositionInterceptor, CheckFastPath, UserOrganizationsFastPath],
  exports: [ReadModelsService],
})
export class QueriesModule {}
