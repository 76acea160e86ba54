import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_LIMITS as LIMITS, ROLES, type Role } from '@roster/domain';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

/** Invite by user id or by e-mail (exactly one); the invitee proves an e-mail with the token's `email` claim. */
export class InviteMemberRequest {
  @ApiPropertyOptional({ description: 'The invitee, by user id (give this or email)', maxLength: LIMITS.idMaxLength })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.idMaxLength)
  userId?: string;

  @ApiPropertyOptional({ description: 'The invitee, by e-mail (give this or userId)', maxLength: LIMITS.emailMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.emailMaxLength)
  @IsEmail()
  email?: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    description: 'Days until the invitation expires (default ROSTER_INVITATION_TTL_DAYS, 7)',
    minimum: LIMITS.expiresInDaysMin,
    maximum: LIMITS.expiresInDaysMax,
  })
  @IsOptional()
  @IsInt()
  @Min(LIMITS.expiresInDaysMin)
  @Max(LIMITS.expiresInDaysMax)
  expiresInDays?: number;
}
