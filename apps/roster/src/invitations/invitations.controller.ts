import { Body, Controller, Delete, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandResponse } from '../command-handling/command-response';
import { CommandSender } from '../command-handling/command-sender';
import { newServiceId } from '../command-handling/service-ids';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { ServiceIdPipe } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { InviteMemberRequest } from './invite-member.request';

@ApiTags('invitations')
@CommandRoute()
@Controller('organizations/:orgId/invitations')
export class InvitationsController {
  constructor(
    private readonly commands: CommandSender,
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Invite someone by user id or e-mail, with a role (admin)' })
  @ApiCreatedResponse({ type: CommandResponse })
  invite(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @Body() body: InviteMemberRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponse> {
    // Both or neither is refused by the domain (VALIDATION.INVITEE): pass on what was given.
    const invitee = {
      ...(body.userId !== undefined ? { userId: body.userId } : {}),
      ...(body.email !== undefined ? { email: body.email } : {}),
    } as { userId: string } | { email: string };
    return this.commands.send(
      {
        type: 'InviteMember',
        data: {
          organizationId,
          invitationId: newServiceId(),
          invitee,
          role: body.role,
          expiresInDays: body.expiresInDays ?? this.config.invitationTtlDays,
        },
      },
      actor,
      request,
      reply,
    );
  }

  @Post(':invitationId/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a pending, unexpired invitation (the invitee)' })
  @ApiOkResponse({ type: CommandResponse })
  accept(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @Param('invitationId', ServiceIdPipe) invitationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponse> {
    return this.commands.send({ type: 'AcceptInvitation', data: { organizationId, invitationId } }, actor, request, reply);
  }

  @Post(':invitationId/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline a pending invitation (the invitee)' })
  @ApiOkResponse({ type: CommandResponse })
  decline(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @Param('invitationId', ServiceIdPipe) invitationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponse> {
    return this.commands.send({ type: 'DeclineInvitation', data: { organizationId, invitationId } }, actor, request, reply);
  }

  @Delete(':invitationId')
  @ApiOperation({ summary: 'Revoke a pending invitation (admin)' })
  @ApiOkResponse({ type: CommandResponse })
  revoke(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @Param('invitationId', ServiceIdPipe) invitationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponse> {
    return this.commands.send({ type: 'RevokeInvitation', data: { organizationId, invitationId } }, actor, request, reply);
  }
}
