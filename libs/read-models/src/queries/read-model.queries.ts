import { defaultDatasetRoleFor, isDatasetRole, isExpired, lastPendingInstant, organizationStreamId, ROLES, type DatasetRole, type PartnerAccess, type Role } from '@roster/domain';
import { LRUCache } from 'lru-cache';
import type { Doc, DocumentStore, Filter, FindOptions } from '../document-store/document-store.port';
import { COLLECTIONS, membershipId, READ_MODEL_COLLECTIONS } from '../projections/read-model.collections';

export type MemberCounts = Record<Role, number>;

export interface OrganizationView {
  readonly organizationId: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'active' | 'deleted';
  readonly memberCounts: MemberCounts;
  readonly memberCount: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly deletedAt?: string;
  /** Present and true while an erasure has left it without an organization-wide admin. */
  readonly needsAdmin?: true;
  /** Position of the last change to this document: profile, status or counts (decimal string). */
  readonly position: string;
}

export interface MemberView {
  readonly userId: string;
  readonly role: Role;
  readonly since: string;
  readonly via: string;
  /** null: organization-wide. */
  readonly departmentId: string | null;
  readonly defaultDatasetRole: DatasetRole;
}

export interface DepartmentView {
  readonly departmentId: string;
  readonly name: string;
  /** Active members restricted to this department. */
  readonly memberCount: number;
}

/** The dashboard's members per department. */
export interface MembersByDepartment {
  readonly departments: readonly DepartmentView[];
  /** Active members not restricted to a department. */
  readonly organizationWide: number;
}

/** One of a person's invitations, as GET /users/:userId/invitations lists them. */
export interface UserInvitationView {
  readonly invitationId: string;
  readonly organizationId: string;
  readonly organizationName: string;
  /** How they were invited: by user id or by e-mail address. */
  readonly invitee: { kind: 'user'; userId: string } | { kind: 'email'; email: string };
  readonly role: Role;
  readonly invitedBy: string;
  readonly invitedAt: string;
  readonly expiresAt: string;
  readonly status: 'pending' | 'expired';
  /** null: organization-wide. */
  readonly departmentId: string | null;
  readonly defaultDatasetRole: DatasetRole;
}

/** One of A's partnerships, pending or active, as A's members list them. */
export interface PartnerView {
  readonly partnershipId: string;
  /** null while a partner invited by contact has not accepted yet (no organization named). */
  readonly partnerOrganizationId: string | null;
  /** The partner organization's current name; for a contact invitation not accepted yet, the name it was given. */
  readonly name: string;
  readonly access: PartnerAccess;
  readonly status: 'pending' | 'active';
  readonly invitedAt: string;
  readonly invitedBy: string;
  readonly acceptedAt?: string;
  readonly acceptedBy?: string;
}

/** An organization that B is an active partner of, as B's members list it. */
export interface PartnerOfView {
  readonly partnershipId: string;
  readonly organizationId: string;
  readonly name: string;
  readonly access: PartnerAccess;
  readonly since: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass it back as `cursor` for the next page. Absent on the last page. */
  readonly nextCursor?: string;
}

export interface MemberCountPoint extends MemberCounts {
  /** UTC day, YYYY-MM-DD: the counts at the end of that day (days without change are omitted). */
  readonly day: string;
  readonly total: number;
}

/** What the read models hold about one person (RGPD article 15). */
export interface PersonalData {
  readonly memberships: Array<Record<string, unknown>>;
  readonly invitations: Array<Record<string, unknown>>;
  readonly joinRequests: Array<Record<string, unknown>>;
  /** Partnership invitations to them as a partner's contact (by their address's key). */
  readonly partnerInvitations: Array<Record<string, unknown>>;
  readonly history: Array<Record<string, unknown>>;
}

/**
 * An invitation's e-mail address is stored sealed (no plaintext to look up): it is found by
 * the id of its owner's key, which the sealed value names.
 */
const SEALED_EMAIL_KEY_ID = 'inviteeEmail.kid';
/** Likewise a partner's contact address (partnerships.projection.ts keeps only the key id). */
const SEALED_CONTACT_KEY_ID = 'contactEmailKid';

const ZERO_COUNTS: MemberCounts = { member: 0, editor: 0, admin: 0 };

/** A personal value a document copied from an event (sealed: see toProjectedEvent), where it came from. */
export interface PersonalField {
  readonly value: unknown;
  /** Its path in the event, e.g. `data.message`. */
  readonly field: string;
  readonly streamId: string;
}

/**
 * A value read: at once when the store answers without I/O (the embedded store's findSync),
 * else a promise. Measured: the dashboard's reads over the embedded store made some thirty
 * promises per request, each costing more under the request context's AsyncLocalStorage.
 */
export type Found<T> = T | Promise<T>;

/** `next(value)` once `value` is read: at once when it already is, with no promise. */
export function onceFound<T, U>(value: Found<T>, next: (value: T) => Found<U>): Found<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Every value once read (Promise.all when one is a promise; the values themselves when none is). */
export function allFound<T extends readonly unknown[]>(values: { readonly [K in keyof T]: Found<T[K]> }): Found<T> {
  for (const value of values) if (value instanceof Promise) return Promise.all(values) as Promise<T>;
  return values as unknown as T;
}

/**
 * Opens personal values, in order: plaintext, or the erased marker. One call for all the
 * values of an answer (PersonalDataVault.openFieldsNow, else openFields).
 */
export type PersonalFieldOpener = (fields: readonly PersonalField[]) => Found<unknown[]>;

const asStored: PersonalFieldOpener = (fields) => fields.map((field) => field.value);

/**
 * How long the values a PersonalFieldOpener opened may be shown again without opening them
 * anew: while `generation()` stays the same (the vault's, grown by every key destroyed or
 * forgotten) and for `ttlMs` at most (the time the vault trusts a key in memory).
 */
export interface OpenedValuesLifetime {
  generation(): number;
  readonly ttlMs: number;
}

/** asStored's values are the stored ones: they change only with the documents. */
const STORED_VALUES: OpenedValuesLifetime = { generation: () => 0, ttlMs: 60_000 };

/**
 * Dashboards kept at most (by organization and what its caller may see), and the items of
 * their lists kept at most in all (an organization's pending invitations and requests are
 * all listed: a crowded one's dashboard holds thousands).
 */
const KEPT_DASHBOARDS = 1_000;
const KEPT_DASHBOARD_ITEMS = 100_000;

/** A dashboard's reads as made, for as long as the store's `changes` hold and until `until` (ms); all are dropped when the opener's generation grows. */
interface KeptDashboard {
  readonly changes: number;
  readonly until: number;
  readonly reads: DashboardReads;
}

/** Where a personal value sits in a document: `invitee.email` one level down, else a field of its own. */
const valueAt = (doc: Doc, key: string): unknown => (key === 'invitee.email' ? (doc.invitee as Record<string, unknown> | undefined)?.email : doc[key]);

const NOT_SEEN = Symbol('not seen');

/** The personal values of a join request, an invitation, an activity entry (document key → event field). */
const JOIN_REQUEST_FIELDS: Readonly<Record<string, string>> = { message: 'data.message', reason: 'data.reason' };
const INVITATION_FIELDS: Readonly<Record<string, string>> = { 'invitee.email': 'data.invitee.email' };
const ACTIVITY_FIELDS: Readonly<Record<string, string>> = { subjectEmail: 'data.invitee.email' };

/** A members page: by role and department when given, `limit` from after `cursor` (a user id). */
export interface MembersOptions {
  readonly role?: Role;
  readonly departmentId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** What the dashboard reads: members per role, the activity's length and visible types, and whether pending requests and invitations are shown. */
export interface DashboardReadOptions {
  readonly membersPerRole: number;
  readonly activity: number;
  readonly activityTypes?: readonly string[];
  readonly joinRequests: boolean;
  readonly invitations: boolean;
}

export interface DashboardReads {
  readonly membersByRole: Record<Role, MemberView[]>;
  readonly membersByDepartment: MembersByDepartment;
  readonly recentActivity: Array<Record<string, unknown>>;
  readonly memberCountsOverTime: MemberCountPoint[];
  /** Pending, when asked for. */
  readonly joinRequests?: Array<Record<string, unknown>>;
  /** Pending (status pending or expired), when asked for. */
  readonly invitations?: Array<Record<string, unknown>>;
  readonly partnerCount: number;
}

/** Read-side queries over the read models; knows nothing of HTTP or of who asks. */
export class ReadModelQueries {
  /**
   * Views without personal values, by the stored document they were made from, when the store
   * hands out the same document until it changes (stableDocuments): made once, not per answer.
   */
  private readonly memberViews: WeakMap<Doc, MemberView> | undefined;
  private readonly activityViews: WeakMap<Doc, Record<string, unknown>> | undefined;
  /**
   * Dashboards made, by organization and options, when the store tells when its documents
   * change (changes()): one is answered again until the read models change, a key is
   * destroyed or forgotten, one of its invitations expires or the opener's time to live
   * ends. Measured: reading the dashboard again was two thirds of its CPU in the service.
   */
  private readonly keptDashboards: LRUCache<string, KeptDashboard> | undefined;
  /** The opener's generation the kept dashboards were made in: all are dropped when it grows (their opened values with them). */
  private keptGeneration = 0;

  constructor(
    private readonly documents: DocumentStore,
    private readonly open: PersonalFieldOpener = asStored,
    private readonly openedLifetime: OpenedValuesLifetime = STORED_VALUES,
  ) {
    if (documents.stableDocuments) {
      this.memberViews = new WeakMap();
      this.activityViews = new WeakMap();
    }
    if (documents.stableDocuments && documents.changes) {
      this.keptDashboards = new LRUCache({
        max: KEPT_DASHBOARDS,
        maxSize: KEPT_DASHBOARD_ITEMS,
        sizeCalculation: ({ reads }) => dashboardItems(reads),
        ttl: openedLifetime.ttlMs,
      });
    }
  }

  /** find(), answered at once when the store can (findSync). */
  private find(collection: string, filter: Filter, options?: FindOptions): Found<Readonly<Doc>[]> {
    const store = this.documents;
    return store.findSync ? store.findSync(collection, filter, options) : store.find(collection, filter, options);
  }

  /** findOne(), answered at once when the store can (findOneSync). */
  private findOne(collection: string, filter: Filter): Found<Readonly<Doc> | null> {
    const store = this.documents;
    return store.findOneSync ? store.findOneSync(collection, filter) : store.findOne(collection, filter);
  }

  /** count(), answered at once when the store can (countSync). */
  private count(collection: string, filter: Filter): Found<number> {
    const store = this.documents;
    return store.countSync ? store.countSync(collection, filter) : store.count(collection, filter);
  }

  /**
   * The documents, each with its `fields` (document key → the event field it was copied
   * from) opened: one opener call for them all; a document without any is returned as is.
   */
  private opened(docs: readonly Doc[], fields: Readonly<Record<string, string>>): Found<Doc[]> {
    return onceFound(this.openedAll([{ docs, fields }]), (lists) => lists[0]);
  }

  /** opened() for several lists of documents: still one opener call for them all. */
  private openedAll(lists: ReadonlyArray<{ readonly docs: readonly Doc[]; readonly fields: Readonly<Record<string, string>> }>): Found<Doc[][]> {
    const found: PersonalField[] = [];
    for (const { docs, fields } of lists) {
      // Computed again only when the organization changes (one, in most answers).
      let organizationId: unknown = NOT_SEEN;
      let streamId = '';
      for (const doc of docs) {
        if (doc.organizationId !== organizationId) streamId = organizationStreamId(String((organizationId = doc.organizationId)));
        for (const key in fields) {
          const value = valueAt(doc, key);
          if (value !== undefined) found.push({ value, field: fields[key], streamId });
        }
      }
    }
    if (found.length === 0) return lists.map(({ docs }) => docs.slice());
    return onceFound(this.open(found), (values) => {
      let next = 0;
      return lists.map(({ docs, fields }) =>
        docs.map((doc) => {
          let out: Doc | undefined;
          for (const key in fields) {
            if (valueAt(doc, key) === undefined) continue;
            out ??= { ...doc };
            const value = values[next++];
            if (key === 'invitee.email') out.invitee = { ...(out.invitee as Record<string, unknown>), email: value };
            else out[key] = value;
          }
          return out ?? doc;
        }),
      );
    });
  }

  organization(organizationId: string): Found<OrganizationView | null> {
    return onceFound(this.findOne(COLLECTIONS.organizations, { _id: organizationId }), (doc) => (doc ? toOrganizationView(doc) : null));
  }

  /** Active role of a user in an organization (the organization's status aside). */
  async roleOf(organizationId: string, userId: string): Promise<Role | undefined> {
    const doc = await this.documents.findOne(COLLECTIONS.memberships, { _id: membershipId(organizationId, userId) });
    return doc?.status === 'active' ? (doc.role as Role) : undefined;
  }

  /** Active members in a stable order (by user id), `limit` per page. */
  async members(organizationId: string, options: MembersOptions): Promise<Page<MemberView>> {
    return this.membersPage(await this.findMembers(organizationId, options), options.limit);
  }

  /** A members page's documents: one more than the page, to tell whether there is a next one. */
  private findMembers(organizationId: string, options: MembersOptions): Found<Readonly<Doc>[]> {
    const filter: Record<string, unknown> = { organizationId, status: 'active' };
    if (options.role) filter.role = options.role;
    if (options.departmentId !== undefined) filter.departmentId = options.departmentId;
    if (options.cursor !== undefined) filter._id = { $gt: membershipId(organizationId, options.cursor) };
    return this.find(COLLECTIONS.memberships, filter, { sort: { _id: 1 }, limit: options.limit + 1 });
  }

  private membersPage(docs: readonly Doc[], limit: number): Page<MemberView> {
    const items = docs.slice(0, limit).map((doc) => viewOf(this.memberViews, doc, toMemberView));
    const more = docs.length > limit;
    return more ? { items, nextCursor: encodeCursor(items[items.length - 1].userId) } : { items };
  }

  /** The organization's departments by id, each with its active members counted. */
  async departments(organizationId: string): Promise<DepartmentView[]> {
    return this.departmentViews(organizationId, await this.findDepartments(organizationId));
  }

  private findDepartments(organizationId: string): Found<Readonly<Doc>[]> {
    return this.find(COLLECTIONS.departments, { organizationId, status: 'active' }, { sort: { _id: 1 } });
  }

  /** The departments, each with its active members counted. */
  private departmentViews(organizationId: string, docs: readonly Doc[]): Found<DepartmentView[]> {
    return onceFound(allFound<number[]>(docs.map((doc) => this.activeMembers(organizationId, String(doc.departmentId)))), (counts) =>
      docs.map((doc, i) => ({ departmentId: String(doc.departmentId), name: String(doc.name), memberCount: counts[i] })),
    );
  }

  async membersByDepartment(organizationId: string): Promise<MembersByDepartment> {
    const [departments, organizationWide] = await Promise.all([this.departments(organizationId), this.activeMembers(organizationId, null)]);
    return { departments, organizationWide };
  }

  /** Active members of a department (null: organization-wide; a document without the field, from before departments, counts as such). */
  private activeMembers(organizationId: string, departmentId: string | null): Found<number> {
    return this.count(COLLECTIONS.memberships, { organizationId, departmentId, status: 'active' });
  }

  async joinRequests(organizationId: string, status: 'pending' | 'all' = 'pending'): Promise<Array<Record<string, unknown>>> {
    return joinRequestViews(await this.opened(await this.findJoinRequests(organizationId, status), JOIN_REQUEST_FIELDS));
  }

  private findJoinRequests(organizationId: string, status: 'pending' | 'all'): Found<Readonly<Doc>[]> {
    const filter: Filter = status === 'pending' ? { organizationId, status: 'pending' } : { organizationId };
    return this.find(COLLECTIONS.joinRequests, filter, { sort: { requestedAt: -1 } });
  }

  /**
   * Invitations, newest first: `pending` (the default) lists those not handled yet, each
   * with `status` pending or expired (past expiresAt, by the domain's isExpired at `now`).
   */
  async invitations(organizationId: string, status: 'pending' | 'all' = 'pending', now = new Date()): Promise<Array<Record<string, unknown>>> {
    return invitationViews(await this.opened(await this.findInvitations(organizationId, status), INVITATION_FIELDS), now);
  }

  private findInvitations(organizationId: string, status: 'pending' | 'all'): Found<Readonly<Doc>[]> {
    const filter: Filter = status === 'pending' ? { organizationId, status: 'pending' } : { organizationId };
    return this.find(COLLECTIONS.invitations, filter, { sort: { invitedAt: -1 } });
  }

  /**
   * A person's invitations not handled yet, across organizations that still exist: those to
   * their user id and those to their verified address, found by `emailKeyIds` (the ids of the
   * keys sealing it, as erasure finds them), each with the organization's name and `status`
   * pending or expired, newest first. Two indexed lookups, no scan.
   */
  async userInvitations(userId: string, emailKeyIds: readonly string[], now = new Date()): Promise<UserInvitationView[]> {
    const [byUser, byEmail] = await Promise.all([
      this.documents.find(COLLECTIONS.invitations, { inviteeUserId: userId, status: 'pending' }),
      emailKeyIds.length === 0 ? Promise.resolve([]) : this.documents.find(COLLECTIONS.invitations, { [SEALED_EMAIL_KEY_ID]: { $in: [...emailKeyIds] }, status: 'pending' }),
    ]);
    const docs = [...byUser, ...byEmail];
    if (docs.length === 0) return [];
    const organizations = await this.documents.find(COLLECTIONS.organizations, { _id: { $in: [...new Set(docs.map((doc) => String(doc.organizationId)))] } });
    const active = new Map(organizations.filter((org) => org.status !== 'deleted').map((org) => [org._id, String(org.name)]));
    const opened = await this.opened(docs.filter((doc) => active.has(String(doc.organizationId))), { 'invitee.email': 'data.invitee.email' });
    return opened
      .map((doc) => {
        const view = invitationView(doc, now);
        return {
          invitationId: String(view.invitationId),
          organizationId: String(doc.organizationId),
          organizationName: active.get(String(doc.organizationId)) ?? '',
          invitee: doc.invitee as UserInvitationView['invitee'],
          role: doc.role as Role,
          invitedBy: String(doc.invitedBy),
          invitedAt: String(doc.invitedAt),
          expiresAt: String(doc.expiresAt),
          status: view.status as 'pending' | 'expired',
          ...placementOf(doc, doc.role as Role),
        };
      })
      .sort((a, b) => (a.invitedAt < b.invitedAt ? 1 : a.invitedAt > b.invitedAt ? -1 : 0));
  }

  /** The user's active memberships in organizations that still exist. */
  async userOrganizations(userId: string): Promise<Array<{ organizationId: string; name: string; role: Role; since: string; via: string }>> {
    const memberships = await this.documents.find(
      COLLECTIONS.memberships,
      { userId, status: 'active', organizationStatus: 'active' },
      { sort: { organizationId: 1 } },
    );
    if (memberships.length === 0) return [];
    const organizations = await this.documents.find(COLLECTIONS.organizations, {
      _id: { $in: memberships.map((m) => m.organizationId) },
    });
    const names = new Map(organizations.map((org) => [org._id, String(org.name)]));
    return memberships.map((m) => ({
      organizationId: String(m.organizationId),
      name: names.get(String(m.organizationId)) ?? '',
      role: m.role as Role,
      since: String(m.since),
      via: String(m.via),
    }));
  }

  /** Organizations still active that an erasure left without an organization-wide admin, by id. */
  async organizationsNeedingAdmin(): Promise<OrganizationView[]> {
    const docs = await this.documents.find(COLLECTIONS.organizations, { needsAdmin: true, status: 'active' }, { sort: { _id: 1 } });
    return docs.map(toOrganizationView);
  }

  /**
   * Where a person has something an erasure ends: active memberships in active
   * organizations, pending invitations to their user id or to an e-mail address whose key is
   * one of `emailKeyIds`, pending join requests, pending partnership invitations to such an
   * address as a partner's contact. Organization ids, sorted, each once.
   */
  async organizationsConcerning(userId: string, emailKeyIds: readonly string[]): Promise<string[]> {
    const [memberships, byUser, byEmail, requests, asContact] = await Promise.all([
      this.documents.find(COLLECTIONS.memberships, { userId, status: 'active', organizationStatus: 'active' }),
      this.documents.find(COLLECTIONS.invitations, { inviteeUserId: userId, status: 'pending' }),
      emailKeyIds.length === 0 ? [] : this.documents.find(COLLECTIONS.invitations, { [SEALED_EMAIL_KEY_ID]: { $in: [...emailKeyIds] }, status: 'pending' }),
      this.documents.find(COLLECTIONS.joinRequests, { userId, status: 'pending' }),
      emailKeyIds.length === 0 ? [] : this.documents.find(COLLECTIONS.partnerships, { [SEALED_CONTACT_KEY_ID]: { $in: [...emailKeyIds] }, status: 'pending' }),
    ]);
    const ids = [...memberships, ...byUser, ...byEmail, ...requests, ...asContact].map((doc) => String(doc.organizationId));
    return [...new Set(ids)].sort();
  }

  /**
   * Everything the read models hold about a person (RGPD article 15): every membership,
   * ended ones too, invitations to their user id or to an address keyed by one of
   * `emailKeyIds`, join requests, and the activity entries that name them (as the subject or
   * the actor), oldest first; personal fields opened (plaintext, or the erased marker).
   */
  async personalData(userId: string, emailKeyIds: readonly string[]): Promise<PersonalData> {
    const [memberships, byUser, byEmail, joinRequests, asContact, asSubject, asActor] = await Promise.all([
      this.documents.find(COLLECTIONS.memberships, { userId }, { sort: { _id: 1 } }),
      this.documents.find(COLLECTIONS.invitations, { inviteeUserId: userId }, { sort: { _id: 1 } }),
      emailKeyIds.length === 0 ? [] : this.documents.find(COLLECTIONS.invitations, { [SEALED_EMAIL_KEY_ID]: { $in: [...emailKeyIds] } }, { sort: { _id: 1 } }),
      this.documents.find(COLLECTIONS.joinRequests, { userId }, { sort: { _id: 1 } }),
      emailKeyIds.length === 0 ? [] : this.documents.find(COLLECTIONS.partnerships, { [SEALED_CONTACT_KEY_ID]: { $in: [...emailKeyIds] } }, { sort: { _id: 1 } }),
      this.documents.find(COLLECTIONS.activity, { subjectUserId: userId }, { sort: { position: 1 } }),
      this.documents.find(COLLECTIONS.activity, { actor: userId }, { sort: { position: 1 } }),
    ]);
    const history = [...new Map([...asSubject, ...asActor].map((doc) => [doc._id, doc])).values()].sort((a, b) => Number(a.position) - Number(b.position));
    const invitations = [...new Map([...byUser, ...byEmail].map((doc) => [doc._id, doc])).values()];
    const opened = async (docs: Doc[], fields: Readonly<Record<string, string>>, name: string, omit?: ReadonlySet<string>) =>
      (await this.opened(docs, fields)).map((doc) => renameId(doc, name, omit));
    return {
      memberships: memberships.map((doc) => {
        const { _id, lastPosition, ...rest } = doc;
        void _id;
        void lastPosition;
        return rest;
      }),
      invitations: await opened(invitations, { 'invitee.email': 'data.invitee.email' }, 'invitationId', INVITATION_LOOKUP_FIELDS),
      joinRequests: await opened(joinRequests, { message: 'data.message', reason: 'data.reason' }, 'requestId'),
      partnerInvitations: asContact.map((doc) => {
        const { contactEmailKid, ...view } = renameId(doc, 'partnershipId');
        void contactEmailKid;
        return view;
      }),
      history: (await opened(history, { subjectEmail: 'data.invitee.email' }, 'eventId')).map((view) => ({ ...view, position: String(view.position) })),
    };
  }

  /**
   * A's partnerships, pending and active, by id. A partner organization that was deleted is
   * left out: it grants nothing any more (its deletion is in its own stream, not in A's).
   */
  async partners(organizationId: string): Promise<PartnerView[]> {
    const docs = await this.documents.find(COLLECTIONS.partnerships, { organizationId, status: { $in: ['pending', 'active'] } }, { sort: { _id: 1 } });
    const names = await this.liveNames(docs.map((doc) => doc.partnerOrganizationId).filter((id): id is string => typeof id === 'string'));
    const out: PartnerView[] = [];
    for (const doc of docs) {
      const partnerId = typeof doc.partnerOrganizationId === 'string' ? doc.partnerOrganizationId : null;
      const name = partnerId === null ? String(doc.partnerName ?? '') : names.get(partnerId);
      if (name === undefined) continue;
      out.push({
        partnershipId: doc._id,
        partnerOrganizationId: partnerId,
        name,
        access: doc.access as PartnerAccess,
        status: doc.status as 'pending' | 'active',
        invitedAt: String(doc.invitedAt),
        invitedBy: String(doc.invitedBy),
        ...(typeof doc.acceptedAt === 'string' ? { acceptedAt: doc.acceptedAt, acceptedBy: String(doc.acceptedBy) } : {}),
      });
    }
    return out;
  }

  /** The organizations B is an active partner of (deleted ones left out), by partnership id. */
  async partnerOf(partnerOrganizationId: string): Promise<PartnerOfView[]> {
    const docs = await this.documents.find(COLLECTIONS.partnerships, { partnerOrganizationId, status: 'active' }, { sort: { _id: 1 } });
    const names = await this.liveNames(docs.map((doc) => String(doc.organizationId)));
    return docs.flatMap((doc) => {
      const name = names.get(String(doc.organizationId));
      return name === undefined
        ? []
        : [{ partnershipId: doc._id, organizationId: String(doc.organizationId), name, access: doc.access as PartnerAccess, since: String(doc.acceptedAt) }];
    });
  }

  /** The dashboard's count: A's active partners that still exist. */
  async partnerCount(organizationId: string): Promise<number> {
    return this.activePartnerCount(await this.findActivePartnerships(organizationId));
  }

  /** As partners() lists them, the pending ones left out before any view is made. */
  private findActivePartnerships(organizationId: string): Found<Readonly<Doc>[]> {
    return this.find(COLLECTIONS.partnerships, { organizationId, status: 'active' });
  }

  private activePartnerCount(docs: readonly Doc[]): Found<number> {
    return onceFound(
      this.liveNames(docs.map((doc) => doc.partnerOrganizationId).filter((id): id is string => typeof id === 'string')),
      (names) => docs.filter((doc) => typeof doc.partnerOrganizationId !== 'string' || names.has(doc.partnerOrganizationId)).length,
    );
  }

  /** Names of the organizations among `ids` that exist and are not deleted. */
  private liveNames(ids: readonly string[]): Found<Map<string, string>> {
    if (ids.length === 0) return new Map();
    return onceFound(
      this.find(COLLECTIONS.organizations, { _id: { $in: [...new Set(ids)] } }),
      (docs) => new Map(docs.filter((doc) => doc.status !== 'deleted').map((doc) => [doc._id, String(doc.name)])),
    );
  }

  /** Who did what, when: the organization's last `limit` events of `types` (default: all), newest first. */
  async recentActivity(organizationId: string, limit: number, types?: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const docs = await this.findActivity(organizationId, limit, types);
    return this.activityViewsOf(docs, await this.opened(docs, ACTIVITY_FIELDS));
  }

  private findActivity(organizationId: string, limit: number, types?: readonly string[]): Found<Readonly<Doc>[]> {
    const filter = types === undefined ? { organizationId } : { organizationId, type: { $in: types } };
    return this.find(COLLECTIONS.activity, filter, { sort: { position: -1 }, limit });
  }

  /** The entries' views, `opened` being `docs` opened: an entry that named nothing personal is the stored document itself, its view kept. */
  private activityViewsOf(docs: readonly Doc[], opened: readonly Doc[]): Array<Record<string, unknown>> {
    return opened.map((doc, i) => (doc === docs[i] ? viewOf(this.activityViews, doc, activityView) : activityView(doc)));
  }

  /** One point per day with a change: the member counts by role at the end of that day. */
  async memberCountsOverTime(organizationId: string): Promise<MemberCountPoint[]> {
    return countsOverTime(await this.findDays(organizationId));
  }

  private findDays(organizationId: string): Found<Readonly<Doc>[]> {
    return this.find(COLLECTIONS.memberCountsDaily, { organizationId }, { sort: { day: 1 } });
  }

  /**
   * Everything the dashboard reads but the organization, as membersByRole, membersByDepartment,
   * recentActivity, memberCountsOverTime, joinRequests and invitations (pending, when asked
   * for) and partnerCount read it, in two rounds of reads and one opener call: measured, the
   * seven reads apart made some eighty promises per dashboard, a fifth of its own work. Over
   * the embedded store, with the keys in the vault's memory, answered at once: no promise.
   */
  dashboard(organizationId: string, options: DashboardReadOptions, now = new Date()): Found<DashboardReads> {
    const kept = this.keptDashboards;
    const changes = this.documents.changes?.(READ_MODEL_COLLECTIONS);
    if (kept === undefined || changes === undefined) return this.readDashboard(organizationId, options, now);
    const generation = this.openedLifetime.generation();
    if (generation !== this.keptGeneration) {
      kept.clear();
      this.keptGeneration = generation;
    }
    const key = dashboardKey(organizationId, options);
    const found = kept.get(key);
    if (found !== undefined && found.changes === changes && now.getTime() <= found.until) return found.reads;
    return onceFound(this.readDashboard(organizationId, options, now), (reads) => {
      // Read across a change (a read that waited for keys): answered, not kept.
      if (this.documents.changes?.(READ_MODEL_COLLECTIONS) !== changes || this.openedLifetime.generation() !== generation) return reads;
      const frozen = keptDashboardReads(reads);
      kept.set(key, { changes, until: unchangedUntil(frozen), reads: frozen });
      return frozen;
    });
  }

  private readDashboard(organizationId: string, options: DashboardReadOptions, now: Date): Found<DashboardReads> {
    const { membersPerRole, activity, activityTypes } = options;
    const first = allFound<
      [Readonly<Doc>[], Readonly<Doc>[], Readonly<Doc>[], Readonly<Doc>[], number, Readonly<Doc>[], Readonly<Doc>[], Readonly<Doc>[] | undefined, Readonly<Doc>[] | undefined, Readonly<Doc>[]]
    >([
      this.findMembers(organizationId, { role: 'member', limit: membersPerRole }),
      this.findMembers(organizationId, { role: 'editor', limit: membersPerRole }),
      this.findMembers(organizationId, { role: 'admin', limit: membersPerRole }),
      this.findDepartments(organizationId),
      this.activeMembers(organizationId, null),
      this.findActivity(organizationId, activity, activityTypes),
      this.findDays(organizationId),
      options.joinRequests ? this.findJoinRequests(organizationId, 'pending') : undefined,
      options.invitations ? this.findInvitations(organizationId, 'pending') : undefined,
      this.findActivePartnerships(organizationId),
    ]);
    return onceFound(first, ([member, editor, admin, departments, organizationWide, activityDocs, days, requestDocs, invitationDocs, partnerships]) => {
      const second = allFound<[DepartmentView[], number, Doc[][]]>([
        this.departmentViews(organizationId, departments),
        this.activePartnerCount(partnerships),
        this.openedAll([
          { docs: activityDocs, fields: ACTIVITY_FIELDS },
          { docs: requestDocs ?? [], fields: JOIN_REQUEST_FIELDS },
          { docs: invitationDocs ?? [], fields: INVITATION_FIELDS },
        ]),
      ]);
      return onceFound(second, ([departmentViews, partnerCount, [openedActivity, openedRequests, openedInvitations]]) => {
        const page = (docs: readonly Doc[]) => this.membersPage(docs, membersPerRole).items.slice();
        return {
          membersByRole: { member: page(member), editor: page(editor), admin: page(admin) },
          membersByDepartment: { departments: departmentViews, organizationWide },
          recentActivity: this.activityViewsOf(activityDocs, openedActivity),
          memberCountsOverTime: countsOverTime(days),
          ...(requestDocs ? { joinRequests: joinRequestViews(openedRequests) } : {}),
          ...(invitationDocs ? { invitations: invitationViews(openedInvitations, now) } : {}),
          partnerCount,
        };
      });
    });
  }

  /** Members grouped by role, up to `perRole` user ids each. */
  async membersByRole(organizationId: string, perRole: number): Promise<Record<Role, MemberView[]>> {
    const out = { member: [], editor: [], admin: [] } as Record<Role, MemberView[]>;
    for (const role of ROLES) {
      out[role] = (await this.members(organizationId, { role, limit: perRole })).items.slice();
    }
    return out;
  }
}

/** What tells two kept dashboards of an organization apart: what their callers may see. */
function dashboardKey(organizationId: string, options: DashboardReadOptions): string {
  const types = options.activityTypes === undefined ? '*' : options.activityTypes.join(',');
  return `${organizationId}|${options.membersPerRole}|${options.activity}|${types}|${options.joinRequests}|${options.invitations}`;
}

/**
 * The dashboard's reads, each part a kept view (keptViewJson: its JSON made once for every
 * answer it is in), frozen down to the lists the reads made (not their items, which may share
 * nested objects with stored documents). Unlike the views kept by document, these may hold
 * opened personal values: they go with the kept dashboard (ReadModelQueries.keptDashboards).
 */
function keptDashboardReads(reads: DashboardReads): DashboardReads {
  for (const part of Object.values(reads)) {
    if (typeof part !== 'object' || part === null) continue;
    if (!Array.isArray(part)) for (const list of Object.values(part as object)) if (Array.isArray(list)) Object.freeze(list);
    KEPT_VIEW_JSON.set(Object.freeze(part), null);
  }
  return Object.freeze(reads);
}

/** The items of a dashboard's lists, plus one: what a kept one weighs. */
function dashboardItems(reads: DashboardReads): number {
  const { membersByRole, membersByDepartment, recentActivity, memberCountsOverTime, joinRequests, invitations } = reads;
  const lists = [...Object.values(membersByRole), membersByDepartment.departments, recentActivity, memberCountsOverTime, joinRequests ?? [], invitations ?? []];
  return lists.reduce((sum, list) => sum + list.length, 1);
}

/** The last instant (ms) at which a dashboard's reads are still those of now: until an invitation pending now expires. */
function unchangedUntil(reads: DashboardReads): number {
  let until = Number.POSITIVE_INFINITY;
  for (const invitation of reads.invitations ?? []) {
    if (invitation.status === 'pending' && typeof invitation.expiresAt === 'string') until = Math.min(until, lastPendingInstant({ expiresAt: invitation.expiresAt }));
  }
  return until;
}

/** One point per day with a change, from the days' documents in day order. */
function countsOverTime(days: readonly Doc[]): MemberCountPoint[] {
  const running: MemberCounts = { ...ZERO_COUNTS };
  return days.map((doc) => {
    const delta = (doc.delta ?? {}) as Partial<MemberCounts>;
    for (const role of ROLES) running[role] += delta[role] ?? 0;
    return { day: String(doc.day), ...running, total: running.member + running.editor + running.admin };
  });
}

/** Join requests as listed, from their documents opened (JOIN_REQUEST_FIELDS). */
function joinRequestViews(opened: readonly Doc[]): Array<Record<string, unknown>> {
  return opened.map((doc) => renameId(doc, 'requestId'));
}

/** An organization's invitations as listed, from their documents opened (INVITATION_FIELDS), expired or not at `now`. */
function invitationViews(opened: readonly Doc[], now: Date): Array<Record<string, unknown>> {
  return opened.map((doc) => invitationView(doc, now, INVITATION_LOOKUP_FIELDS));
}

export function encodeCursor(userId: string): string {
  return Buffer.from(JSON.stringify({ u: userId })).toString('base64url');
}

/** The user id a cursor stands for, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { u?: unknown };
    return typeof parsed.u === 'string' ? parsed.u : undefined;
  } catch {
    return undefined;
  }
}

function toOrganizationView(doc: Doc): OrganizationView {
  const counts = { ...ZERO_COUNTS, ...((doc.memberCounts ?? {}) as Partial<MemberCounts>) };
  return {
    organizationId: doc._id,
    name: String(doc.name),
    description: String(doc.description ?? ''),
    status: doc.status === 'deleted' ? 'deleted' : 'active',
    memberCounts: counts,
    memberCount: counts.member + counts.editor + counts.admin,
    createdAt: String(doc.createdAt),
    createdBy: String(doc.createdBy),
    updatedAt: String(doc.updatedAt),
    ...(typeof doc.deletedAt === 'string' ? { deletedAt: doc.deletedAt } : {}),
    ...(doc.needsAdmin === true ? { needsAdmin: true as const } : {}),
    position: String(doc.lastPosition),
  };
}

/** `make(doc)`, kept by `doc` in `views` when there are views to keep (answers share it, frozen: no one changes a view). */
function viewOf<V extends object>(views: WeakMap<Doc, V> | undefined, doc: Doc, make: (doc: Doc) => V): V {
  if (views === undefined) return make(doc);
  let view = views.get(doc);
  if (view === undefined) {
    views.set(doc, (view = Object.freeze(make(doc))));
    KEPT_VIEW_JSON.set(view, null);
  }
  return view;
}

/**
 * The JSON of each kept view, made when first asked for (null until then), and gone with the
 * view: a view kept by document (viewOf) holds nothing personal and is made again when the
 * document changes (a new document, a new view); a kept dashboard's parts (keptDashboardReads)
 * go with the kept dashboard.
 */
const KEPT_VIEW_JSON = new WeakMap<object, string | null>();

/**
 * JSON.stringify(value) when `value` is a view kept by document, made once per view;
 * undefined for any other value. Lets an answer's serializer (answerJson) reuse the JSON of
 * the views answers share (members, activity) instead of making it again per answer.
 */
export function keptViewJson(value: object): string | undefined {
  const json = KEPT_VIEW_JSON.get(value);
  if (json !== null) return json;
  const made = JSON.stringify(value);
  KEPT_VIEW_JSON.set(value, made);
  return made;
}

function activityView(doc: Doc): Record<string, unknown> {
  const view = renameId(doc, 'eventId');
  view.position = String(doc.position);
  return view;
}

function toMemberView(doc: Doc): MemberView {
  const role = doc.role as Role;
  return {
    userId: String(doc.userId),
    role,
    since: String(doc.since),
    via: String(doc.via),
    ...placementOf(doc, role),
  };
}

/** A membership's or an invitation's placement as stored; a document projected before departments lacks it until the read models are rebuilt. */
function placementOf(doc: Doc, role: Role): { departmentId: string | null; defaultDatasetRole: DatasetRole } {
  return {
    departmentId: typeof doc.departmentId === 'string' ? doc.departmentId : null,
    defaultDatasetRole: isDatasetRole(doc.defaultDatasetRole) ? doc.defaultDatasetRole : defaultDatasetRoleFor(role),
  };
}

/**
 * An invitation document as read: `status` expired when pending past its expiry (the one
 * isExpired), `expired` alike; without the fields `omit` names.
 */
function invitationView(doc: Doc, now: Date, omit?: ReadonlySet<string>): Record<string, unknown> {
  const expired = doc.status === 'pending' && typeof doc.expiresAt === 'string' && isExpired({ expiresAt: doc.expiresAt }, now);
  const view = renameId(doc, 'invitationId', omit);
  if (expired) view.status = 'expired';
  view.expired = expired;
  return view;
}

/** An invitation's lookup fields (by user id, by the address's key): not part of an answer. */
const INVITATION_LOOKUP_FIELDS: ReadonlySet<string> = new Set(['inviteeUserId', 'inviteeEmail']);

/**
 * The document with its id under `name`, first, then its fields in their order but
 * `lastPosition` and those `omit` names. A loop: measured, the object rest pattern it
 * replaces was a sixth of a dashboard's own work.
 */
function renameId(doc: Doc, name: string, omit?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { [name]: doc._id };
  for (const key in doc) {
    if (key === '_id' || key === 'lastPosition' || omit?.has(key)) continue;
    out[key] = doc[key];
  }
  return out;
}
