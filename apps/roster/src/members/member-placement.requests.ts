import type { DatasetRole } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class ChangeMemberDepartmentRequest {
  @FieldRule('departmentId', { nullable: true, description: 'The department to restrict the member to; null: organization-wide' })
  departmentId!: string | null;
}

@RequestBody()
export class ChangeDefaultDatasetRoleRequest {
  @FieldRule('defaultDatasetRole', { description: "How the member is added as a collaborator to the organization's new datasets; none: not added" })
  defaultDatasetRole!: DatasetRole;
}
