import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EMAIL_SHAPE, ORGANIZATION_LIMITS as LIMITS, PARTNER_ACCESSES, type PartnerAccess } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

const ACCESS_DESCRIPTION =
  "The partnership's ceiling: `read` (its members read the resources shared with partners) or `write` (its editors and admins also change them)";

/**
 * Invite a partner by its id, or by a name and a contact e-mail when it is not on the portal
 * yet (exactly one way: the domain refuses both or neither with VALIDATION.PARTNER, and the
 * schema's oneOf says so).
 */
@RequestBody({ oneOf: [{ required: ['partnerOrganizationId'] }, { required: ['name', 'contactEmail'] }] })
export class InvitePartnerRequest {
  @ApiPropertyOptional({ format: 'uuid', description: 'The organization invited as a partner, by id' })
  @FieldRule('partnerOrganizationId', { optional: true })
  partnerOrganizationId?: string;

  @ApiPropertyOptional({
    description: 'A partner not known yet: its name (give it with contactEmail). One line: no control or format characters',
    minLength: LIMITS.nameMinLength,
    maxLength: LIMITS.nameMaxLength,
  })
  @FieldRule('name', { optional: true })
  name?: string;

  @ApiPropertyOptional({
    description: "A partner not known yet: its contact's e-mail (personal data), compared trimmed and lower-cased with the accepting admin's verified e-mail",
    maxLength: LIMITS.emailMaxLength,
    pattern: EMAIL_SHAPE.source,
  })
  @FieldRule('contactEmail', { optional: true })
  contactEmail?: string;

  @ApiProperty({ enum: PARTNER_ACCESSES, description: ACCESS_DESCRIPTION })
  @FieldRule('access')
  access!: PartnerAccess;
}

/** Empty for an invitation by id; for a contact invitation, the organization that becomes the partner. */
@RequestBody()
export class AcceptPartnershipRequest {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "A contact invitation: the accepting admin's organization that becomes the partner (by id: omit it, or name the invited one)",
  })
  @FieldRule('organizationId', { optional: true })
  organizationId?: string;
}

@RequestBody()
export class ChangePartnerAccessRequest {
  @ApiProperty({ enum: PARTNER_ACCESSES, description: ACCESS_DESCRIPTION })
  @FieldRule('access')
  access!: PartnerAccess;
}
