import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../commands';
import { organizationDecider } from '../decider';
import { deciderSpec } from './decider-spec';
import type { EventOfType, Invitee, OrganizationEvent, OrganizationEventType } from '../events';
import { initialState, evolve, type OrganizationState } from '../organization.state';
import type { PersistentMap } from '../persistent-map';
import type { Role } from '../roles';

/** Shared by the decider specs: fresh ids per scenario, a fixed command time. */
export const given = deciderSpec(organizationDecider);

const NOW = new Date('2026-03-01T12:00:00.000Z');
export const DAY_MS = 24 * 60 * 60 * 1000;
export const inDays = (days: number, from: Date = NOW) => new Date(from.getTime() + days * DAY_MS);

/** A command context for `userId`; an `email` is verified (as the portal's identity provider says) unless `emailVerified: false`. */
export function as(userId: string, options: { email?: string; emailVerified?: boolean; superadmin?: boolean; now?: Date } = {}): CommandContext {
  return {
    actor: {
      userId,
      ...(options.email !== undefined ? { email: options.email, emailVerified: options.emailVerified ?? true } : {}),
      platformRoles: options.superadmin ? ['superadmin'] : [],
    },
    now: options.now ?? NOW,
  };
}

export function ev<T extends OrganizationEventType>(type: T, data: EventOfType<T>['data']): OrganizationEvent {
  return { type, data } as OrganizationEvent;
}

export const id = (prefix: string) => `${prefix}-${randomUUID()}`;

/** An organization with an admin (its creator), an editor and a member, and an outsider. */
export function anOrganization() {
  const org = randomUUID();
  const admin = id('admin');
  const editor = id('editor');
  const member = id('member');
  const outsider = id('outsider');
  const superadmin = id('superadmin');
  const created = ev('OrganizationCreated', { organizationId: org, name: 'Open Data Sud', description: '', createdBy: admin });

  const requested = (requestId: string, userId: string, message?: string) =>
    ev('JoinRequested', { organizationId: org, requestId, userId, ...(message !== undefined ? { message } : {}) });
  const approved = (requestId: string, userId: string, role: Role) =>
    ev('JoinApproved', { organizationId: org, requestId, userId, role, approvedBy: admin });
  /** Makes `userId` a member with `role` through an approved join request. */
  const joined = (userId: string, role: Role) => {
    const requestId = randomUUID();
    return [requested(requestId, userId), approved(requestId, userId, role)];
  };
  const invited = (invitationId: string, invitee: Invitee, role: Role = 'editor', expiresAt = inDays(7).toISOString()) =>
    ev('MemberInvited', { organizationId: org, invitationId, invitee, role, invitedBy: admin, expiresAt });

  /** Created, plus an editor and a member. */
  const history: OrganizationEvent[] = [created, ...joined(editor, 'editor'), ...joined(member, 'member')];

  return { org, admin, editor, member, outsider, superadmin, created, history, requested, approved, joined, invited };
}

/**
 * Folds a whole history from the initial state. Items may be recorded events (same
 * `type`/`data`) whose `metadata.occurredAt` then dates memberships and requests.
 */
export function foldOrganization(
  events: Iterable<OrganizationEvent & { readonly metadata?: { readonly occurredAt?: unknown } }>,
  from: OrganizationState = initialState,
): OrganizationState {
  let state = from;
  for (const event of events) {
    const occurredAt = event.metadata?.occurredAt;
    state = evolve(state, event, typeof occurredAt === 'string' ? { occurredAt } : undefined);
  }
  return state;
}

/** A plain, JSON-friendly copy of the state (members sorted by user id), e.g. for an as-of view. */
export function organizationStateToJson(state: OrganizationState) {
  const byKey = <V>(map: PersistentMap<V>) => Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    status: state.status,
    id: state.id,
    name: state.name,
    description: state.description,
    createdAt: state.createdAt ?? null,
    members: byKey(state.members),
    invitations: byKey(state.invitations),
    joinRequests: byKey(state.joinRequests),
    handledInvitations: byKey(state.handledInvitations),
    handledJoinRequests: byKey(state.handledJoinRequests),
    departments: byKey(state.departments),
  };
}
