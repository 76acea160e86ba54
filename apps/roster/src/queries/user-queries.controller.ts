import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { forbidden, platformRoleAllowing, type Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { UserIdPipe } from '../http/id.pipe';
import { QueryRoute } from '../http/openapi';
import { MinPositionInterceptor } from './min-position.interceptor';
import { USER_ORGANIZATIONS } from './query.schemas';
import { ReadModelsService } from './read-models.service';

@ApiTags('queries')
@QueryRoute(403)
@UseInterceptors(MinPositionInterceptor)
@Controller('users')
export class UserQueriesController {
  constructor(private readonly readModels: ReadModelsService) {}

  @Get(':userId/organizations')
  @ApiOperation({ summary: "A user's organizations and roles; deleted organizations left out (the user, superadmins, services)" })
  @ApiOkResponse({ schema: USER_ORGANIZATIONS })
  async organizations(@Param('userId', UserIdPipe) userId: string, @CurrentActor() actor: Actor) {
    if (actor.userId !== userId && !platformRoleAllowing(actor.platformRoles, 'user.organizations.read')) {
      throw forbidden('PERMISSION.DENIED', "Only the user themself, a superadmin or a service reads a user's organizations");
    }
    return { userId, items: await this.readModels.queries.userOrganizations(userId) };
  }
}
