import { Controller, Get, HttpStatus, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EMAIL_SHAPE, fieldRefusal, forbidden, ORGANIZATION_LIMITS, platformRoleAllowing, type Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { UserIdPipe } from '../http/id.pipe';
import { QueryRoute } from '../http/openapi';
import { ProblemException } from '../http/problem';
import { MinPositionInterceptor } from './min-position.interceptor';
import { USER_INVITATIONS, USER_ORGANIZATIONS } from './query.schemas';
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
    if (!mayReadOrganizationsOf(actor, userId)) {
      throw forbidden('PERMISSION.DENIED', "Only the user themself, a superadmin or a service reads a user's organizations");
    }
    return { userId, items: await this.readModels.queries.userOrganizations(userId) };
  }

  /**
   * The person's invitations not handled yet, across organizations: to their user id, and to
   * their e-mail address. The person's address comes from their token, and counts only when
   * verified; a superadmin or a service names it with ?email= (the identity service knows it).
   */
  @Get(':userId/invitations')
  @ApiOperation({
    summary:
      "A user's pending invitations across organizations, by user id and by verified e-mail, each `pending` or `expired` (the user, superadmins, services)",
  })
  @ApiQuery({
    name: 'email',
    required: false,
    description: "Superadmins and services: the user's e-mail address, to find the invitations sent to it. The user themself gives none: their token's verified `email` is used",
    schema: { type: 'string', maxLength: ORGANIZATION_LIMITS.emailMaxLength, pattern: EMAIL_SHAPE.source },
  })
  @ApiOkResponse({ schema: USER_INVITATIONS })
  async invitations(@Param('userId', UserIdPipe) userId: string, @CurrentActor() actor: Actor, @Query('email') email?: string) {
    const refused = email === undefined ? undefined : fieldRefusal('email', email);
    if (refused) throw new ProblemException(HttpStatus.BAD_REQUEST, refused.code, refused.message);
    const trusted = platformRoleAllowing(actor.platformRoles, 'user.invitations.read') !== undefined;
    if (actor.userId !== userId && !trusted) {
      throw forbidden('PERMISSION.DENIED', "Only the user themself, a superadmin or a service reads a user's invitations");
    }
    if (email !== undefined && !trusted) {
      throw forbidden('PERMISSION.DENIED', 'Only a superadmin or a service names an e-mail address: yours is read from your token when verified');
    }
    const ownEmail = actor.userId === userId && actor.emailVerified === true ? actor.email : undefined;
    const address = email ?? ownEmail;
    return { userId, items: await this.readModels.queries.userInvitations(userId, await this.readModels.emailKeyIds(address === undefined ? [] : [address])) };
  }
}

function mayReadOrganizationsOf(actor: Actor, userId: string): boolean {
  return actor.userId === userId || platformRoleAllowing(actor.platformRoles, 'user.organizations.read') !== undefined;
}
