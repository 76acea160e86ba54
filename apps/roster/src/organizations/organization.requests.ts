import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_LIMITS as LIMITS } from '@roster/domain';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class CreateOrganizationRequest {
  @ApiProperty({ minLength: LIMITS.nameMinLength, maxLength: LIMITS.nameMaxLength, example: 'Région Sud open data' })
  @IsString()
  @Length(LIMITS.nameMinLength, LIMITS.nameMaxLength)
  name!: string;

  @ApiPropertyOptional({ maxLength: LIMITS.descriptionMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.descriptionMaxLength)
  description?: string;
}

export class UpdateOrganizationProfileRequest {
  @ApiPropertyOptional({ minLength: LIMITS.nameMinLength, maxLength: LIMITS.nameMaxLength })
  @IsOptional()
  @IsString()
  @Length(LIMITS.nameMinLength, LIMITS.nameMaxLength)
  name?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.descriptionMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.descriptionMaxLength)
  description?: string;
}
