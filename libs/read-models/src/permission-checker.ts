import {
  checkOrganizationPermission,
  checkPermission,
  isAction,
  isPartnerAccess,
  isRole,
  organizationStatusRefusal,
  type MemberPlacement,
  type OrganizationPermissionDecision,
  type PartnerStanding,
  type Permission,
} from '@roster/domain';
import type { Doc, DocumentStore } from './document-store/document-store.port';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { COLLECTIONS, membershipId } from './projections/read-model.collections';

/**
 * The domain's answer (checkOrganizationPermission): allowed, the role (via `partner`: the
 * user's role in the partner organization), the reason, the member's department, `via`, and
 * via `partner` the partner organization and the partnership's access (null otherwise).
 */
export type PermissionAnswer = OrganizationPermissionDecision;

/** What the check reads: the organization, the user's membership in it, and only for a non-member the grants through A's active partners. */
interface Facts {
  readonly organization: Readonly<Doc> | null | undefined;
  readonly membership: Readonly<Doc> | null | undefined;
  /** Read lazily: a member never costs a partnership lookup. */
  partners(): PartnerFacts[] | Promise<PartnerFacts[]>;
}

/** One active partnership of the organization asked about, with the partner organization and the user's membership in it. */
interface PartnerFacts {
  readonly partnership: Readonly<Doc>;
  readonly partner: Readonly<Doc> | null | undefined;
  readonly membership: Readonly<Doc> | null | undefined;
}

/** Told of each permission answer: allowed or not, and its latency in seconds. Called on the hot path: must not allocate. */
export type PermissionCheckObserver = (allowed: boolean, seconds: number) => void;

/**
 * The permission check, one decision by the domain's checkOrganizationPermission: a member by
 * the role and department from the memberships read model (the permission table, then the
 * department rule against the resource's department); a user who is not a member through the
 * organization's active partnerships (the partner's status, the user's role there). Over
 * an embedded store (the projection runs in this process) it is map lookups with no I/O: the
 * organization's partnerships come from the index by organization (a few per organization,
 * never a scan of all partnerships), then one lookup per partner; over MongoDB, indexed reads.
 */
export class PermissionChecker {
  /** `onCheck`: told of every answer and how long it took (metrics); without it nothing is timed. */
  constructor(
    private readonly source: DocumentStore,
    private readonly onCheck?: PermissionCheckObserver,
  ) {}

  /** True when checks are answered from an in-process index (checkInProcess may be used). */
  get answersInProcess(): boolean {
    return this.source instanceof EmbeddedDocumentStore;
  }

  /** The check with no I/O; only when answersInProcess. `resourceDepartmentId`: the resource's department, if it has one. */
  checkInProcess(userId: string, organizationId: string, action: Permission, resourceDepartmentId?: string | null): PermissionAnswer {
    if (!(this.source instanceof EmbeddedDocumentStore)) throw new Error('checkInProcess needs an in-process index');
    const onCheck = this.onCheck;
    if (onCheck === undefined) return this.checkSync(this.source, userId, organizationId, action, resourceDepartmentId);
    const started = performance.now();
    const answer = this.checkSync(this.source, userId, organizationId, action, resourceDepartmentId);
    onCheck(answer.allowed, (performance.now() - started) / 1000);
    return answer;
  }

  async check(userId: string, organizationId: string, action: Permission, resourceDepartmentId?: string | null): Promise<PermissionAnswer> {
    const onCheck = this.onCheck;
    if (onCheck === undefined) return this.read(userId, organizationId, action, resourceDepartmentId);
    const started = performance.now();
    const answer = await this.read(userId, organizationId, action, resourceDepartmentId);
    onCheck(answer.allowed, (performance.now() - started) / 1000);
    return answer;
  }

  private async read(userId: string, organizationId: string, action: Permission, resourceDepartmentId?: string | null): Promise<PermissionAnswer> {
    const source = this.source;
    if (source instanceof EmbeddedDocumentStore) return this.checkSync(source, userId, organizationId, action, resourceDepartmentId);
    const [organization, membership] = await Promise.all([
      source.findOne(COLLECTIONS.organizations, { _id: organizationId }),
      source.findOne(COLLECTIONS.memberships, { _id: membershipId(organizationId, userId) }),
    ]);
    const partners = async (): Promise<PartnerFacts[]> => {
      const partnerships = await source.find(COLLECTIONS.partnerships, { organizationId, status: 'active' });
      if (partnerships.length === 0) return [];
      const ids = partnerships.map((p) => String(p.partnerOrganizationId));
      const [partners, memberships] = await Promise.all([
        source.find(COLLECTIONS.organizations, { _id: { $in: ids } }),
        source.find(COLLECTIONS.memberships, { _id: { $in: ids.map((id) => membershipId(id, userId)) } }),
      ]);
      const byId = new Map([...partners, ...memberships].map((doc) => [doc._id, doc]));
      return partnerships.map((partnership, i) => ({ partnership, partner: byId.get(ids[i]), membership: byId.get(membershipId(ids[i], userId)) }));
    };
    return decide({ organization, membership, partners }, action, resourceDepartmentId);
  }

  private checkSync(
    source: EmbeddedDocumentStore,
    userId: string,
    organizationId: string,
    action: Permission,
    resourceDepartmentId: string | null | undefined,
  ): PermissionAnswer {
    const facts: Facts = {
      organization: source.peek(COLLECTIONS.organizations, organizationId),
      membership: source.peek(COLLECTIONS.memberships, membershipId(organizationId, userId)),
      partners: () => {
        const found: PartnerFacts[] = [];
        // The organization's partnerships through the index by organization: a few documents, never a scan.
        for (const partnership of source.peekBy(COLLECTIONS.partnerships, 'organizationId', organizationId)) {
          if (partnership.status !== 'active') continue;
          const partnerId = String(partnership.partnerOrganizationId);
          found.push({ partnership, partner: source.peek(COLLECTIONS.organizations, partnerId), membership: source.peek(COLLECTIONS.memberships, membershipId(partnerId, userId)) });
        }
        return found;
      },
    };
    // Every fact above is synchronous, so is the decision.
    return decide(facts, action, resourceDepartmentId) as PermissionAnswer;
  }
}

/** Synchronous when the facts are (the in-process index); a promise only when the partners are read from a store. */
function decide(facts: Facts, action: Permission, resourceDepartmentId: string | null | undefined): PermissionAnswer | Promise<PermissionAnswer> {
  const { organization, membership } = facts;
  const refusal = organizationStatusRefusal(!organization ? 'none' : organization.status === 'deleted' ? 'deleted' : 'active');
  if (refusal) return refusal;
  // The membership document has the member's role and departmentId fields: read as it is, no copy per check.
  const member = membership?.status === 'active' && isRole(membership.role) ? (membership as unknown as MemberPlacement) : undefined;
  if (!isAction(action)) {
    // Roster's own actions (audit.read) are not the portal's resources: the role alone decides, never a partnership.
    return { ...checkPermission(member?.role, action), departmentId: member?.departmentId ?? null, via: 'membership', partnerOrganizationId: null, access: null };
  }
  // A member is answered by the membership alone: no partnership is read.
  if (member) return checkOrganizationPermission(member, [], action, resourceDepartmentId);
  const partners = facts.partners();
  const judge = (found: readonly PartnerFacts[]) => checkOrganizationPermission(undefined, found.flatMap(standing), action, resourceDepartmentId);
  return partners instanceof Promise ? partners.then(judge) : judge(partners);
}

/** What the domain judges of one active partnership of A: B's status (a deleted or unknown B grants nothing) and the user's role in B. */
function standing({ partnership, partner, membership }: PartnerFacts): PartnerStanding[] {
  if (!isPartnerAccess(partnership.access)) return [];
  return [
    {
      partnerOrganizationId: String(partnership.partnerOrganizationId),
      partnershipStatus: 'active',
      partnerOrganizationStatus: partner && partner.status !== 'deleted' ? 'active' : 'deleted',
      access: partnership.access,
      role: membership?.status === 'active' && isRole(membership.role) ? membership.role : undefined,
    },
  ];
}

