import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class ChangeRoleRequest {
  @ApiProperty({ enum: ROLES, description: 'Promoting an editor to admin is how admins are made' })
  @FieldRule('role')
  role!: Role;
}
