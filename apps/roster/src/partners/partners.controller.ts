import { Body, Controller, Delete, Patch, Post } from '@nestjs/common';
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
import { CommandRoute, ProblemResponses } from '../http/openapi';
import { AcceptPartnershipRequest, ChangePartnerAccessRequest, InvitePartnerRequest } from './partner.requests';

/**
 * Partner organizations (DESIGN.md "Partners"): every partnership lives in the inviting
 * organization's stream (`orgId`), whichever side acts. Who may do what is the domain's
 * (organization.decide.ts); the handler folds the other organization's facts for it.
 */
@ApiTags('partners')
@CommandRoute()
@Controller('organizations/:orgId/partners')
export class PartnersController {
  constructor(private readonly commands: CommandSender) {}

  @Post()
  @CommandAnswer('created')
  @ApiOperation({
    summary: 'Invite a partner organization, by id or by a name and contact e-mail, with an access level (admin)',
    description: 'Not the organization itself (400 PARTNER.SELF), not an unknown (404 PARTNER.NOT_FOUND) or deleted (410 PARTNER.DELETED) one; a second pending or active partnership with the same partner or contact is 409 PARTNERSHIP.ALREADY_EXISTS.',
  })
  @ApiCreatedResponse({ type: CommandResponse, description: 'The partnership is pending; `partnershipId` names it' })
  @ProblemResponses(410)
  invite(
    @ServiceId('orgId') organizationId: string,
    @Body() body: InvitePartnerRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    // Both ways or neither is refused by the domain (VALIDATION.PARTNER): pass on what was given.
    const partner = {
      ...(body.partnerOrganizationId !== undefined ? { organizationId: body.partnerOrganizationId } : {}),
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.contactEmail !== undefined ? { contactEmail: body.contactEmail } : {}),
    } as { organizationId: string } | { name: string; contactEmail: string };
    return this.commands.send(
      { type: 'InvitePartner', data: { organizationId, partnershipId: newServiceId(), partner, access: body.access } },
      actor,
      request,
    );
  }

  @Post(':partnershipId/accept')
  @CommandAnswer('ok')
  @ApiOperation({
    summary: "Accept a pending partnership (an admin of the invited organization; for a contact invitation, the contact with a verified e-mail, naming their organization)",
    description: "Decided on the caller's role in the partner organization, read from its record just before. 403 when not an organization-wide admin there (or, for a contact invitation, not the contact: PARTNERSHIP.NOT_CONTACT, PARTNERSHIP.EMAIL_NOT_VERIFIED); 409 PARTNERSHIP.NOT_PENDING when accepted already; 410 PARTNER.DELETED.",
  })
  @ApiOkResponse({ type: CommandResponse })
  @ProblemResponses(410)
  accept(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('partnershipId') partnershipId: string,
    @Body() body: AcceptPartnershipRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    const named = body.organizationId;
    return this.commands.send(
      { type: 'AcceptPartnership', data: { organizationId, partnershipId, ...(named !== undefined ? { partnerOrganizationId: named } : {}) } },
      actor,
      request,
    );
  }

  @Post(':partnershipId/decline')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'Decline a pending partnership (an admin of the invited organization; for a contact invitation, the contact)' })
  @ApiOkResponse({ type: CommandResponse })
  @ProblemResponses(410)
  decline(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('partnershipId') partnershipId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'DeclinePartnership', data: { organizationId, partnershipId } }, actor, request);
  }

  @Patch(':partnershipId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: "Change a pending or active partnership's access (admin); the same access again changes nothing" })
  @ApiOkResponse({ type: CommandResponse })
  changeAccess(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('partnershipId') partnershipId: string,
    @Body() body: ChangePartnerAccessRequest,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'ChangePartnerAccess', data: { organizationId, partnershipId, access: body.access } }, actor, request);
  }

  @Delete(':partnershipId')
  @CommandAnswer('ok')
  @ApiOperation({ summary: 'End a partnership, or withdraw a pending one (an admin of either organization)' })
  @ApiOkResponse({ type: CommandResponse })
  @ProblemResponses(410)
  end(
    @ServiceId('orgId') organizationId: string,
    @ServiceId('partnershipId') partnershipId: string,
    @CurrentActor() actor: Actor,
    @CommandRequestInfo() request: CommandRequest,
  ): Promise<CommandOutcome> {
    return this.commands.send({ type: 'EndPartnership', data: { organizationId, partnershipId } }, actor, request);
  }
}
