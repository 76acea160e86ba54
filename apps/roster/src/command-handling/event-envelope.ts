import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSION, type CommandContext, type EventMetadata } from '@roster/domain';
import { eventHash, type EventToAppend } from '@roster/event-store';
import type { CommandRequest } from './execute-organization.command';

/** Where the events go: the stream, its last revision (-1n: none) and its last event's hash. */
export interface ChainHead {
  readonly streamId: string;
  readonly revision: bigint;
  readonly lastHash: string;
}

/**
 * The one way events are built for appending: ids, metadata (actor, time, correlation,
 * causation, command, idempotency) and the hash chain from `head.lastHash`. Pure apart from
 * the fresh event ids. The service, bench:audit and bench:commands all use it.
 */
export function buildEventsToAppend(
  head: ChainHead,
  events: readonly { type: string; data: unknown }[],
  commandName: string,
  context: CommandContext,
  request: CommandRequest,
): EventToAppend[] {
  const actor = { userId: context.actor.userId, platformRoles: [...context.actor.platformRoles] };
  const occurredAt = context.now.toISOString();
  const idempotency =
    request.idempotencyKey !== undefined && request.fingerprint !== undefined
      ? { idempotencyKey: request.idempotencyKey, requestFingerprint: request.fingerprint }
      : undefined;
  let previousHash = head.lastHash;
  return events.map((event, index) => {
    const id = randomUUID();
    const metadata: EventMetadata & { hash?: string } = {
      actor,
      occurredAt,
      correlationId: request.correlationId,
      causationId: request.commandId,
      schemaVersion: EVENT_SCHEMA_VERSION,
      command: commandName,
      ...idempotency,
      ...(request.trace ? { traceparent: request.trace.traceparent, ...(request.trace.tracestate ? { tracestate: request.trace.tracestate } : {}) } : {}),
      previousHash,
    };
    const revision = head.revision + 1n + BigInt(index);
    // The hash covers the metadata without its own hash; it is added after, to the same object (no copy).
    const hash = eventHash(previousHash, { streamId: head.streamId, revision, id, type: event.type, data: event.data, metadata: metadata as unknown as Record<string, unknown> });
    metadata.hash = hash;
    previousHash = hash;
    return { id, type: event.type, data: event.data, metadata: metadata as unknown as Record<string, unknown> };
  });
}
