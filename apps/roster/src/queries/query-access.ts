import { Injectable } from '@nestjs/common';
import { forbidden, gone, isAllowed, notFound, platformRoleAllowing, type Action, type Actor, type PlatformRole, type Role } from '@roster/domain';
import { onceFound, type Found, type OrganizationView } from '@roster/read-models';
import { ReadModelsService } from './read-models.service';

export interface OrganizationAccess {
  readonly organization: OrganizationView;
  /** The caller's organization role, if a member. */
  readonly role: Role | undefined;
  /** The platform role that lets the caller read without an organization role (PLATFORM_ROLE_POLICY). */
  readonly platform: PlatformRole | undefined;
  /** What the caller may see beyond `action`, by the permission table. */
  can(action: Action): boolean;
}

/**
 * Who may read what: the organization role by the permission table, or a platform role by
 * the domain's PLATFORM_ROLE_POLICY (superadmins read everything; `service` tokens read what
 * members read, not pending requests or invitations). A partner's member is not a member
 * here. Order of refusals: unknown
 * organization 404, deleted 410, then 403. Answered at once (no promise) when the read models
 * and the permission check are in process; a refusal is then thrown, not a rejected promise.
 */
@Injectable()
export class QueryAccess {
  constructor(private readonly readModels: ReadModelsService) {}

  organization(organizationId: string, actor: Actor, action: Action): Found<OrganizationAccess> {
    return onceFound(this.readModels.queries.organization(organizationId), (organization) => {
      if (!organization) throw notFound('ORGANIZATION.NOT_FOUND', `Organization ${organizationId} does not exist`);
      if (organization.status === 'deleted') throw gone('ORGANIZATION.DELETED', `Organization ${organizationId} was deleted`);
      const { checker } = this.readModels;
      // At once from the in-process index (no promise), as the dashboard's reads over the embedded store.
      const checked = checker.answersInProcess ? checker.checkInProcess(actor.userId, organizationId, action) : checker.check(actor.userId, organizationId, action);
      return onceFound(checked, (decision) => {
        // Roster's own lists are for the organization's members: a partner's access is to the resources A shares, not to A's roster.
        const byMembership = decision.via === 'membership';
        const role = byMembership ? (decision.role ?? undefined) : undefined;
        const platform = platformRoleAllowing(actor.platformRoles, action);
        if (!(byMembership && decision.allowed) && !platform) {
          throw forbidden('PERMISSION.DENIED', `${action} needs a role this caller does not hold in organization ${organizationId}`);
        }
        return {
          organization,
          role,
          platform,
          can: (other: Action) => platformRoleAllowing(actor.platformRoles, other) !== undefined || isAllowed(role, other),
        };
      });
    });
  }
}
