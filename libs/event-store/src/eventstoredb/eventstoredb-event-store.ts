import {
  ANY,
  AppendExpectedRevision,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  JSONType,
  NO_STREAM,
  Position,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreHealth,
  SubscribeToAllOptions,
  WrongExpectedRevisionError,
} from '../event-store.port';

export type EventStoreDbEventStoreOptions =
  | { readonly connectionString: string }
  /** A client owned by the caller: close() then leaves it open. */
  | { readonly client: EventStoreDBClient };

/** Shape shared by the client's recorded events (stream reads and $all reads). */
interface EsdbRecorded {
  readonly id: string;
  readonly streamId: string;
  readonly type: string;
  readonly revision: bigint;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly created: Date;
  readonly position?: Position;
}

/**
 * EventStore over EventStoreDB (gRPC client v6). Global positions are the events' commit
 * positions in the transaction log: strictly increasing, with large gaps. System events
 * ($-prefixed types or streams) are left out of readAll and subscribeToAll.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly ownsClient: boolean;
  /** Aborted by close(): ends every live subscription. */
  private readonly closing = new AbortController();

  constructor(options: EventStoreDbEventStoreOptions) {
    if ('client' in options) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      this.client = EventStoreDBClient.connectionString(options.connectionString);
      this.ownsClient = true;
    }
  }

  async append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    const expectedRevision: AppendExpectedRevision =
      expected === 'no_stream' ? NO_STREAM : expected === 'any' ? ANY : expected;
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((e) =>
          jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata: e.metadata as JSONType }),
        ),
        { expectedRevision },
      );
      // The server reports the commit position of the last event written.
      const position =
        events.length === 0
          ? await this.headPosition()
          : (result.position?.commit ?? (await this.positionOf(streamId, result.nextExpectedRevision)));
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion;
        throw new WrongExpectedRevisionError(streamId, expected, typeof actual === 'bigint' ? actual : 'no_stream');
      }
      throw error;
    }
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    if (options.maxCount === 0) return;
    const reading = this.client.readStream(streamId, {
      fromRevision: options.fromRevision ?? START,
      maxCount: options.maxCount,
      direction: FORWARDS,
    });
    try {
      for await (const resolved of reading) {
        if (resolved.event) yield toRecorded(resolved.event as EsdbRecorded);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw error;
    } finally {
      await cancelIfUnfinished(reading);
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const from = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    // No server-side filter on reads of $all in this client: system events are skipped here,
    // so maxCount is counted on delivered events, not on the server's read.
    const reading = this.client.readAll({ fromPosition: toReadPosition(from), direction: FORWARDS });
    try {
      for await (const resolved of reading) {
        const event = resolved.event as EsdbRecorded | undefined;
        // A read of $all starts at fromPosition inclusive; the port's is exclusive.
        if (!event || isSystem(event) || commitOf(event) <= from) continue;
        yield toRecorded(event);
        if (--remaining <= 0) return;
      }
    } finally {
      await cancelIfUnfinished(reading);
    }
  }

  async *subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<readonly RecordedEvent[]> {
    const maxBatchSize = options.maxBatchSize ?? 500;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let last = options.fromPosition ?? 0n;
    const stop = linkedAbort(options.signal, this.closing.signal);
    if (stop.signal.aborted || remaining <= 0) {
      stop.dispose();
      return;
    }

    // The server resumes strictly after fromPosition and filters system events itself.
    const subscription = this.client.subscribeToAll({
      fromPosition: toReadPosition(last),
      filter: excludeSystemEvents(),
    });
    const events = subscription[Symbol.asyncIterator]();
    const aborted = new Promise<'aborted'>((resolve) => {
      if (stop.signal.aborted) resolve('aborted');
      stop.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    try {
      while (!stop.signal.aborted && remaining > 0) {
        const next = events.next();
        next.catch(() => undefined); // may reject after an abort, when nobody awaits it any more
        const first = await Promise.race([next, aborted]);
        if (first === 'aborted' || first.done) return;
        // Batch what the client has already buffered; the stream's own buffer limit
        // (highWaterMark) pauses the gRPC call while the consumer is slow.
        const resolved = [first.value];
        while (resolved.length < Math.min(maxBatchSize, remaining) && subscription.readableLength > 0) {
          const more = await events.next();
          if (more.done) break;
          resolved.push(more.value);
        }
        const batch: RecordedEvent[] = [];
        for (const r of resolved) {
          const event = r.event as EsdbRecorded | undefined;
          if (!event || isSystem(event) || commitOf(event) <= last) continue;
          batch.push(toRecorded(event));
        }
        if (batch.length === 0) continue;
        last = batch[batch.length - 1].position;
        remaining -= batch.length;
        yield batch;
      }
    } catch (error) {
      if (stop.signal.aborted) return;
      throw error;
    } finally {
      stop.dispose();
      await subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    }
  }

  /** The client reconnects by itself; whether the server answers is what headPosition tells. */
  health(): StoreHealth {
    return { writable: true };
  }

  async headPosition(): Promise<bigint> {
    // Newest first; system events (statistics, scavenges...) are skipped until a user event.
    const reading = this.client.readAll({ fromPosition: END, direction: BACKWARDS });
    try {
      for await (const resolved of reading) {
        const event = resolved.event as EsdbRecorded | undefined;
        if (event && !isSystem(event)) return commitOf(event);
      }
      return 0n;
    } finally {
      await cancelIfUnfinished(reading);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    if (this.ownsClient) await this.client.dispose();
  }

  private async positionOf(streamId: string, revision: bigint): Promise<bigint> {
    for await (const event of this.readStream(streamId, { fromRevision: revision, maxCount: 1 })) {
      return event.position;
    }
    throw new Error(`EventStoreDB: appended event ${streamId}@${revision} not found`);
  }
}

/** Leaving a read early destroys the client's stream but not its gRPC call: cancel that too. */
async function cancelIfUnfinished(reading: { readonly readableEnded: boolean; cancel(): Promise<void> }): Promise<void> {
  if (!reading.readableEnded) await reading.cancel().catch(() => undefined);
}

function isSystem(event: EsdbRecorded): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function commitOf(event: EsdbRecorded): bigint {
  // Servers before 22.6 give no position on stream reads; 24.x always does.
  if (!event.position) throw new Error(`EventStoreDB: event ${event.id} has no position (server too old?)`);
  return event.position.commit;
}

/** Positions come from our own events, whose commit and prepare positions coincide. */
function toReadPosition(position: bigint): Position | typeof START {
  return position <= 0n ? START : { commit: position, prepare: position };
}

function toRecorded(event: EsdbRecorded): RecordedEvent {
  const metadata =
    event.metadata && typeof event.metadata === 'object' && !(event.metadata instanceof Uint8Array)
      ? (event.metadata as Record<string, unknown>)
      : {};
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    data: event.data,
    metadata,
    revision: event.revision,
    position: commitOf(event),
    recordedAt: event.created,
  };
}

/** An AbortSignal that fires when either input fires; dispose() detaches the listeners. */
function linkedAbort(...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  for (const s of signals) {
    if (s?.aborted) controller.abort();
    s?.addEventListener('abort', abort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) s?.removeEventListener('abort', abort);
    },
  };
}
