import { Body, Controller, Delete, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandResponse } from '../command-handling/command-response';
import { CommandSender } from '../command-handling/command-sender';
import { newServiceId, organizationIdForIdempotencyKey } from '../command-handling/service-ids';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { ServiceIdPipe } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { CreateOrganizationRequest, UpdateOrganizationProfileRequest } from './organization.requests';

@ApiTags('organizations')
@CommandRoute()
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly commands: CommandSender) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an organization; the caller becomes its first admin' })
  @ApiCreatedResponse({ type: CommandResponse })
  create(
    @Body() body: CreateOrganizationRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponse> {
    // With an Idempotency-Key the id comes from (caller, key), so a retry finds the first attempt's stream.
    const organizationId =
      request.idempotencyKey !== undefined ? organizationIdForIdempotencyKey(actor.userId, request.idempotencyKey) : newServiceId();
    return this.commands.send(
      { type: 'CreateOrganization', data: { organizationId, name: body.name, description: body.description } },
      actor,
      request,
      reply,
    );
  }

  @Patch(':orgId')
  @ApiOperation({ summary: "Update the organization's profile (admin)" })
  @ApiOkResponse({ type: CommandResponse })
  update(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @Body() body: UpdateOrganizationProfileRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponse> {
    return this.commands.send(
      { type: 'UpdateOrganizationProfile', data: { organizationId, name: body.name, description: body.description } },
      actor,
      request,
      reply,
    );
  }

  @Delete(':orgId')
  @ApiOperation({ summary: 'Delete the organization (admin); its history stays readable to auditors' })
  @ApiOkResponse({ type: CommandResponse })
  delete(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponse> {
    return this.commands.send({ type: 'DeleteOrganization', data: { organizationId } }, actor, request, reply);
  }
}
