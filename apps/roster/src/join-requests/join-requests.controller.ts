import { Body, Controller, Delete, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandSender } from '../command-handling/command-sender';
import type { CommandOutcome } from '../command-handling/organization-stream';
import { newServiceId } from '../command-handling/service-ids';
import { CommandAnswer } from '../http/command-answer';
import { CommandResponse } from '../http/command-response';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { ServiceId } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { ApproveJoinRequest, RejectJoinRequest, RequestJoinRequest } from './join-request.requests';

@ApiTags('join-requests')
@CommandRoute()
@Controller('organizations/:orgId/join-requests')
export class JoinRequestsController {
  constructor(private readonly commands: CommandSender) {}

  @Post()
  @CommandAnswer('created')
  @ApiOperation({ summary: 'Ask to join the organization (any signed-in non-member)' })
  @ApiCreatedResponse({ type: CommandResponse })
  request(
    @ServiceId('orgId') organizationId: string,
    @Body() body: RequestJoinRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send(
      { type: 'RequestJoin', data: { organizationId, requestId: newServiceId(), message: body.message } },
      actor,
      request,
    );
  }

  @Post(':requestId/approve')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Approve a join request, granting a role (default editor), in a department or organization-wide (admin; a department admin into their department)' })
  @ApiOkResponse({ type: CommandResponse })
  approve(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('requestId') requestId: string,
    @Body() body: ApproveJoinRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send(
      {
        type: 'ApproveJoin',
        data: { organizationId, requestId, role: body.role, departmentId: body.departmentId, defaultDatasetRole: body.defaultDatasetRole },
      },
      actor,
      request,
    );
  }

  @Post(':requestId/reject')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Reject a join request, with an optional reason shown to the requester (admin)' })
  @ApiOkResponse({ type: CommandResponse })
  reject(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('requestId') requestId: string,
    @Body() body: RejectJoinRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'RejectJoin', data: { organizationId, requestId, reason: body.reason } }, actor, request);
  }

  @Delete(':requestId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Cancel a join request (the requester)' })
  @ApiOkResponse({ type: CommandResponse })
  cancel(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('requestId') requestId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'CancelJoinRequest', data: { organizationId, requestId } }, actor, request);
  }
}
