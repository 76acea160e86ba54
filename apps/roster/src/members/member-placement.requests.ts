import type { DatasetRole } from '@roster/domain';
import { DefaultDatasetRoleField, DepartmentIdField } from '../departments/department.requests';
import { RequestBody } from '../http/validation';

@RequestBody()
export class ChangeMemberDepartmentRequest {
  @DepartmentIdField({ nullable: true, description: 'The department to restrict the member to; null: organization-wide' })
  departmentId!: string | null;
}

@RequestBody()
export class ChangeDefaultDatasetRoleRequest {
  @DefaultDatasetRoleField({ description: "How the member is added as a collaborator to the organization's new datasets; none: not added" })
  defaultDatasetRole!: DatasetRole;
}
