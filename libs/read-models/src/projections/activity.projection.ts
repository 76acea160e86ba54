import { COLLECTIONS } from './read-model.collections';
import { incrementsOf, roleDeltas } from './member-counts';
import { defined, type ProjectedEvent, type WritesBuilder } from './projection-writes';

/**
 * The dashboard's two histories. activity: one document per event (who did what, when, to
 * whom), inserted once under the event's id. member_counts_daily: per organization and UTC
 * day, the change of the member count by role; readers add the days up into a series.
 */
export function projectActivity(projected: ProjectedEvent, out: WritesBuilder): void {
  const { id, event, position, at, actor } = projected;
  const organizationId = event.data.organizationId;
  const data = event.data as { userId?: string; role?: string; departmentId?: string | null; invitee?: { userId?: string; email?: string } };
  // `to` is a role only in MemberRoleChanged; a department change's `to` is the department.
  const role = event.type === 'MemberRoleChanged' ? event.data.to : data.role;
  const departmentId = event.type === 'MemberDepartmentChanged' ? event.data.to : data.departmentId;
  out.create(
    COLLECTIONS.activity,
    id,
    defined({
      organizationId,
      position,
      at,
      type: event.type,
      actor,
      subjectUserId: data.userId ?? data.invitee?.userId,
      subjectEmail: data.invitee?.email,
      role,
      departmentId,
    }),
    position,
  );

  const deltas = roleDeltas(projected);
  if (deltas.length === 0) return;
  const day = at.slice(0, 10);
  out.upsert(
    COLLECTIONS.memberCountsDaily,
    `${organizationId}:${day}`,
    { organizationId, day, delta: { member: 0, editor: 0, admin: 0 } },
    position,
    { $inc: incrementsOf(deltas, 'delta.') },
  );
}
