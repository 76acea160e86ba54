import type { Role } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class ChangeRoleRequest {
  @FieldRule('role', { description: 'Promoting an editor to admin is how admins are made' })
  role!: Role;
}
