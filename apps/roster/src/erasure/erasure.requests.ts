import { ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_LIMITS as LIMITS } from '@roster/domain';
import { ArrayMaxSize, IsArray } from 'class-validator';
import { FIELD_SCHEMAS } from '../http/openapi';
import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class ErasePersonRequest {
  @ApiPropertyOptional({
    type: 'array',
    items: FIELD_SCHEMAS.email,
    maxItems: LIMITS.erasureEmailsMax,
    description:
      "The person's e-mail addresses whose pending invitations are withdrawn too, beyond the token's verified one (a superadmin or a service names any; the person only their verified one)",
    example: ['bob@example.org'],
  })
  @IsArray()
  @ArrayMaxSize(LIMITS.erasureEmailsMax)
  // Optional, but not null: FieldRule's condition skips the other checks only when it is absent.
  @FieldRule('email', { optional: true, each: true })
  emails?: string[];
}
