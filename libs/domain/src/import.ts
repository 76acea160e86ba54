import type { CommandContext, SourceMember, SourceOrganization } from './commands';
import { defaultDatasetRoleFor } from './dataset-roles';
import { conflict, forbidden, validation } from './errors';
import type { EventOfType, OrganizationEvent } from './events';
import { IMPORT_SYSTEMS } from './events';
import { assertValidId, validDepartmentId, validDescription, validName, validRole, validUserId } from './fields';
import { evolve, IMPORT_COMMAND, type ImportSnapshot, type OrganizationState } from './organization.state';
import { platformRoleAllowing } from './permissions';

/**
 * `roster import`: an organization as another portal has it now, recorded in one append.
 *
 * The first import records the organization (OrganizationImported), its departments
 * (DepartmentAdded) and its members (MemberImported), with the source's provenance.
 * A later import compares the source with the snapshot the last import recorded
 * (state.imported) and appends the ordinary events for what changed in the source since
 * (MemberImported, MemberRoleChanged, MemberDepartmentChanged, MemberRemoved,
 * DepartmentAdded, DepartmentRenamed, OrganizationProfileUpdated), under the command
 * ImportOrganization.
 *
 * The rule that never undoes Roster: a change in the source is applied only where Roster
 * still holds what the last import recorded. A member added in Roster stays; one removed in
 * Roster is not added back; a role, a department or a profile changed in Roster since is
 * kept. Departments gone from the source stay (remove them in Roster). A deleted
 * organization stays deleted. Nothing changed in the source: nothing appended.
 */
export function importOrganization(data: SourceOrganization, state: OrganizationState, context: CommandContext): OrganizationEvent[] {
  if (!platformRoleAllowing(context.actor.platformRoles, 'organization.update')) {
    throw forbidden('PERMISSION.DENIED', 'Only a superadmin imports organizations');
  }
  const source = validSource(data);
  if (state.status === 'deleted') return [];
  const importedBy = context.actor.userId;
  let events: OrganizationEvent[];
  if (state.status === 'none') {
    events = [
      event('OrganizationImported', { organizationId: source.organizationId, name: source.name, description: source.description, importedBy, source: source.source }),
      ...source.departments.map((d) => event('DepartmentAdded', { organizationId: source.organizationId, departmentId: d.departmentId, name: d.name, addedBy: importedBy })),
      ...source.members.map((member) => memberImported(source, member, importedBy)),
    ];
  } else {
    const snapshot = state.imported;
    if (snapshot === undefined || snapshot.system !== source.source.system || snapshot.sourceId !== source.source.id) {
      throw conflict('ORGANIZATION.ALREADY_EXISTS', `Organization ${source.organizationId} exists and was not imported from ${source.source.system} ${source.source.id}`);
    }
    events = changesSince(snapshot, source, state, importedBy);
  }
  if (events.length > 0) assertKeepsAnOrganizationWideAdmin(source, state, events);
  return events;
}

/** What changed in the source since the last import, where Roster still holds what that import recorded. */
function changesSince(snapshot: ImportSnapshot, source: SourceOrganization, state: OrganizationState, by: string): OrganizationEvent[] {
  const organizationId = source.organizationId;
  const events: OrganizationEvent[] = [];
  const profile: { name?: string; description?: string } = {};
  if (source.name !== snapshot.name && state.name === snapshot.name) profile.name = source.name;
  if (source.description !== snapshot.description && state.description === snapshot.description) profile.description = source.description;
  if (Object.keys(profile).length > 0) events.push(event('OrganizationProfileUpdated', { organizationId, ...profile }));

  for (const { departmentId, name } of source.departments) {
    const before = snapshot.departments.get(departmentId);
    const now = state.departments.get(departmentId);
    if (before === undefined && now === undefined) events.push(event('DepartmentAdded', { organizationId, departmentId, name, addedBy: by }));
    else if (before !== undefined && before !== name && now?.name === before) {
      events.push(event('DepartmentRenamed', { organizationId, departmentId, from: before, to: name, renamedBy: by }));
    }
  }

  const inSource = new Set<string>();
  for (const member of source.members) {
    inSource.add(member.userId);
    const before = snapshot.members.get(member.userId);
    const now = state.members.get(member.userId);
    if (before === undefined) {
      if (now === undefined) {
        assertDepartmentKept(source, state, member);
        events.push(memberImported(source, member, by));
      }
      continue;
    }
    if (now === undefined) continue; // removed in Roster since: not added back
    if (member.role !== before.role && now.role === before.role) {
      events.push(event('MemberRoleChanged', { organizationId, userId: member.userId, from: now.role, to: member.role, changedBy: by }));
    }
    if (member.departmentId !== before.departmentId && now.departmentId === before.departmentId) {
      assertDepartmentKept(source, state, member);
      events.push(event('MemberDepartmentChanged', { organizationId, userId: member.userId, from: now.departmentId, to: member.departmentId, changedBy: by }));
    }
  }
  for (const [userId, before] of snapshot.members) {
    if (inSource.has(userId)) continue;
    const now = state.members.get(userId);
    if (now !== undefined && now.role === before.role && now.departmentId === before.departmentId) {
      events.push(event('MemberRemoved', { organizationId, userId, role: now.role, removedBy: by }));
    }
  }
  return events;
}

function memberImported(source: SourceOrganization, member: SourceMember, importedBy: string): OrganizationEvent {
  return event('MemberImported', {
    organizationId: source.organizationId,
    userId: member.userId,
    role: member.role,
    importedBy,
    source: { ...source.source, since: member.since },
    departmentId: member.departmentId,
    defaultDatasetRole: defaultDatasetRoleFor(member.role),
  });
}

/** A department removed in Roster since is not added back, so nobody is placed in it. */
function assertDepartmentKept(source: SourceOrganization, state: OrganizationState, member: SourceMember): void {
  const id = member.departmentId;
  if (id !== null && !state.departments.has(id) && state.imported?.departments.has(id)) {
    throw conflict('IMPORT.DEPARTMENT_REMOVED', `member ${member.userId}: department ${id} was removed in Roster since the last import of ${source.source.system} ${source.source.id}`);
  }
}

/** The last-admin rule, on the organization as the append would leave it (a new one: as the source has it). */
function assertKeepsAnOrganizationWideAdmin(source: SourceOrganization, state: OrganizationState, events: readonly OrganizationEvent[]): void {
  const hasOne =
    state.status === 'none'
      ? source.members.some((member) => member.role === 'admin' && member.departmentId === null)
      : // One an erasure left without an admin (state.withoutAdmin) takes the source's other changes still.
        state.organizationWideAdminCount === 0 || events.reduce((folded, e) => evolve(folded, e, { command: IMPORT_COMMAND }), state).organizationWideAdminCount > 0;
  if (!hasOne) {
    throw conflict(
      state.status === 'none' ? 'IMPORT.NO_ADMIN' : 'MEMBERSHIP.LAST_ADMIN',
      `${source.source.system} organization ${source.source.id} would have no organization-wide admin: Roster needs at least one`,
    );
  }
}

/** The source organization, each field by the command rules; a member is named by its index and user id. */
function validSource(data: SourceOrganization): SourceOrganization {
  assertValidId(data.organizationId, 'organizationId');
  const system = data.source?.system;
  if (!(IMPORT_SYSTEMS as readonly unknown[]).includes(system)) throw validation('VALIDATION.IMPORT_SOURCE', `source must be one of ${IMPORT_SYSTEMS.join(', ')}`);
  assertValidId(data.source.id, 'source id');
  const departments = data.departments.map((d, index) => {
    const at = `departments[${index}]`;
    return { departmentId: named(at, () => validDepartmentId(d.departmentId)), name: named(at, () => validName(d.name)) };
  });
  const departmentIds = new Set<string>();
  for (const [index, d] of departments.entries()) {
    if (departmentIds.has(d.departmentId)) throw validation('IMPORT.DUPLICATE_DEPARTMENT', `departments[${index}]: department ${d.departmentId} appears twice`);
    departmentIds.add(d.departmentId);
  }
  const userIds = new Set<string>();
  const members = data.members.map((member, index) => {
    const at = `members[${index}] (user ${String(member.userId).slice(0, 128)})`;
    const userId = named(at, () => validUserId(member.userId));
    if (userIds.has(userId)) throw validation('IMPORT.DUPLICATE_MEMBER', `${at}: the same user appears twice in the organization`);
    userIds.add(userId);
    const departmentId = member.departmentId === null ? null : named(at, () => validDepartmentId(member.departmentId));
    if (departmentId !== null && !departmentIds.has(departmentId)) {
      throw validation('IMPORT.UNKNOWN_DEPARTMENT', `${at}: department ${departmentId} is not among the organization's departments`);
    }
    return { userId, role: named(at, () => validRole(member.role)), departmentId, since: validSince(at, member.since) };
  });
  return {
    organizationId: data.organizationId,
    source: { system: data.source.system, id: data.source.id, since: validSince('source', data.source.since) },
    name: validName(data.name),
    description: validDescription(data.description),
    departments,
    members,
  };
}

function validSince(at: string, value: string | null): string | null {
  if (value === null) return null;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw validation('VALIDATION.IMPORT_DATE', `${at}: "${String(value).slice(0, 64)}" is not a date`);
  return new Date(time).toISOString();
}

/** Runs a field rule and names where the field was. */
function named<T>(at: string, rule: () => T): T {
  try {
    return rule();
  } catch (error) {
    if (error instanceof Error) error.message = `${at}: ${error.message}`;
    throw error;
  }
}

function event<T extends OrganizationEvent['type']>(type: T, data: EventOfType<T>['data']): OrganizationEvent {
  return { type, data } as OrganizationEvent;
}
