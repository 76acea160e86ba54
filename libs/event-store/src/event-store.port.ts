/**
 * The one port every store implements. Streams are ordered by a 0-based revision;
 * the whole store is ordered by a global position (bigint, strictly increasing,
 * possibly with gaps). Positions travel as bigint end to end.
 */

export interface EventToAppend {
  /** Unique event id (UUID). Appending an id twice is not deduplicated by the port. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** 0-based position of the event inside its stream. */
  readonly revision: bigint;
  /** Global position in the store; later events have larger positions. */
  readonly position: bigint;
  /** When the store recorded the event. */
  readonly recordedAt: Date;
  /**
   * The data and metadata exactly as stored, when a decorator changed what readers see
   * (PersonalDataEventStore: personal fields opened). Read models copy sealed values from here.
   */
  readonly stored?: { readonly data: unknown; readonly metadata: Readonly<Record<string, unknown>> };
}

/** `no_stream`: the stream must not exist; a bigint: the revision of its last event; `any`: no check. */
export type ExpectedRevision = 'no_stream' | 'any' | bigint;

export interface AppendResult {
  /** Revision of the last event appended. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last event appended. */
  readonly position: bigint;
  /**
   * `metadata.hash` of the last event as stored, when the store rewrote the hash chain of
   * what it was given (PersonalDataEventStore: the chain covers the sealed values).
   */
  readonly lastHash?: string;
}

export interface ReadStreamOptions {
  /** Inclusive; default 0n. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default: from the start. */
  readonly fromPosition?: bigint;
  readonly maxCount?: number;
}

export interface SubscribeToAllOptions extends ReadAllOptions {
  /** Largest batch handed to the consumer at once (default 500). */
  readonly maxBatchSize?: number;
  /** Ends the subscription: the iterator returns after the batch in progress. */
  readonly signal?: AbortSignal;
}

export interface EventStore {
  /** Appends atomically, all or nothing; throws WrongExpectedRevisionError on a conflict. */
  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream in revision order; an unknown stream yields nothing. */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Events of all streams in position order, strictly after `fromPosition`. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /**
   * Catch-up subscription: every event strictly after `fromPosition`, in position order,
   * in batches; then live events as they are appended (by this process or another one),
   * until the signal aborts or the store is closed. The next batch is read only when the
   * consumer asks for it, so a slow consumer applies back-pressure.
   */
  subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<readonly RecordedEvent[]>;
  /** Position of the last event in the store (0n when empty). */
  headPosition(): Promise<bigint>;
  /** Whether the store can take appends now; when not, a stable code and a sentence why. */
  health(): StoreHealth;
  close(): Promise<void>;
}

export type StoreHealth = { readonly writable: true } | { readonly writable: false; readonly code: string; readonly detail: string };

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/**
 * The store could not take an append for a while (locked by another process, disk full, an
 * I/O error, its writer restarting): nothing of it was written, and the same append may be
 * retried after `retryAfterSeconds`. `code` is stable (STORE.BUSY, STORE.FULL, ...).
 */
export class EventStoreUnavailableError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}

/** Injection token for the configured EventStore. */
export const EVENT_STORE = Symbol('EVENT_STORE');
