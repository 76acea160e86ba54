import { FieldRule, RequestBody } from '../http/validation';

/** What invitations and approvals say about the placement and the default dataset role. */
export const PLACEMENT_DESCRIPTIONS = {
  departmentId:
    "The department to place the person in; null: organization-wide. Absent: a department admin's own department, else organization-wide",
  defaultDatasetRole: 'Absent: follows the role (member: reader, editor: contributor, admin: manager) and is recorded as such',
} as const;

@RequestBody()
export class AddDepartmentRequest {
  @FieldRule('departmentId', { description: 'Chosen by the admin and kept for good: the portal\'s other services store it on their resources. A slug: a-z, 0-9 and -, 1 to 64 characters, not starting with -' })
  departmentId!: string;

  @FieldRule('name', { example: 'Eau et assainissement' })
  name!: string;
}

@RequestBody()
export class RenameDepartmentRequest {
  @FieldRule('name', { description: 'The id stays' })
  name!: string;
}
