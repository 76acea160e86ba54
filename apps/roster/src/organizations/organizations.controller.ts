import { Body, Controller, Delete, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandSender } from '../command-handling/command-sender';
import type { CommandOutcome } from '../command-handling/organization-stream';
import { newServiceId, organizationIdForIdempotencyKey } from '../command-handling/service-ids';
import { CommandAnswer } from '../http/command-answer';
import { CommandResponse } from '../http/command-response';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { ServiceId } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { CreateOrganizationRequest, UpdateOrganizationProfileRequest } from './organization.requests';

@ApiTags('organizations')
@CommandRoute()
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly commands: CommandSender) {}

  @Post()
  @CommandAnswer('created')
  @ApiOperation({ summary: 'Create an organization; the caller becomes its first admin' })
  @ApiCreatedResponse({ type: CommandResponse })
  create(
    @Body() body: CreateOrganizationRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    // With an Idempotency-Key the id comes from (caller, key), so a retry finds the first attempt's stream.
    const organizationId =
      request.idempotencyKey !== undefined ? organizationIdForIdempotencyKey(actor.userId, request.idempotencyKey) : newServiceId();
    return this.commands.send(
      { type: 'CreateOrganization', data: { organizationId, name: body.name, description: body.description } },
      actor,
      request,
    );
  }

  @Patch(':orgId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: "Update the organization's profile (admin)" })
  @ApiOkResponse({ type: CommandResponse })
  update(
    @ServiceId('orgId') organizationId: string,
    @Body() body: UpdateOrganizationProfileRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send(
      { type: 'UpdateOrganizationProfile', data: { organizationId, name: body.name, description: body.description } },
      actor,
      request,
    );
  }

  @Delete(':orgId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Delete the organization (admin); its history stays readable to auditors' })
  @ApiOkResponse({ type: CommandResponse })
  delete(
    @ServiceId('orgId') organizationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'DeleteOrganization', data: { organizationId } }, actor, request);
  }
}
