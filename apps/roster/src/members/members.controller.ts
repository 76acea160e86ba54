import { Body, Controller, Delete, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandSender } from '../command-handling/command-sender';
import type { CommandOutcome } from '../command-handling/organization-stream';
import { CommandAnswer } from '../http/command-answer';
import { CommandResponse } from '../http/command-response';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { ServiceId, UserId } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { ChangeRoleRequest } from './change-role.request';

@ApiTags('members')
@CommandRoute()
@Controller('organizations/:orgId/members/:userId')
export class MembersController {
  constructor(private readonly commands: CommandSender) {}

  @Put('role')
  @CommandAnswer('ok')
  @ApiOperation({ summary: "Change a member's role (admin); the same role again changes nothing" })
  @ApiOkResponse({ type: CommandResponse })
  changeRole(
    @ServiceId('orgId') organizationId: string,
    @UserId('userId') userId: string,
    @Body() body: ChangeRoleRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'ChangeRole', data: { organizationId, userId, role: body.role } }, actor, request);
  }

  @Delete()
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Remove a member (admin), or leave the organization (the member themself)' })
  @ApiOkResponse({ type: CommandResponse })
  remove(
    @ServiceId('orgId') organizationId: string,
    @UserId('userId') userId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send(
      userId === actor.userId
        ? { type: 'LeaveOrganization', data: { organizationId } }
        : { type: 'RemoveMember', data: { organizationId, userId } },
      actor,
      request,
    );
  }
}
