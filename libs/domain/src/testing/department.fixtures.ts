import { randomUUID } from 'node:crypto';
import type { DatasetRole } from '../dataset-roles';
import type { OrganizationEvent } from '../events';
import type { Role } from '../roles';
import { anOrganization, ev, id } from './organization.fixtures';

/**
 * An organization (anOrganization: an organization-wide admin, editor and member) with the
 * departments `water` and `roads`, an admin, an editor and a member restricted to `water`,
 * and an admin and an editor restricted to `roads`.
 */
export function anOrganizationWithDepartments() {
  const o = anOrganization();
  const waterAdmin = id('water-admin');
  const waterEditor = id('water-editor');
  const waterMember = id('water-member');
  const roadsAdmin = id('roads-admin');
  const roadsEditor = id('roads-editor');

  const departmentAdded = (departmentId: string, name: string) =>
    ev('DepartmentAdded', { organizationId: o.org, departmentId, name, addedBy: o.admin });
  /** Makes `userId` a member with `role` in `departmentId` (null: organization-wide) through an approved join request. */
  const joinedIn = (userId: string, role: Role, departmentId: string | null, defaultDatasetRole?: DatasetRole): OrganizationEvent[] => {
    const requestId = randomUUID();
    return [
      o.requested(requestId, userId),
      ev('JoinApproved', {
        organizationId: o.org,
        requestId,
        userId,
        role,
        approvedBy: o.admin,
        departmentId,
        ...(defaultDatasetRole !== undefined ? { defaultDatasetRole } : {}),
      }),
    ];
  };
  /** A pending invitation of `invitee` (a user id) into `departmentId`. */
  const invitedIn = (invitationId: string, userId: string, departmentId: string | null, role: Role = 'editor') =>
    ev('MemberInvited', {
      organizationId: o.org,
      invitationId,
      invitee: { kind: 'user', userId },
      role,
      invitedBy: o.admin,
      expiresAt: '2026-03-08T12:00:00.000Z',
      departmentId,
    });

  const history: OrganizationEvent[] = [
    ...o.history,
    departmentAdded('water', 'Water'),
    departmentAdded('roads', 'Roads'),
    ...joinedIn(waterAdmin, 'admin', 'water'),
    ...joinedIn(waterEditor, 'editor', 'water'),
    ...joinedIn(waterMember, 'member', 'water'),
    ...joinedIn(roadsAdmin, 'admin', 'roads'),
    ...joinedIn(roadsEditor, 'editor', 'roads'),
  ];

  return { ...o, waterAdmin, waterEditor, waterMember, roadsAdmin, roadsEditor, history, departmentAdded, joinedIn, invitedIn };
}
