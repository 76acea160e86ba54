import { Body, Controller, Delete, HttpStatus, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandSender } from '../command-handling/command-sender';
import type { CommandOutcome } from '../command-handling/organization-stream';
import { CommandAnswer } from '../http/command-answer';
import { CommandResponse } from '../http/command-response';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { ServiceId, UserId } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { ProblemException } from '../http/problem';
import { ChangeRoleRequest, RemoveMemberRequest } from './change-role.request';
import { ChangeDefaultDatasetRoleRequest, ChangeMemberDepartmentRequest } from './member-placement.requests';

@ApiTags('members')
@CommandRoute()
@Controller('organizations/:orgId/members/:userId')
export class MembersController {
  constructor(private readonly commands: CommandSender) {}

  @Put('role')
  @CommandAnswer('ok')
  @ApiOperation({ summary: "Change a member's role, with an optional reason (admin; a department admin for members of their department); the same role again changes nothing" })
  @ApiOkResponse({ type: CommandResponse })
  changeRole(
    @ServiceId('orgId') organizationId: string,
    @UserId('userId') userId: string,
    @Body() body: ChangeRoleRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'ChangeRole', data: { organizationId, userId, role: body.role, reason: body.reason } }, actor, request);
  }

  @Put('department')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Restrict a member to a department, or make them organization-wide with null (organization-wide admin)' })
  @ApiOkResponse({ type: CommandResponse })
  changeDepartment(
    @ServiceId('orgId') organizationId: string,
    @UserId('userId') userId: string,
    @Body() body: ChangeMemberDepartmentRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'ChangeMemberDepartment', data: { organizationId, userId, departmentId: body.departmentId } }, actor, request);
  }

  @Put('default-dataset-role')
  @CommandAnswer('ok')
  @ApiOperation({ summary: "Change a member's default dataset role (admin; a department admin for members of their department)" })
  @ApiOkResponse({ type: CommandResponse })
  changeDefaultDatasetRole(
    @ServiceId('orgId') organizationId: string,
    @UserId('userId') userId: string,
    @Body() body: ChangeDefaultDatasetRoleRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send(
      { type: 'ChangeDefaultDatasetRole', data: { organizationId, userId, defaultDatasetRole: body.defaultDatasetRole } },
      actor,
      request,
    );
  }

  @Delete()
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Remove a member, with an optional reason (admin; a department admin for members of their department), or leave the organization (the member themself)' })
  @ApiBody({ type: RemoveMemberRequest, required: false, description: 'Optional: without a body the removal records no reason' })
  @ApiOkResponse({ type: CommandResponse })
  remove(
    @ServiceId('orgId') organizationId: string,
    @UserId('userId') userId: string,
    @Body() body: RemoveMemberRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    const reason = body?.reason;
    // A well-formed reason, but one that leaving cannot record (it is what an admin writes about someone else): 422.
    if (userId === actor.userId && reason !== undefined) {
      throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'VALIDATION.REASON', 'Leaving takes no reason: a reason is recorded when an admin removes someone');
    }
    return this.commands.send(
      userId === actor.userId
        ? { type: 'LeaveOrganization', data: { organizationId } }
        : { type: 'RemoveMember', data: { organizationId, userId, reason } },
      actor,
      request,
    );
  }
}
