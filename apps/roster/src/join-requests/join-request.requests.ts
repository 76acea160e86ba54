import { ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_LIMITS as LIMITS, ROLES, type Role } from '@roster/domain';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class RequestJoinRequest {
  @ApiPropertyOptional({ description: 'Shown to the admins', maxLength: LIMITS.messageMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.messageMaxLength)
  message?: string;
}

export class ApproveJoinRequest {
  @ApiPropertyOptional({ enum: ROLES, default: 'editor', description: 'The role to grant' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

export class RejectJoinRequest {
  @ApiPropertyOptional({ description: 'Shown to the requester', maxLength: LIMITS.reasonMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.reasonMaxLength)
  reason?: string;
}
