import { Body, Controller, Get, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { UserId } from '../http/id.pipe';
import { QueryRoute, SecuredRoute } from '../http/openapi';
import { MinPositionInterceptor } from '../queries/min-position.interceptor';
import { ERASURE_REPORT, PERSONAL_DATA } from '../queries/query.schemas';
import { ErasePersonRequest } from './erasure.requests';
import { ErasureService, type ErasureReport } from './erasure.service';

/** RGPD: erasure (article 17) and access (article 15) of one person. */
@ApiTags('personal data')
@Controller('users/:userId')
export class ErasureController {
  constructor(private readonly erasure: ErasureService) {}

  @Post('erasure')
  @HttpCode(200)
  @SecuredRoute(403, 413, 415, 503)
  @ApiHeader({ name: 'X-Correlation-Id', required: false, description: 'Recorded in the events; echoed in the answer' })
  @ApiHeader({ name: 'traceparent', required: false, description: 'W3C Trace Context: recorded in the events, carried on their Kafka messages and logged; an invalid one is ignored' })
  @ApiOperation({
    summary:
      'Erase a person (the person, a superadmin, a service): memberships end, pending invitations and join requests are withdrawn, their key is destroyed; a second erasure changes nothing',
  })
  @ApiBody({ type: ErasePersonRequest, required: false })
  @ApiOkResponse({ schema: ERASURE_REPORT })
  erase(
    @UserId('userId') userId: string,
    @Body() body: ErasePersonRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<ErasureReport> {
    return this.erasure.erase(userId, body?.emails, actor, request);
  }

  @Get('personal-data')
  @QueryRoute(403)
  @UseInterceptors(MinPositionInterceptor)
  @ApiOperation({ summary: 'Everything held about a person, as JSON (the person, a superadmin): memberships, invitations, join requests, the history entries naming them' })
  @ApiOkResponse({ schema: PERSONAL_DATA })
  personalData(@UserId('userId') userId: string, @CurrentActor() actor: Actor) {
    return this.erasure.personalData(userId, actor);
  }
}
