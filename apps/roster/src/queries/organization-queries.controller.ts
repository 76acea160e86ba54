import { Controller, Get, HttpStatus, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DEPARTMENT_ID_PATTERN, fieldRefusal, forbidden, isRole, platformRoleAllowing, ROLES, visibleActivityTypes, type Actor } from '@roster/domain';
import { decodeCursor, onceFound } from '@roster/read-models';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ServiceIdPipe } from '../http/id.pipe';
import { QueryRoute } from '../http/openapi';
import { ProblemException } from '../http/problem';
import { MinPositionInterceptor } from './min-position.interceptor';
import { QueryAccess } from './query-access';
import { DASHBOARD, DEPARTMENT_VIEW, INVITATION_VIEW, itemsOf, JOIN_REQUEST_VIEW, MEMBERS_PAGE, ORGANIZATION_VIEW, PARTNER_OF_VIEW, PARTNER_VIEW } from './query.schemas';
import { ReadModelsService } from './read-models.service';

/** Members listed per role on the dashboard, and recent activity shown. */
const DASHBOARD_MEMBERS_PER_ROLE = 50;
const DASHBOARD_ACTIVITY = 20;

@ApiTags('queries')
@QueryRoute(403, 404, 410)
@UseInterceptors(MinPositionInterceptor)
@Controller('organizations')
export class OrganizationQueriesController {
  constructor(
    private readonly readModels: ReadModelsService,
    private readonly access: QueryAccess,
  ) {}

  /** Only the one list superadmins need today: the organizations an erasure left without an organization-wide admin. */
  @Get()
  @ApiOperation({ summary: 'Organizations an erasure left without an organization-wide admin, by id (superadmins): needsAdmin=true is required' })
  @ApiQuery({ name: 'needsAdmin', required: true, enum: ['true'] })
  @ApiOkResponse({ schema: itemsOf(ORGANIZATION_VIEW) })
  async list(@CurrentActor() actor: Actor, @Query('needsAdmin') needsAdmin?: string) {
    if (needsAdmin !== 'true') throw invalid('VALIDATION.NEEDS_ADMIN', 'needsAdmin=true is required: the organizations without an organization-wide admin are the one list');
    if (!platformRoleAllowing(actor.platformRoles, 'organizations.needing-admin.read')) {
      throw forbidden('PERMISSION.DENIED', 'Only superadmins list the organizations without an admin');
    }
    return { items: await this.readModels.queries.organizationsNeedingAdmin() };
  }

  @Get(':orgId')
  @ApiOperation({ summary: "The organization's profile, status and member counts (members, superadmins, services)" })
  @ApiOkResponse({ description: 'Organization profile', schema: ORGANIZATION_VIEW })
  async profile(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor) {
    const { organization } = await this.access.organization(organizationId, actor, 'organization.read');
    return organization;
  }

  @Get(':orgId/members')
  @ApiOperation({ summary: 'Active members by user id, with an opaque cursor (members, superadmins, services)' })
  @ApiQuery({ name: 'role', required: false, enum: ROLES })
  @ApiQuery({ name: 'departmentId', required: false, description: 'Only members restricted to this department', schema: { type: 'string', pattern: DEPARTMENT_ID_PATTERN.source } })
  @ApiQuery({ name: 'limit', required: false, description: 'Page size, default 50', schema: { type: 'integer', minimum: 1, maximum: 200 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ schema: MEMBERS_PAGE })
  async members(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @CurrentActor() actor: Actor,
    @Query('role') role?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
    @Query('departmentId') departmentId?: string,
  ) {
    if (role !== undefined && !isRole(role)) throw invalid('VALIDATION.ROLE', 'role must be member, editor or admin');
    const badDepartment = departmentId === undefined ? undefined : fieldRefusal('departmentId', departmentId);
    if (badDepartment) throw invalid(badDepartment.code, badDepartment.message);
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 200) throw invalid('VALIDATION.LIMIT', 'limit must be a whole number from 1 to 200');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined) throw invalid('VALIDATION.CURSOR', 'cursor is not one this service made');
    await this.access.organization(organizationId, actor, 'organization.read');
    return this.readModels.queries.members(organizationId, { role: role as never, departmentId, limit: size, cursor: after });
  }

  @Get(':orgId/departments')
  @ApiOperation({ summary: 'Departments by id, each with its active members counted (members, superadmins, services)' })
  @ApiOkResponse({ schema: itemsOf(DEPARTMENT_VIEW) })
  async departments(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor) {
    await this.access.organization(organizationId, actor, 'organization.read');
    return { items: await this.readModels.queries.departments(organizationId) };
  }

  @Get(':orgId/partners')
  @ApiOperation({ summary: "The organization's partners, pending and active, with the partner's name and access (members, superadmins, services)" })
  @ApiOkResponse({ schema: itemsOf(PARTNER_VIEW) })
  async partners(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor) {
    await this.access.organization(organizationId, actor, 'organization.read');
    return { items: await this.readModels.queries.partners(organizationId) };
  }

  @Get(':orgId/partner-of')
  @ApiOperation({ summary: 'The organizations this one is an active partner of, with the access each grants (members, superadmins, services)' })
  @ApiOkResponse({ schema: itemsOf(PARTNER_OF_VIEW) })
  async partnerOf(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor) {
    await this.access.organization(organizationId, actor, 'organization.read');
    return { items: await this.readModels.queries.partnerOf(organizationId) };
  }

  /**
   * Everyone who may read the organization sees its description, members by role, recent
   * activity and member counts over time. Pending join requests appear only for those with
   * membership.requests.read (editors, admins), pending invitations only for those with
   * membership.invite (admins); superadmins see both, service tokens neither. The activity
   * is filtered the same way (ACTIVITY_VISIBILITY): invitations for admins, requests for editors+.
   */
  @Get(':orgId/dashboard')
  @ApiOperation({ summary: 'Dashboard: description, members by role and by department, the count of active partners, pending requests (editors+) and invitations with pending and expired counted apart (admins), activity, counts over time' })
  @ApiOkResponse({ schema: DASHBOARD })
  dashboard(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor) {
    // Without awaits: over the embedded store the whole answer is made with no promise (onceFound).
    return onceFound(this.access.organization(organizationId, actor, 'organization.read'), (access) =>
      onceFound(
        this.readModels.queries.dashboard(organizationId, {
          membersPerRole: DASHBOARD_MEMBERS_PER_ROLE,
          activity: DASHBOARD_ACTIVITY,
          activityTypes: visibleActivityTypes(access.can),
          joinRequests: access.can('membership.requests.read'),
          invitations: access.can('membership.invite'),
        }),
        ({ membersByRole, membersByDepartment, recentActivity, memberCountsOverTime, joinRequests, invitations, partnerCount }) => {
          const { organization } = access;
          return {
            organizationId,
            name: organization.name,
            description: organization.description,
            memberCounts: organization.memberCounts,
            memberCount: organization.memberCount,
            membersByRole,
            membersByDepartment,
            partnerCount,
            ...(joinRequests ? { pendingJoinRequests: joinRequests } : {}),
            ...(invitations ? { pendingInvitations: invitations, invitationCounts: invitationCounts(invitations) } : {}),
            recentActivity,
            memberCountsOverTime,
            position: organization.position,
          };
        },
      ),
    );
  }

  @Get(':orgId/join-requests')
  @ApiOperation({ summary: 'Join requests, pending by default (editors, admins, superadmins)' })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'all'] })
  @ApiOkResponse({ schema: itemsOf(JOIN_REQUEST_VIEW) })
  async joinRequests(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor, @Query('status') status?: string) {
    const which = statusFilter(status);
    await this.access.organization(organizationId, actor, 'membership.requests.read');
    return { items: await this.readModels.queries.joinRequests(organizationId, which) };
  }

  @Get(':orgId/invitations')
  @ApiOperation({ summary: 'Invitations: by default those not handled, each with status `pending` or `expired`; `all` adds the handled ones (admins, superadmins)' })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'all'] })
  @ApiOkResponse({ schema: itemsOf(INVITATION_VIEW) })
  async invitations(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor, @Query('status') status?: string) {
    const which = statusFilter(status);
    await this.access.organization(organizationId, actor, 'membership.invite');
    return { items: await this.readModels.queries.invitations(organizationId, which) };
  }
}

/** The dashboard counts expired invitations apart from those that can still be accepted. */
function invitationCounts(invitations: ReadonlyArray<Record<string, unknown>>): { pending: number; expired: number } {
  const expired = invitations.filter((invitation) => invitation.status === 'expired').length;
  return { pending: invitations.length - expired, expired };
}

function statusFilter(status: string | undefined): 'pending' | 'all' {
  if (status === undefined || status === 'pending') return 'pending';
  if (status === 'all') return 'all';
  throw invalid('VALIDATION.STATUS', 'status must be pending or all');
}

function invalid(code: string, detail: string): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, code, detail);
}
