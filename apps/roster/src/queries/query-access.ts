import { Injectable } from '@nestjs/common';
import { forbidden, gone, isAllowed, notFound, type Action, type Actor, type Role } from '@roster/domain';
import type { OrganizationView } from '@roster/read-models';
import { ReadModelsService } from './read-models.service';

export interface OrganizationAccess {
  readonly organization: OrganizationView;
  /** The caller's organization role, if a member. */
  readonly role: Role | undefined;
  /** A superadmin or a service token, reading without a role. */
  readonly platform: 'superadmin' | 'service' | undefined;
  /** What the caller may see beyond `action`, by the permission table. */
  can(action: Action): boolean;
}

/**
 * Who may read what. Order of refusals: unknown organization 404, deleted 410, then 403.
 * Superadmins read everything; `service` tokens read what members read (profile, members,
 * dashboard) but not pending requests or invitations.
 */
@Injectable()
export class QueryAccess {
  constructor(private readonly readModels: ReadModelsService) {}

  async organization(organizationId: string, actor: Actor, action: Action, options: { serviceMay: boolean }): Promise<OrganizationAccess> {
    const organization = await this.readModels.queries.organization(organizationId);
    if (!organization) throw notFound('ORGANIZATION.NOT_FOUND', `Organization ${organizationId} does not exist`);
    if (organization.status === 'deleted') throw gone('ORGANIZATION.DELETED', `Organization ${organizationId} was deleted`);
    const decision = await this.readModels.checker.check(actor.userId, organizationId, action);
    const role = decision.role ?? undefined;
    const platform = actor.platformRoles.includes('superadmin')
      ? 'superadmin'
      : actor.platformRoles.includes('service') && options.serviceMay
        ? 'service'
        : undefined;
    if (!decision.allowed && !platform) {
      throw forbidden('PERMISSION.DENIED', `${action} needs a role this caller does not hold in organization ${organizationId}`);
    }
    return {
      organization,
      role,
      platform,
      // `action` itself: the caller was let in for it (a service token holds no role).
      can: (other) => other === action || platform === 'superadmin' || isAllowed(role, other),
    };
  }
}
