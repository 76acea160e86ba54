import { ORGANIZATION_LIMITS, type ImportSystem, type Role, type SourceMember, type SourceOrganization } from '@roster/domain';
import { importedOrganizationId } from '../../../roster/src/command-handling/service-ids';

/**
 * Reads each portal's own API output, as its API serves it, into the organizations Roster
 * imports. Only the fields Roster keeps are read; the others (logos, metrics, e-mail
 * addresses, ...) are left where they are. Rules of the fields themselves are the domain's
 * (import.ts); here: the shape of each format and its role names.
 */

/** One organization of the file: where it is, and what it says, or why it cannot be read. */
export interface SourceRow {
  /** e.g. `data[3] (udata 534fff75a3a7292c64a77de4)`: what a message names. */
  readonly where: string;
  readonly organization?: SourceOrganization;
  /** Why the organization cannot be imported (an unknown role, a member without an id, ...). */
  readonly error?: string;
  /** Why it is left out on purpose (deleted in the source). */
  readonly skipped?: string;
}

/** The file is not what the format's API serves: nothing of it is read. */
export class SourceFormatError extends Error {
  override readonly name = 'SourceFormatError';
}

/** Each portal's role names, mapped to Roster's (DESIGN.md, Roles). */
export const SOURCE_ROLES: Readonly<Record<ImportSystem, Readonly<Record<string, Role>>>> = {
  udata: { admin: 'admin', editor: 'editor' },
  ckan: { admin: 'admin', editor: 'editor', member: 'member' },
  'data-fair': { admin: 'admin', contrib: 'editor', user: 'member' },
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A row whose members cannot be read stops there, naming the member. */
class RowError extends Error {}

export function readSource(system: ImportSystem, file: unknown): SourceRow[] {
  switch (system) {
    case 'udata':
      return readUdata(file);
    case 'ckan':
      return readCkan(file);
    case 'data-fair':
      return readDataFair(file);
  }
}

/** udata `/api/1/organizations/`: one page `{data: [...], page, next_page, ...}`, or an array of pages. */
function readUdata(file: unknown): SourceRow[] {
  const pages = Array.isArray(file) ? file : [file];
  return pages.flatMap((page, p) => {
    if (!isObject(page) || !Array.isArray(page.data)) throw new SourceFormatError('not a udata /api/1/organizations/ page: no data[]');
    const prefix = Array.isArray(file) ? `[${p}].` : '';
    return page.data.map((org: unknown, i) =>
      row('udata', `${prefix}data[${i}]`, org, (o) => ({
        name: o.name,
        description: o.description,
        since: o.created_at,
        skipped: o.deleted ? `deleted in udata on ${String(o.deleted)}` : undefined,
        departments: [],
        members: list(o.members, 'members').map((m, j) => {
          const user = isObject(m.user) ? m.user : {};
          return member('udata', j, user.id, m.role, m.since, null);
        }),
      })),
    );
  });
}

/** CKAN `organization_list?all_fields=true&include_users=true`: `{help, success, result: [...]}`. */
function readCkan(file: unknown): SourceRow[] {
  if (!isObject(file) || !Array.isArray(file.result)) throw new SourceFormatError('not a CKAN organization_list answer: no result[]');
  if (file.success === false) throw new SourceFormatError('the CKAN answer says success: false');
  return file.result.map((org: unknown, i) =>
    row('ckan', `result[${i}]`, org, (o) => ({
      name: text(o.title) || o.name,
      description: o.description,
      // CKAN writes its times in UTC without a zone.
      since: ckanTime(o.created),
      skipped: o.state !== undefined && o.state !== 'active' ? `${String(o.state)} in CKAN` : undefined,
      departments: [],
      // CKAN has no membership date (a user's `created` is the account's).
      members: list(o.users, 'users').map((u, j) => member('ckan', j, u.id, u.capacity, null, null, 'users')),
    })),
  );
}

/** Data Fair's simple-directory organizations, each with its `members` and `departments`: `{count, results: [...]}` or an array. */
function readDataFair(file: unknown): SourceRow[] {
  const results = Array.isArray(file) ? file : isObject(file) ? file.results : undefined;
  if (!Array.isArray(results)) throw new SourceFormatError('not a simple-directory organizations list: no results[]');
  const prefix = Array.isArray(file) ? '' : 'results';
  return results.map((org: unknown, i) =>
    row('data-fair', `${prefix}[${i}]`, org, (o) => ({
      name: o.name,
      description: o.description ?? '',
      since: isObject(o.created) ? o.created.date : null,
      skipped: undefined,
      departments: list(o.departments, 'departments').map((d) => ({ departmentId: d.id as string, name: (text(d.name) || d.id) as string })),
      members: list(o.members, 'members').map((m, j) => member('data-fair', j, m.id, m.role, null, text(m.department) || null)),
    })),
  );
}

interface ReadFields {
  readonly name: unknown;
  readonly description: unknown;
  readonly since: unknown;
  readonly skipped: string | undefined;
  readonly departments: { departmentId: string; name: string }[];
  readonly members: SourceMember[];
}

function row(system: ImportSystem, at: string, org: unknown, read: (o: Json) => ReadFields): SourceRow {
  const id = isObject(org) ? (typeof org.id === 'number' ? String(org.id) : text(org.id)) : undefined;
  const where = `${at} (${system} ${id ?? 'without an id'})`;
  if (!isObject(org) || id === undefined || id.length === 0) return { where, error: 'an organization needs an id' };
  try {
    const fields = read(org);
    if (fields.skipped !== undefined) return { where, skipped: fields.skipped };
    const description = typeof fields.description === 'string' ? fields.description : '';
    return {
      where,
      organization: {
        organizationId: importedOrganizationId(system, id),
        source: { system, id, since: typeof fields.since === 'string' ? fields.since : null },
        name: fields.name as string,
        // Roster keeps a shorter description than some portals: the rest stays in the source.
        description: description.slice(0, ORGANIZATION_LIMITS.descriptionMaxLength),
        departments: fields.departments,
        members: fields.members,
      },
    };
  } catch (error) {
    if (error instanceof RowError) return { where, error: error.message };
    throw error;
  }
}

function list(value: unknown, field: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RowError(`${field} is not a list`);
  return value.map((item, index) => {
    if (!isObject(item)) throw new RowError(`${field}[${index}] is not an object`);
    return item;
  });
}

function member(system: ImportSystem, index: number, userId: unknown, role: unknown, since: unknown, departmentId: string | null, field = 'members'): SourceMember {
  const id = typeof userId === 'number' ? String(userId) : text(userId);
  const at = `${field}[${index}]${id ? ` (user ${id.slice(0, 128)})` : ''}`;
  if (!id) throw new RowError(`${at}: a member needs a user id`);
  const roles = SOURCE_ROLES[system];
  const mapped = typeof role === 'string' && Object.hasOwn(roles, role) ? roles[role] : undefined;
  if (mapped === undefined) throw new RowError(`${at}: unknown role ${JSON.stringify(role)} (${system} roles: ${Object.keys(roles).join(', ')})`);
  return { userId: id, role: mapped, departmentId, since: typeof since === 'string' ? since : null };
}

function ckanTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
}
