import { checkPermission, isRole, type Permission, type Role } from '@roster/domain';
import type { Doc, DocumentStore } from './document-store/document-store.port';
import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { COLLECTIONS, membershipId } from './projections/read-model.collections';

export interface PermissionAnswer {
  readonly allowed: boolean;
  readonly role: Role | null;
  readonly reason: string;
}

/**
 * The permission check: the organization role from the memberships read model, judged by the
 * domain's permission table. Over an embedded store (the projection runs in this process)
 * it is two map lookups with no I/O; over MongoDB it is two indexed reads by _id.
 */
export class PermissionChecker {
  constructor(private readonly source: DocumentStore) {}

  /** True when checks are answered from an in-process index (checkInProcess may be used). */
  get answersInProcess(): boolean {
    return this.source instanceof EmbeddedDocumentStore;
  }

  /** The check with no I/O; only when answersInProcess. */
  checkInProcess(userId: string, organizationId: string, action: Permission): PermissionAnswer {
    if (!(this.source instanceof EmbeddedDocumentStore)) throw new Error('checkInProcess needs an in-process index');
    return this.checkSync(this.source, userId, organizationId, action);
  }

  async check(userId: string, organizationId: string, action: Permission): Promise<PermissionAnswer> {
    if (this.source instanceof EmbeddedDocumentStore) return this.checkSync(this.source, userId, organizationId, action);
    const [organization, membership] = await Promise.all([
      this.source.findOne(COLLECTIONS.organizations, { _id: organizationId }),
      this.source.findOne(COLLECTIONS.memberships, { _id: membershipId(organizationId, userId) }),
    ]);
    return decide(organization, membership, action);
  }

  private checkSync(source: EmbeddedDocumentStore, userId: string, organizationId: string, action: Permission): PermissionAnswer {
    return decide(
      source.peek(COLLECTIONS.organizations, organizationId),
      source.peek(COLLECTIONS.memberships, membershipId(organizationId, userId)),
      action,
    );
  }
}

function decide(organization: Readonly<Doc> | null | undefined, membership: Readonly<Doc> | null | undefined, action: Permission): PermissionAnswer {
  if (!organization) return { allowed: false, role: null, reason: 'unknown organization' };
  if (organization.status === 'deleted') return { allowed: false, role: null, reason: 'organization deleted' };
  const role = membership?.status === 'active' && isRole(membership.role) ? membership.role : undefined;
  return checkPermission(role, action);
}
