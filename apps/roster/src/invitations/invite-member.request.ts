import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EMAIL_SHAPE, ORGANIZATION_LIMITS as LIMITS, ROLES, type DatasetRole, type Role } from '@roster/domain';
import { DefaultDatasetRoleField, DepartmentIdField, PLACEMENT_DESCRIPTIONS } from '../departments/department.requests';
import { FieldRule, RequestBody } from '../http/validation';

/**
 * Invite by user id or by e-mail (exactly one: the domain refuses both or neither with
 * VALIDATION.INVITEE, and the schema's oneOf says so); the invitee proves an e-mail with
 * the token's verified `email` claim.
 */
@RequestBody({ oneOf: [{ required: ['userId'] }, { required: ['email'] }] })
export class InviteMemberRequest {
  @ApiPropertyOptional({
    description: 'The invitee, by user id (give this or email). One line: no control or format characters',
    minLength: 1,
    maxLength: LIMITS.idMaxLength,
  })
  @FieldRule('userId', { optional: true })
  userId?: string;

  @ApiPropertyOptional({
    description: 'The invitee, by e-mail (give this or userId); compared trimmed and lower-cased',
    maxLength: LIMITS.emailMaxLength,
    pattern: EMAIL_SHAPE.source,
  })
  @FieldRule('email', { optional: true })
  email?: string;

  @ApiProperty({ enum: ROLES })
  @FieldRule('role')
  role!: Role;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Days until the invitation expires (default ROSTER_INVITATION_TTL_DAYS, 7)',
    minimum: LIMITS.expiresInDaysMin,
    maximum: LIMITS.expiresInDaysMax,
  })
  @FieldRule('expiresInDays', { optional: true })
  expiresInDays?: number;

  @DepartmentIdField({ optional: true, nullable: true, description: PLACEMENT_DESCRIPTIONS.departmentId })
  departmentId?: string | null;

  @DefaultDatasetRoleField({ optional: true, description: PLACEMENT_DESCRIPTIONS.defaultDatasetRole })
  defaultDatasetRole?: DatasetRole;
}

@RequestBody()
export class ResendInvitationRequest {
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Days from now until the resent invitation expires (default ROSTER_INVITATION_TTL_DAYS, 7)',
    minimum: LIMITS.expiresInDaysMin,
    maximum: LIMITS.expiresInDaysMax,
  })
  @FieldRule('expiresInDays', { optional: true })
  expiresInDays?: number;
}
