import { COLLECTIONS } from './read-model.collections';
import { incrementsOf, roleDeltas } from './member-counts';
import { defined, type ProjectedEvent, type WritesBuilder } from './projection-writes';

/**
 * organizations: one document per organization with its profile, status, member counts by
 * role and created/updated times (updated: the profile or the member counts changed), and
 * `needsAdmin` while an erasure has left it without an organization-wide admin.
 */
export function projectOrganization(projected: ProjectedEvent, out: WritesBuilder): void {
  const { event, position, at, actor } = projected;
  const id = event.data.organizationId;
  const inc = incrementsOf(roleDeltas(projected), 'memberCounts.');
  const withInc = Object.keys(inc).length > 0 ? { $inc: inc } : {};
  switch (event.type) {
    case 'OrganizationCreated':
    case 'OrganizationImported': {
      // The creator is the first admin; an imported organization's members follow as MemberImported, each counted as it comes.
      const created = event.type === 'OrganizationCreated';
      out.create(
        COLLECTIONS.organizations,
        id,
        {
          name: event.data.name,
          description: event.data.description,
          status: 'active',
          memberCounts: { member: 0, editor: 0, admin: created ? 1 : 0 },
          createdAt: at,
          createdBy: created ? event.data.createdBy : event.data.importedBy,
          updatedAt: at,
          ...(created ? {} : { importedFrom: { system: event.data.source.system, id: event.data.source.id, createdAt: event.data.source.since } }),
        },
        position,
      );
      return;
    }
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
    case 'OrganizationLeftWithoutAdmin':
    case 'OrganizationAdminRestored':
      out.update(COLLECTIONS.organizations, id, position, { $set: { needsAdmin: event.type === 'OrganizationLeftWithoutAdmin', updatedAt: at } });
      return;
    default:
      // Only membership changes touch the organization (its counts); requests and invitations do not.
      if (Object.keys(inc).length > 0) out.update(COLLECTIONS.organizations, id, position, { $set: { updatedAt: at }, ...withInc });
  }
}
