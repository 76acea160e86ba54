import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class CreateOrganizationRequest {
  @FieldRule('name', { example: 'Région Sud open data' })
  name!: string;

  @FieldRule('description', { optional: true })
  description?: string;
}

@RequestBody()
export class UpdateOrganizationProfileRequest {
  @FieldRule('name', { optional: true })
  name?: string;

  @FieldRule('description', { optional: true })
  description?: string;
}
