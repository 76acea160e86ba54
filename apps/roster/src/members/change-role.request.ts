import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_LIMITS as LIMITS, ROLES, type Role } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

const REASON = {
  description: 'Why, recorded in the event and shown in the history (personal data). Line breaks and tabs allowed; no other control or format characters',
  maxLength: LIMITS.reasonMaxLength,
};

@RequestBody()
export class ChangeRoleRequest {
  @ApiProperty({ enum: ROLES, description: 'Promoting an editor to admin is how admins are made' })
  @FieldRule('role')
  role!: Role;

  @ApiPropertyOptional(REASON)
  @FieldRule('reason', { optional: true })
  reason?: string;
}

/** Optional: DELETE without a body removes without a reason. */
@RequestBody()
export class RemoveMemberRequest {
  @ApiPropertyOptional({ ...REASON, description: `${REASON.description}. Not for leaving: a member leaving gives none` })
  @FieldRule('reason', { optional: true })
  reason?: string;
}
