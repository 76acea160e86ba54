import type { DatasetRole, Role } from '@roster/domain';
import { PLACEMENT_DESCRIPTIONS } from '../departments/department.requests';
import { FieldRule, RequestBody } from '../http/validation';

/**
 * Invite by user id or by e-mail (exactly one: the domain refuses both or neither with
 * VALIDATION.INVITEE, and the schema's oneOf says so); the invitee proves an e-mail with
 * the token's verified `email` claim.
 */
@RequestBody({ oneOf: [{ required: ['userId'] }, { required: ['email'] }] })
export class InviteMemberRequest {
  @FieldRule('userId', { optional: true, description: 'The invitee, by user id (give this or email)' })
  userId?: string;

  @FieldRule('email', { optional: true, description: 'The invitee, by e-mail (give this or userId)' })
  email?: string;

  @FieldRule('role')
  role!: Role;

  @FieldRule('expiresInDays', { optional: true, description: 'Days until the invitation expires (default ROSTER_INVITATION_TTL_DAYS, 7)' })
  expiresInDays?: number;

  @FieldRule('departmentId', { optional: true, nullable: true, description: PLACEMENT_DESCRIPTIONS.departmentId })
  departmentId?: string | null;

  @FieldRule('defaultDatasetRole', { optional: true, description: PLACEMENT_DESCRIPTIONS.defaultDatasetRole })
  defaultDatasetRole?: DatasetRole;
}

@RequestBody()
export class ResendInvitationRequest {
  @FieldRule('expiresInDays', { optional: true, description: 'Days from now until the resent invitation expires (default ROSTER_INVITATION_TTL_DAYS, 7)' })
  expiresInDays?: number;
}
