import type { RecordedEvent } from '@roster/event-store';
import type { CollectionWrites } from '../document-store/document-store.port';
import { projectActivity } from './activity.projection';
import { projectDepartment } from './departments.projection';
import { projectInvitationsAndRequests } from './invitations.projection';
import { projectMembership } from './memberships.projection';
import { projectOrganization } from './organizations.projection';
import { projectPartnership } from './partnerships.projection';
import { toProjectedEvent, WritesBuilder } from './projection-writes';

/**
 * Every read model's projection: a batch of recorded events, in position order, to the write
 * operations that bring the documents up to the batch's last position. Pure: no reads, no
 * clock; the same batch always gives the same operations.
 */
export function projectBatch(events: readonly RecordedEvent[]): CollectionWrites {
  const out = new WritesBuilder();
  for (const recorded of events) {
    const projected = toProjectedEvent(recorded);
    if (!projected) continue;
    projectOrganization(projected, out);
    projectMembership(projected, out);
    projectInvitationsAndRequests(projected, out);
    projectDepartment(projected, out);
    projectPartnership(projected, out);
    projectActivity(projected, out);
  }
  return out.build();
}
