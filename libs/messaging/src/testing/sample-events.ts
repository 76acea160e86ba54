import { randomUUID } from 'node:crypto';
import type { EventMetadata, OrganizationEvent } from '@roster/domain/events';
import type { EventToAppend } from '@roster/event-store';

/**
 * Realistic organization histories for publisher tests and the benchmark: a creation, then
 * join requests, approvals and role changes, cycling through users. Business rules are
 * decide's business; the publisher only needs well-formed events.
 */
export function organizationEvents(organizationId: string, count: number, startAt = 0): EventToAppend[] {
  const events: EventToAppend[] = [];
  for (let i = startAt; i < startAt + count; i++) events.push(toAppend(organizationEvent(organizationId, i)));
  return events;
}

export function organizationEvent(organizationId: string, index: number): OrganizationEvent {
  const admin = `admin-${organizationId.slice(0, 8)}`;
  if (index === 0) {
    return { type: 'OrganizationCreated', data: { organizationId, name: `Organization ${organizationId.slice(0, 8)}`, description: 'Open data of a test region', createdBy: admin } };
  }
  const userId = `user-${Math.ceil(index / 3)}`;
  const requestId = `req-${Math.ceil(index / 3)}`;
  switch (index % 3) {
    case 1:
      return { type: 'JoinRequested', data: { organizationId, requestId, userId, message: 'I work on the regional transport datasets' } };
    case 2:
      return { type: 'JoinApproved', data: { organizationId, requestId, userId, role: 'member', approvedBy: admin } };
    default:
      return { type: 'MemberRoleChanged', data: { organizationId, userId, from: 'member', to: 'editor', changedBy: admin } };
  }
}

export function toAppend(event: OrganizationEvent, actor = 'user-actor'): EventToAppend {
  const id = randomUUID();
  const metadata: EventMetadata = {
    actor: { userId: actor },
    occurredAt: new Date().toISOString(),
    correlationId: randomUUID(),
    causationId: randomUUID(),
    schemaVersion: 1,
    command: 'Test',
  };
  return { id, type: event.type, data: event.data, metadata: metadata as unknown as Record<string, unknown> };
}
