import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import type { Message } from 'kafkajs';
import type { RecordedEvent } from '@roster/event-store';
import { isOrganizationEventType, type EventMetadata, type OrganizationEvent } from '@roster/domain/events';
import { toPublicEvents, type PublicEvent } from './public-events';

/** CloudEvents `source` of everything Roster publishes. */
export const ROSTER_EVENT_SOURCE = '/roster';

/**
 * The envelope's attributes beyond the CloudEvents core. Extension names are lowercase
 * alphanumerics (CloudEvents 1.0 naming rule); positions travel as decimal strings.
 */
export interface RosterCloudEventExtensions {
  /** User id of whoever issued the command. */
  actor: string;
  correlationid: string;
  causationid: string;
  /** Global position of the domain event in the event store. */
  position: string;
  /** Revision of the domain event in its organization's stream (0-based). */
  streamrevision: string;
  /** Kafka binding extension: the message key, the organization id. */
  partitionkey: string;
}

export type RosterCloudEvent = CloudEvent<PublicEvent['data']> & RosterCloudEventExtensions & { type: PublicEvent['type'] };

/** Raised for an event the publisher cannot map; the publisher stops rather than skip it. */
export class UnmappableEventError extends Error {
  constructor(readonly event: RecordedEvent) {
    super(`Cannot publish event ${event.id} (${event.type}) at position ${event.position}: no public mapping`);
    this.name = 'UnmappableEventError';
  }
}

/** Reads a recorded event as the current version of its domain event (the app's upcaster). */
export type Upcaster = (recorded: RecordedEvent) => { readonly type: string; readonly data: unknown };

export interface ToCloudEventsOptions {
  /** CloudEvents `source` (default `/roster`). */
  readonly source?: string;
  /** Applied before mapping, so older recorded versions publish as the current contract. */
  readonly upcast?: Upcaster;
}

/** One recorded domain event as its public CloudEvents (one or two, see toPublicEvents). */
export function toCloudEvents(recorded: RecordedEvent, options: ToCloudEventsOptions = {}): RosterCloudEvent[] {
  const source = options.source ?? ROSTER_EVENT_SOURCE;
  const current = options.upcast ? options.upcast(recorded) : recorded;
  if (!isOrganizationEventType(current.type)) throw new UnmappableEventError(recorded);
  const domainEvent = { type: current.type, data: current.data } as OrganizationEvent;
  const metadata = recorded.metadata as Partial<EventMetadata>;
  const organizationId = domainEvent.data.organizationId;
  const extensions: RosterCloudEventExtensions = {
    actor: metadata.actor?.userId ?? 'unknown',
    correlationid: metadata.correlationId ?? recorded.id,
    causationid: metadata.causationId ?? recorded.id,
    position: recorded.position.toString(),
    streamrevision: recorded.revision.toString(),
    partitionkey: organizationId,
  };
  // Built without the package's per-event schema check (strict = false): the envelope's
  // shape is fixed here and checked for every type by the contract specs (asyncapi.json and
  // CloudEvent.validate()); the check would cost a third of the relay's mapping time.
  return toPublicEvents(domainEvent).map(
    ({ idSuffix, type, data }) =>
      new CloudEvent<PublicEvent['data']>(
        {
          specversion: '1.0',
          id: recorded.id + idSuffix,
          source,
          type,
          subject: organizationId,
          time: metadata.occurredAt ?? recorded.recordedAt.toISOString(),
          datacontenttype: 'application/json',
          data,
          ...extensions,
        },
        false,
      ) as RosterCloudEvent,
  );
}

/**
 * Structured content mode (the whole envelope as one JSON document in the record value,
 * `content-type: application/cloudevents+json`), chosen over binary mode because: the
 * value alone is the complete, self-describing event, so it survives tools that drop or
 * rewrite headers (MirrorMaker setups, sink connectors, dead-letter dumps, `kafka-console-
 * consumer`); a consumer in any language needs only a JSON parser; and one JSON Schema in
 * asyncapi.json validates envelope and payload together. The cost (attributes parsed from
 * the value rather than read from headers) is negligible at membership-event volumes.
 * Key = organization id, so one organization's events share a partition and keep order.
 */
export function toKafkaMessage(event: RosterCloudEvent): Message {
  const structured = Kafka.structured(event);
  return {
    key: event.partitionkey,
    value: structured.value as string,
    headers: { 'content-type': String(structured.headers['content-type']) },
    timestamp: structured.timestamp,
  };
}

/** Reads a consumed record back into a CloudEvent (structured mode). */
export function fromKafkaMessage(message: {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, unknown>;
}): RosterCloudEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  const kafkaMessage: KafkaMessage<string> = {
    key: message.key === null ? '' : message.key.toString(),
    value: message.value === null ? '' : message.value.toString(),
    headers,
    body: undefined,
  };
  const event = Kafka.toEvent(kafkaMessage);
  if (Array.isArray(event)) throw new Error('Batched CloudEvents are not published on this topic');
  return event as RosterCloudEvent;
}
