import { COLLECTIONS, departmentDocumentId } from './read-model.collections';
import type { ProjectedEvent, WritesBuilder } from './projection-writes';

/**
 * departments: one document per (organization, department id) with its name, kept after a
 * removal (status `removed`) so that an id added again later updates it in place. How many
 * members a department has is counted from the memberships when asked: a removal or a
 * departure does not name the member's department, and a projection reads nothing.
 */
export function projectDepartment({ event, position, at }: ProjectedEvent, out: WritesBuilder): void {
  const organizationId = event.data.organizationId;
  switch (event.type) {
    case 'DepartmentAdded': {
      const { departmentId, name, addedBy } = event.data;
      return out.upsert(COLLECTIONS.departments, departmentDocumentId(organizationId, departmentId), { organizationId, departmentId }, position, {
        $set: { name, status: 'active', addedAt: at, addedBy, removedAt: null, removedBy: null },
      });
    }
    case 'DepartmentRenamed':
      return out.update(COLLECTIONS.departments, departmentDocumentId(organizationId, event.data.departmentId), position, {
        $set: { name: event.data.to, renamedAt: at, renamedBy: event.data.renamedBy },
      });
    case 'DepartmentRemoved':
      return out.update(COLLECTIONS.departments, departmentDocumentId(organizationId, event.data.departmentId), position, {
        $set: { status: 'removed', removedAt: at, removedBy: event.data.removedBy },
      });
    default:
      return;
  }
}
