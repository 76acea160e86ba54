import type { DatasetRole, Role } from '@roster/domain';
import { PLACEMENT_DESCRIPTIONS } from '../departments/department.requests';
import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class RequestJoinRequest {
  @FieldRule('message', { optional: true, description: 'Shown to the admins' })
  message?: string;
}

@RequestBody()
export class ApproveJoinRequest {
  @FieldRule('role', { optional: true, default: 'editor', description: 'The role to grant' })
  role?: Role;

  @FieldRule('departmentId', { optional: true, nullable: true, description: PLACEMENT_DESCRIPTIONS.departmentId })
  departmentId?: string | null;

  @FieldRule('defaultDatasetRole', { optional: true, description: PLACEMENT_DESCRIPTIONS.defaultDatasetRole })
  defaultDatasetRole?: DatasetRole;
}

@RequestBody()
export class RejectJoinRequest {
  @FieldRule('reason', { optional: true, description: 'Shown to the requester' })
  reason?: string;
}
