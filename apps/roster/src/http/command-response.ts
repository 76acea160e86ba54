import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CommandOutcome } from '../command-handling/organization-stream';

/** What every command route answers. Revisions and positions are 64-bit: decimal strings. */
export class CommandResponse {
  @ApiProperty({ format: 'uuid' })
  organizationId!: string;

  @ApiProperty({ description: "The organization stream's revision after the command", example: '3' })
  revision!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Global position of the last event the command appended (a no-op: the last event of the stream)',
    example: '1042',
  })
  position!: string | null;

  @ApiPropertyOptional({ format: 'uuid' })
  invitationId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  requestId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  partnershipId?: string;
}

export function toCommandResponse(outcome: CommandOutcome): CommandResponse {
  return {
    organizationId: outcome.organizationId,
    revision: outcome.revision.toString(),
    position: outcome.position === null ? null : outcome.position.toString(),
    ...(outcome.invitationId !== undefined ? { invitationId: outcome.invitationId } : {}),
    ...(outcome.requestId !== undefined ? { requestId: outcome.requestId } : {}),
    ...(outcome.partnershipId !== undefined ? { partnershipId: outcome.partnershipId } : {}),
  };
}
