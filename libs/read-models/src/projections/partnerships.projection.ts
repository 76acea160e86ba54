import { isSealed } from '@roster/event-store';
import { COLLECTIONS } from './read-model.collections';
import { defined, type ProjectedEvent, type WritesBuilder } from './projection-writes';

/**
 * partnerships: one document per partnership (its id), all recorded in the inviting
 * organization's stream: organizationId (A), partnerOrganizationId (B; null while only a
 * contact is known), access, status pending, active, declined, ended or withdrawn (an erasure
 * of the contact). A contact's name is kept for the list, never its e-mail address (personal
 * data): only the id of the key sealing it, by which an erasure and the contact's own access
 * find it (read-model.queries.ts). A partner organization's
 * name and deletion are in its own documents, read with the list and by the check: a
 * projection reads nothing, and a deletion in B's stream must end B's grants at once.
 */
export function projectPartnership({ event, position, at }: ProjectedEvent, out: WritesBuilder): void {
  const organizationId = event.data.organizationId;
  switch (event.type) {
    case 'PartnerInvited': {
      const { partnershipId, partnerOrganizationId, contact, access, invitedBy } = event.data;
      out.create(
        COLLECTIONS.partnerships,
        partnershipId,
        defined({
          organizationId,
          partnerOrganizationId: partnerOrganizationId ?? null,
          partnerName: contact?.name,
          contactEmailKid: isSealed(contact?.contactEmail) ? contact.contactEmail.kid : undefined,
          access,
          status: 'pending',
          invitedAt: at,
          invitedBy,
        }),
        position,
      );
      return;
    }
    case 'PartnershipAccepted': {
      const { partnershipId, partnerOrganizationId, access, acceptedBy, acceptedByRole } = event.data;
      return out.update(COLLECTIONS.partnerships, partnershipId, position, {
        $set: { status: 'active', partnerOrganizationId, access, acceptedAt: at, acceptedBy, acceptedByRole },
      });
    }
    case 'PartnershipDeclined':
      return out.update(COLLECTIONS.partnerships, event.data.partnershipId, position, {
        $set: { status: 'declined', declinedAt: at, declinedBy: event.data.declinedBy },
      });
    case 'PartnerAccessChanged':
      return out.update(COLLECTIONS.partnerships, event.data.partnershipId, position, {
        $set: { access: event.data.to, accessChangedAt: at, accessChangedBy: event.data.changedBy },
      });
    case 'PartnershipEnded':
      return out.update(COLLECTIONS.partnerships, event.data.partnershipId, position, {
        $set: { status: 'ended', endedAt: at, endedBy: event.data.endedBy, endedBySide: event.data.by },
      });
    case 'PersonErased':
      for (const partnershipId of event.data.partnershipIds ?? []) {
        out.update(COLLECTIONS.partnerships, partnershipId, position, { $set: { status: 'withdrawn', withdrawnAt: at, withdrawnBy: event.data.erasedBy } });
      }
      return;
    default:
      return;
  }
}
