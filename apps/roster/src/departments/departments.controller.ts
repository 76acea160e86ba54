import { Body, Controller, Delete, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandSender } from '../command-handling/command-sender';
import type { CommandOutcome } from '../command-handling/organization-stream';
import { CommandAnswer } from '../http/command-answer';
import { CommandResponse } from '../http/command-response';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { DepartmentId, ServiceId } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { AddDepartmentRequest, RenameDepartmentRequest } from './department.requests';

/** An organization's departments (Data Fair): organization-wide admins define them. */
@ApiTags('departments')
@CommandRoute()
@Controller('organizations/:orgId/departments')
export class DepartmentsController {
  constructor(private readonly commands: CommandSender) {}

  @Post()
  @CommandAnswer('created')
  @ApiOperation({ summary: 'Add a department, with the id the admin chose and a name (organization-wide admin)' })
  @ApiCreatedResponse({ type: CommandResponse })
  add(
    @ServiceId('orgId') organizationId: string,
    @Body() body: AddDepartmentRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'AddDepartment', data: { organizationId, departmentId: body.departmentId, name: body.name } }, actor, request);
  }

  @Patch(':departmentId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Rename a department; its id stays, the same name again changes nothing (organization-wide admin)' })
  @ApiOkResponse({ type: CommandResponse })
  rename(
    @ServiceId('orgId') organizationId: string,
    @DepartmentId('departmentId') departmentId: string,
    @Body() body: RenameDepartmentRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'RenameDepartment', data: { organizationId, departmentId, name: body.name } }, actor, request);
  }

  @Delete(':departmentId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Remove a department without members or pending invitations, else 409 DEPARTMENT.NOT_EMPTY (organization-wide admin)' })
  @ApiOkResponse({ type: CommandResponse })
  remove(
    @ServiceId('orgId') organizationId: string,
    @DepartmentId('departmentId') departmentId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'RemoveDepartment', data: { organizationId, departmentId } }, actor, request);
  }
}
