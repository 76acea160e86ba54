import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { DATASET_ROLES, ORGANIZATION_LIMITS as LIMITS } from '@roster/domain';
import { DEPARTMENT_ID_SCHEMA } from '../http/openapi';
import { FieldRule, RequestBody } from '../http/validation';

/**
 * `departmentId` in a request body: the domain's slug rule and its schema. `nullable`: null
 * means organization-wide; `optional`: absent leaves the placement to the domain (a
 * department admin's own department, else organization-wide).
 */
export const DepartmentIdField = ({ optional = false, nullable = false, description }: { optional?: boolean; nullable?: boolean; description: string }) =>
  applyDecorators(
    (optional ? ApiPropertyOptional : ApiProperty)({ ...(DEPARTMENT_ID_SCHEMA as ApiPropertyOptions), nullable, description }),
    FieldRule('departmentId', { optional, nullable }),
  );

/** `defaultDatasetRole` in a request body (Segments): how the member is added to the organization's new datasets. */
export const DefaultDatasetRoleField = ({ optional = false, description }: { optional?: boolean; description: string }) =>
  applyDecorators(
    (optional ? ApiPropertyOptional : ApiProperty)({ enum: DATASET_ROLES, description }),
    FieldRule('defaultDatasetRole', { optional }),
  );

/** What invitations and approvals say about the placement and the default dataset role. */
export const PLACEMENT_DESCRIPTIONS = {
  departmentId:
    "The department to place the person in; null: organization-wide. Absent: a department admin's own department, else organization-wide",
  defaultDatasetRole: 'Absent: follows the role (member: reader, editor: contributor, admin: manager) and is recorded as such',
} as const;

@RequestBody()
export class AddDepartmentRequest {
  @DepartmentIdField({ description: 'Chosen by the admin and kept for good: the portal\'s other services store it on their resources. A slug: a-z, 0-9 and -, 1 to 64 characters, not starting with -' })
  departmentId!: string;

  @ApiProperty({ minLength: LIMITS.nameMinLength, maxLength: LIMITS.nameMaxLength, description: 'One line: no control or format characters; trimmed', example: 'Eau et assainissement' })
  @FieldRule('name')
  name!: string;
}

@RequestBody()
export class RenameDepartmentRequest {
  @ApiProperty({ minLength: LIMITS.nameMinLength, maxLength: LIMITS.nameMaxLength, description: 'One line: no control or format characters; trimmed. The id stays' })
  @FieldRule('name')
  name!: string;
}
