import { checkMemberPermission, checkPermission, isAction, isRole, type MemberPlacement, type Permission, type Role } from '@roster/domain';
import type { Doc, DocumentStore } from './document-store/document-store.port';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { COLLECTIONS, membershipId } from './projections/read-model.collections';

export interface PermissionAnswer {
  readonly allowed: boolean;
  readonly role: Role | null;
  readonly reason: string;
  /** The member's department: null when organization-wide or not a member (see checkMemberPermission). */
  readonly departmentId: string | null;
}

/**
 * The permission check: the organization role and department from the memberships read
 * model, judged by the domain's checkMemberPermission (the permission table, then the
 * department rule against the resource's department). Over an embedded store (the projection
 * runs in this process) it is two map lookups with no I/O; over MongoDB it is two indexed
 * reads by _id.
 */
export class PermissionChecker {
  constructor(private readonly source: DocumentStore) {}

  /** True when checks are answered from an in-process index (checkInProcess may be used). */
  get answersInProcess(): boolean {
    return this.source instanceof EmbeddedDocumentStore;
  }

  /** The check with no I/O; only when answersInProcess. `resourceDepartmentId`: the resource's department, if it has one. */
  checkInProcess(userId: string, organizationId: string, action: Permission, resourceDepartmentId?: string | null): PermissionAnswer {
    if (!(this.source instanceof EmbeddedDocumentStore)) throw new Error('checkInProcess needs an in-process index');
    return this.checkSync(this.source, userId, organizationId, action, resourceDepartmentId);
  }

  async check(userId: string, organizationId: string, action: Permission, resourceDepartmentId?: string | null): Promise<PermissionAnswer> {
    if (this.source instanceof EmbeddedDocumentStore) return this.checkSync(this.source, userId, organizationId, action, resourceDepartmentId);
    const [organization, membership] = await Promise.all([
      this.source.findOne(COLLECTIONS.organizations, { _id: organizationId }),
      this.source.findOne(COLLECTIONS.memberships, { _id: membershipId(organizationId, userId) }),
    ]);
    return decide(organization, membership, action, resourceDepartmentId);
  }

  private checkSync(
    source: EmbeddedDocumentStore,
    userId: string,
    organizationId: string,
    action: Permission,
    resourceDepartmentId: string | null | undefined,
  ): PermissionAnswer {
    return decide(
      source.peek(COLLECTIONS.organizations, organizationId),
      source.peek(COLLECTIONS.memberships, membershipId(organizationId, userId)),
      action,
      resourceDepartmentId,
    );
  }
}

function decide(
  organization: Readonly<Doc> | null | undefined,
  membership: Readonly<Doc> | null | undefined,
  action: Permission,
  resourceDepartmentId: string | null | undefined,
): PermissionAnswer {
  if (!organization) return { allowed: false, role: null, reason: 'unknown organization', departmentId: null };
  if (organization.status === 'deleted') return { allowed: false, role: null, reason: 'organization deleted', departmentId: null };
  // The membership document has the member's role and departmentId fields: read as it is, no copy per check.
  const member = membership?.status === 'active' && isRole(membership.role) ? (membership as unknown as MemberPlacement) : undefined;
  if (isAction(action)) return checkMemberPermission(member, action, resourceDepartmentId);
  // Roster's own actions (audit.read) are not the portal's resources: the role alone decides.
  return { ...checkPermission(member?.role, action), departmentId: member?.departmentId ?? null };
}
