import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '@roster/domain';
import { IsIn } from 'class-validator';

export class ChangeRoleRequest {
  @ApiProperty({ enum: ROLES, description: 'Promoting an editor to admin is how admins are made' })
  @IsIn(ROLES)
  role!: Role;
}
