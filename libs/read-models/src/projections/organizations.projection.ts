import { COLLECTIONS } from './read-model.collections';
import { incrementsOf, roleDeltas } from './member-counts';
import { defined, type ProjectedEvent, type WritesBuilder } from './projection-writes';

/**
 * organizations: one document per organization with its profile, status, member counts by
 * role and created/updated times. Every event of the organization touches it, so its
 * `lastPosition` is the position of the organization's last event.
 */
export function projectOrganization(projected: ProjectedEvent, out: WritesBuilder): void {
  const { event, position, at, actor } = projected;
  const id = event.data.organizationId;
  const inc = incrementsOf(roleDeltas(projected), 'memberCounts.');
  const withInc = Object.keys(inc).length > 0 ? { $inc: inc } : {};
  switch (event.type) {
    case 'OrganizationCreated':
      out.upsert(
        COLLECTIONS.organizations,
        id,
        { memberCounts: { member: 0, editor: 0, admin: 0 } },
        position,
        {
          $set: {
            name: event.data.name,
            description: event.data.description,
            status: 'active',
            createdAt: at,
            createdBy: event.data.createdBy,
            updatedAt: at,
          },
          ...withInc,
        },
      );
      return;
    case 'OrganizationProfileUpdated':
      out.update(COLLECTIONS.organizations, id, position, {
        $set: defined({ name: event.data.name, description: event.data.description, updatedAt: at, updatedBy: actor }),
      });
      return;
    case 'OrganizationDeleted':
      out.update(COLLECTIONS.organizations, id, position, {
        $set: { status: 'deleted', deletedAt: at, deletedBy: event.data.deletedBy, updatedAt: at },
      });
      return;
    default:
      out.update(COLLECTIONS.organizations, id, position, { $set: { updatedAt: at }, ...withInc });
  }
}
