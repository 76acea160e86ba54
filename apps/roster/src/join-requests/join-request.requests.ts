import { ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_LIMITS as LIMITS, ROLES, type DatasetRole, type Role } from '@roster/domain';
import { DefaultDatasetRoleField, DepartmentIdField, PLACEMENT_DESCRIPTIONS } from '../departments/department.requests';
import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class RequestJoinRequest {
  @ApiPropertyOptional({
    description: 'Shown to the admins. Line breaks and tabs allowed; no other control or format characters',
    maxLength: LIMITS.messageMaxLength,
  })
  @FieldRule('message', { optional: true })
  message?: string;
}

@RequestBody()
export class ApproveJoinRequest {
  @ApiPropertyOptional({ enum: ROLES, default: 'editor', description: 'The role to grant' })
  @FieldRule('role', { optional: true })
  role?: Role;

  @DepartmentIdField({ optional: true, nullable: true, description: PLACEMENT_DESCRIPTIONS.departmentId })
  departmentId?: string | null;

  @DefaultDatasetRoleField({ optional: true, description: PLACEMENT_DESCRIPTIONS.defaultDatasetRole })
  defaultDatasetRole?: DatasetRole;
}

@RequestBody()
export class RejectJoinRequest {
  @ApiPropertyOptional({
    description: 'Shown to the requester. Line breaks and tabs allowed; no other control or format characters',
    maxLength: LIMITS.reasonMaxLength,
  })
  @FieldRule('reason', { optional: true })
  reason?: string;
}
