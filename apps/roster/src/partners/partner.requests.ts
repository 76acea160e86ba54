import type { PartnerAccess } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

/**
 * Invite a partner by its id, or by a name and a contact e-mail when it is not on the portal
 * yet (exactly one way: the domain refuses both or neither with VALIDATION.PARTNER, and the
 * schema's oneOf says so).
 */
@RequestBody({
  oneOf: [
    { required: ['partnerOrganizationId'], not: { anyOf: [{ required: ['name'] }, { required: ['contactEmail'] }] } },
    { required: ['name', 'contactEmail'], not: { required: ['partnerOrganizationId'] } },
  ],
})
export class InvitePartnerRequest {
  @FieldRule('partnerOrganizationId', { optional: true, description: 'The organization invited as a partner, by id' })
  partnerOrganizationId?: string;

  @FieldRule('name', { optional: true, description: 'A partner not known yet: its name (give it with contactEmail)' })
  name?: string;

  @FieldRule('contactEmail', {
    optional: true,
    description: "A partner not known yet: its contact's e-mail, compared with the accepting admin's verified e-mail (give it with name)",
  })
  contactEmail?: string;

  @FieldRule('access')
  access!: PartnerAccess;
}

/** Empty for an invitation by id; for a contact invitation, the organization that becomes the partner. */
@RequestBody()
export class AcceptPartnershipRequest {
  @FieldRule('organizationId', {
    optional: true,
    description: "A contact invitation: the accepting admin's organization that becomes the partner (by id: omit it, or name the invited one)",
  })
  organizationId?: string;
}

@RequestBody()
export class ChangePartnerAccessRequest {
  @FieldRule('access')
  access!: PartnerAccess;
}
