import { Body, Controller, Delete, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CommandSender } from '../command-handling/command-sender';
import type { CommandOutcome } from '../command-handling/organization-stream';
import { newServiceId } from '../command-handling/service-ids';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { CommandAnswer } from '../http/command-answer';
import { CommandResponse } from '../http/command-response';
import { CommandRequestInfo, type CommandRequest } from '../http/command-request';
import { ServiceId } from '../http/id.pipe';
import { CommandRoute } from '../http/openapi';
import { InviteMemberRequest, ResendInvitationRequest } from './invite-member.request';

@ApiTags('invitations')
@CommandRoute()
@Controller('organizations/:orgId/invitations')
export class InvitationsController {
  constructor(
    private readonly commands: CommandSender,
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
  ) {}

  @Post()
  @CommandAnswer('created')
  @ApiOperation({ summary: 'Invite someone by user id or e-mail, with a role, in a department or organization-wide (admin; a department admin into their department)' })
  @ApiCreatedResponse({ type: CommandResponse })
  invite(
    @ServiceId('orgId') organizationId: string,
    @Body() body: InviteMemberRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
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
          departmentId: body.departmentId,
          defaultDatasetRole: body.defaultDatasetRole,
        },
      },
      actor,
      request,
    );
  }

  @Post(':invitationId/accept')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Accept a pending, unexpired invitation (the invitee)' })
  @ApiOkResponse({ type: CommandResponse })
  accept(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('invitationId') invitationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'AcceptInvitation', data: { organizationId, invitationId } }, actor, request);
  }

  @Post(':invitationId/decline')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Decline a pending invitation (the invitee)' })
  @ApiOkResponse({ type: CommandResponse })
  decline(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('invitationId') invitationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'DeclineInvitation', data: { organizationId, invitationId } }, actor, request);
  }

  @Post(':invitationId/resend')
  @CommandAnswer('ok')
  @ApiOperation({
    summary: 'Resend a pending invitation, expired or not: same invitation, new expiry, published for the mailer (admin; a department admin for invitations into their department)',
  })
  @ApiBody({ type: ResendInvitationRequest, required: false, description: 'Optional: without a body the default expiry applies' })
  @ApiOkResponse({ type: CommandResponse })
  resend(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('invitationId') invitationId: string,
    @Body() body: ResendInvitationRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send(
      { type: 'ResendInvitation', data: { organizationId, invitationId, expiresInDays: body?.expiresInDays ?? this.config.invitationTtlDays } },
      actor,
      request,
    );
  }

  @Delete(':invitationId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Revoke a pending invitation (admin; a department admin for invitations into their department)' })
  @ApiOkResponse({ type: CommandResponse })
  revoke(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('invitationId') invitationId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'RevokeInvitation', data: { organizationId, invitationId } }, actor, request);
  }
}
