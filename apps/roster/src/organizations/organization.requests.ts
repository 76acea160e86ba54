import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_LIMITS as LIMITS } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

const ONE_LINE = 'One line: no control or format characters';
const MULTI_LINE = 'Line breaks and tabs allowed; no other control or format characters';

@RequestBody()
export class CreateOrganizationRequest {
  @ApiProperty({ minLength: LIMITS.nameMinLength, maxLength: LIMITS.nameMaxLength, description: `${ONE_LINE}; trimmed`, example: 'Région Sud open data' })
  @FieldRule('name')
  name!: string;

  @ApiPropertyOptional({ maxLength: LIMITS.descriptionMaxLength, description: MULTI_LINE })
  @FieldRule('description', { optional: true })
  description?: string;
}

@RequestBody()
export class UpdateOrganizationProfileRequest {
  @ApiPropertyOptional({ minLength: LIMITS.nameMinLength, maxLength: LIMITS.nameMaxLength, description: `${ONE_LINE}; trimmed` })
  @FieldRule('name', { optional: true })
  name?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.descriptionMaxLength, description: MULTI_LINE })
  @FieldRule('description', { optional: true })
  description?: string;
}
