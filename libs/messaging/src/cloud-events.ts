import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import type { Message } from 'kafkajs';
import type { RecordedEvent } from '@roster/event-store';
import { readRecordedEvent } from '@roster/domain/recorded-event';
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
  /**
   * Distributed tracing extension: the W3C trace context of the request that caused the
   * event, when it carried one, so a consumer joins the portal's trace to the change.
   */
  traceparent?: string;
  tracestate?: string;
}

export type RosterCloudEvent = CloudEvent<PublicEvent['data']> & RosterCloudEventExtensions & { type: PublicEvent['type'] };

/** Raised for an event the publisher cannot map; the publisher stops rather than skip it. */
export class UnmappableEventError extends Error {
  constructor(readonly event: RecordedEvent) {
    super(`Cannot publish event ${event.id} (${event.type}) at position ${event.position}: no public mapping`);
    this.name = 'UnmappableEventError';
  }
}

export interface ToCloudEventsOptions {
  /** CloudEvents `source` (default `/roster`). */
  readonly source?: string;
}

/**
 * One recorded domain event as its public CloudEvents (one or two, see toPublicEvents),
 * read (and upcast) by the domain's one reader, so an older recorded version publishes as
 * the current contract.
 */
export function toCloudEvents(recorded: RecordedEvent, options: ToCloudEventsOptions = {}): RosterCloudEvent[] {
  const source = options.source ?? ROSTER_EVENT_SOURCE;
  const read = readRecordedEvent(recorded);
  const domainEvent = read.event;
  if (!domainEvent) throw new UnmappableEventError(recorded);
  const organizationId = domainEvent.data.organizationId;
  const extensions: RosterCloudEventExtensions = {
    actor: read.actorId,
    correlationid: read.correlationId ?? recorded.id,
    causationid: read.causationId ?? recorded.id,
    position: recorded.position.toString(),
    streamrevision: recorded.revision.toString(),
    partitionkey: organizationId,
    ...(read.traceparent !== null ? { traceparent: read.traceparent, ...(read.tracestate !== null ? { tracestate: read.tracestate } : {}) } : {}),
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
          time: read.occurredAt,
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
    // The trace context also as headers, where Kafka instrumentations (OpenTelemetry's) look for it.
    headers: {
      'content-type': String(structured.headers['content-type']),
      ...(event.traceparent !== undefined ? { traceparent: event.traceparent } : {}),
      ...(event.tracestate !== undefined ? { tracestate: event.tracestate } : {}),
    },
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
