import { recordedPlacement, type MembershipSource, type Placement, type Role } from '@roster/domain';
import { COLLECTIONS, membershipId } from './read-model.collections';
import type { ProjectedEvent, WritesBuilder } from './projection-writes';

/**
 * memberships: one document per (organization, user), kept after the membership ends
 * (status `left`, `removed` or `erased`) so that a later re-join updates it in place and a replay
 * can never resurrect an old state. `organizationStatus` lets a user's list leave out
 * deleted organizations without a join. Each carries the member's department (null:
 * organization-wide) and default dataset role, as the upcast event or a later change says.
 */
export function projectMembership({ event, position, at, actor }: ProjectedEvent, out: WritesBuilder): void {
  const organizationId = event.data.organizationId;
  const activate = (userId: string, role: Role, via: MembershipSource, grantedBy: string, placement: Placement, since = at) =>
    out.upsert(
      COLLECTIONS.memberships,
      membershipId(organizationId, userId),
      { organizationId, userId, organizationStatus: 'active' },
      position,
      { $set: { role, status: 'active', since, via, grantedBy, endedAt: null, endedBy: null, ...recordedPlacement(placement, role) } },
    );
  const change = (userId: string, fields: Record<string, unknown>) =>
    out.update(COLLECTIONS.memberships, membershipId(organizationId, userId), position, { $set: fields });
  const end = (userId: string, status: 'left' | 'removed' | 'erased', by: string) =>
    out.update(COLLECTIONS.memberships, membershipId(organizationId, userId), position, {
      $set: { status, endedAt: at, endedBy: by },
    });
  switch (event.type) {
    case 'OrganizationCreated':
      return activate(event.data.createdBy, 'admin', 'creation', event.data.createdBy, {
        departmentId: null,
        defaultDatasetRole: event.data.creatorDefaultDatasetRole,
      });
    case 'InvitationAccepted':
      return activate(event.data.userId, event.data.role, 'invitation', actor, event.data);
    case 'JoinApproved':
      return activate(event.data.userId, event.data.role, 'join-request', event.data.approvedBy, event.data);
    case 'MemberImported':
      // Dated as the source dated it, as the command fold and as-of do.
      return activate(event.data.userId, event.data.role, 'import', event.data.importedBy, event.data, event.data.source.since ?? at);
    case 'MemberRoleChanged':
      return change(event.data.userId, { role: event.data.to, roleChangedAt: at, roleChangedBy: event.data.changedBy });
    case 'MemberDepartmentChanged':
      return change(event.data.userId, { departmentId: event.data.to ?? null });
    case 'DefaultDatasetRoleChanged':
      return change(event.data.userId, { defaultDatasetRole: event.data.to });
    case 'MemberRemoved':
      return end(event.data.userId, 'removed', event.data.removedBy);
    case 'MemberLeft':
      return end(event.data.userId, 'left', event.data.userId);
    case 'PersonErased':
      // The document of a person who was not a member there stays missing (update only).
      return event.data.role === undefined ? undefined : end(event.data.userId, 'erased', event.data.erasedBy);
    case 'OrganizationDeleted':
      // Each membership keeps its own guard: one replayed from an older checkpoint is skipped.
      return out.updateMany(COLLECTIONS.memberships, { organizationId }, position, {
        $set: { organizationStatus: 'deleted' },
      });
    default:
      return;
  }
}
