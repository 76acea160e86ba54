import { Controller, Get, HttpStatus, Injectable, OnModuleInit, Param, Query, UseInterceptors } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EMAIL_SHAPE, fieldRefusal, forbidden, ORGANIZATION_LIMITS, platformRoleAllowing, type Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { bearerToken, TokenVerifier } from '../auth/token-verifier';
import { addFastPath } from '../http/fast-path';
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

/** The raw target of the route, without a query string; a percent-encoded id takes the controller's path. */
const USER_ORGANIZATIONS_TARGET = /^\/users\/([^/?%]+)\/organizations$/;

/**
 * "Which organizations is user U in" ahead of Nest's guard/interceptor/pipe chain, as the
 * permission check's CheckFastPath: a GET without X-Min-Position, with a token already
 * verified, a valid id and a caller allowed to ask, is answered from the read models with
 * the controller's body and X-Read-Model-Position. Anything else (no or bad token, a
 * malformed id, a refusal, X-Min-Position, a query string, a failed read) goes the
 * controller's way, so answers and errors stay identical.
 */
@Injectable()
export class UserOrganizationsFastPath implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly verifier: TokenVerifier,
    private readonly readModels: ReadModelsService,
  ) {}

  onModuleInit(): void {
    addFastPath(this.adapterHost, (request, reply, next) => {
      const target = request.method === 'GET' ? USER_ORGANIZATIONS_TARGET.exec(request.url) : null;
      return target !== null && this.answer(request, reply, target[1], next);
    });
  }

  /** True when it took the request (it then answers, or hands it on through `next` if the read fails). */
  private answer(request: FastifyRequest, reply: FastifyReply, userId: string, next: () => void): boolean {
    // As MinPositionInterceptor: the position known before the read.
    const position = this.readModels.localPosition;
    if (position === undefined || request.headers['x-min-position'] !== undefined || fieldRefusal('userId', userId)) return false;
    const token = bearerToken(request.headers.authorization);
    const actor = token === undefined ? undefined : this.verifier.verifiedActor(token);
    if (!actor || !mayReadOrganizationsOf(actor, userId)) return false;
    request.actor = actor;
    this.readModels.queries.userOrganizations(userId).then(
      (items) => reply.header('X-Read-Model-Position', position.toString()).status(200).send({ userId, items }),
      () => next(),
    );
    return true;
  }
}
