import { recordedPlacement } from '@roster/domain';
import { COLLECTIONS } from './read-model.collections';
import { defined, type ProjectedEvent, type WritesBuilder } from './projection-writes';

/**
 * invitations and join_requests: pending ones with who, role, message and expiry; handled
 * ones keep the outcome, when and by whom. An invitation's expiry is not an event: readers
 * compare `expiresAt` with their clock.
 */
export function projectInvitationsAndRequests({ event, position, at }: ProjectedEvent, out: WritesBuilder): void {
  const organizationId = event.data.organizationId;
  const handled = (collection: string, id: string, status: string, by: string, extra: Record<string, unknown> = {}) => {
    const $set = defined(extra);
    $set.status = status;
    $set.handledAt = at;
    $set.handledBy = by;
    out.update(collection, id, position, { $set });
  };
  switch (event.type) {
    case 'MemberInvited': {
      const { invitationId, invitee, role, invitedBy, expiresAt, replacesInvitationId } = event.data;
      const placement = recordedPlacement(event.data, role);
      if (replacesInvitationId) {
        handled(COLLECTIONS.invitations, replacesInvitationId, 'replaced', invitedBy, { replacedBy: invitationId });
      }
      out.create(
        COLLECTIONS.invitations,
        invitationId,
        defined({
          organizationId,
          invitee,
          inviteeUserId: invitee.kind === 'user' ? invitee.userId : undefined,
          inviteeEmail: invitee.kind === 'email' ? invitee.email : undefined,
          role,
          invitedBy,
          invitedAt: at,
          expiresAt,
          replacesInvitationId,
          departmentId: placement.departmentId,
          defaultDatasetRole: placement.defaultDatasetRole,
          status: 'pending',
        }),
        position,
      );
      return;
    }
    case 'InvitationAccepted':
      return handled(COLLECTIONS.invitations, event.data.invitationId, 'accepted', event.data.userId, {
        acceptedBy: event.data.userId,
      });
    case 'InvitationDeclined':
      return handled(COLLECTIONS.invitations, event.data.invitationId, 'declined', event.data.userId);
    case 'InvitationRevoked':
      return handled(COLLECTIONS.invitations, event.data.invitationId, 'revoked', event.data.revokedBy);
    case 'InvitationResent':
      // Still pending, with its new expiry; decide resends only a pending one.
      return out.update(COLLECTIONS.invitations, event.data.invitationId, position, {
        $set: { expiresAt: event.data.expiresAt, resentAt: at, resentBy: event.data.resentBy },
      });
    case 'JoinRequested':
      out.create(
        COLLECTIONS.joinRequests,
        event.data.requestId,
        defined({ organizationId, userId: event.data.userId, message: event.data.message, requestedAt: at, status: 'pending' }),
        position,
      );
      return;
    case 'JoinRequestCancelled':
      return handled(COLLECTIONS.joinRequests, event.data.requestId, 'cancelled', event.data.userId);
    case 'JoinApproved':
      return handled(COLLECTIONS.joinRequests, event.data.requestId, 'approved', event.data.approvedBy, {
        grantedRole: event.data.role,
      });
    case 'PersonErased':
      for (const invitationId of event.data.invitationIds) handled(COLLECTIONS.invitations, invitationId, 'withdrawn', event.data.erasedBy);
      for (const requestId of event.data.requestIds) handled(COLLECTIONS.joinRequests, requestId, 'withdrawn', event.data.erasedBy);
      return;
    case 'JoinRejected':
      return handled(COLLECTIONS.joinRequests, event.data.requestId, 'rejected', event.data.rejectedBy, {
        reason: event.data.reason,
      });
    default:
      return;
  }
}
