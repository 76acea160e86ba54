import { eventHash, GENESIS_HASH, storedEvents, type EventStore, type RecordedEvent } from '@roster/event-store';

/**
 * Re-computes an organization stream's hash chain (libs/event-store hash-chain.ts, the one
 * definition the command handler writes with) and names the first event that does not
 * match. Detects an edited event (hash mismatch), a removed or reordered one (revision gap,
 * broken link) and an event written without a hash. Removing the LAST events of a stream
 * leaves a valid shorter chain: a hash chain cannot see truncation by itself, so a signed
 * checkpoint's head (checkpoints.ts) is compared too, when one is given.
 */

export const CHAIN_FAILURE_REASONS = [
  'hash mismatch',
  'broken link (event missing or reordered)',
  'missing hash',
  'revision gap',
  /** The stream ends before the head a signed checkpoint recorded: its last events were removed. */
  'tail removed (checkpoint)',
  /** The event at the checkpoint's head revision has another hash: the chain was rewritten from there. */
  'differs from checkpoint',
] as const;

export type ChainFailureReason = (typeof CHAIN_FAILURE_REASONS)[number];

/** A stream's head as a signed checkpoint recorded it (checkpoints.ts). */
export interface CheckpointHead {
  readonly revision: string;
  readonly position: string;
  readonly id: string;
  readonly hash: string;
  /** When the checkpoint was made (ISO 8601), for the message. */
  readonly checkpointAt: string;
}

export interface ChainFailure {
  /** Revision of the first event that fails, as a decimal string. */
  readonly revision: string;
  /** Its global position, as a decimal string. */
  readonly position: string;
  readonly id: string;
  readonly reason: ChainFailureReason;
  /** One line for a human: what was expected. */
  readonly detail: string;
}

export interface ChainVerification {
  readonly streamId: string;
  /** Events read, including those after the first failure. */
  readonly events: number;
  readonly valid: boolean;
  readonly firstInvalid?: ChainFailure;
}

/** Checks one stream's events, fed in revision order (or in global order, for one stream). */
export class StreamChainVerifier {
  private expectedRevision = 0n;
  private previousHash = GENESIS_HASH;
  private count = 0;
  private failure: ChainFailure | undefined;

  /** `checkpoint`: the head a trusted checkpoint recorded; the stream must reach it, with that hash. */
  constructor(
    readonly streamId: string,
    private readonly checkpoint?: CheckpointHead,
  ) {}

  /** Returns false once the chain is broken; later events are only counted. */
  check(recorded: RecordedEvent): boolean {
    this.count += 1;
    // The chain covers the event as stored: personal fields sealed, whatever a reader was shown.
    const event = recorded.stored ? { ...recorded, ...recorded.stored } : recorded;
    if (this.failure) return false;
    const fail = (reason: ChainFailureReason, detail: string): false => {
      this.failure = { revision: event.revision.toString(), position: event.position.toString(), id: event.id, reason, detail };
      return false;
    };
    if (event.revision !== this.expectedRevision) {
      return event.revision > this.expectedRevision
        ? fail('revision gap', `expected revision ${this.expectedRevision}, found ${event.revision}`)
        : fail('broken link (event missing or reordered)', `revision ${event.revision} appears after revision ${this.expectedRevision - 1n}`);
    }
    const { hash, previousHash } = event.metadata as { hash?: unknown; previousHash?: unknown };
    if (typeof hash !== 'string' || hash.length === 0) return fail('missing hash', 'metadata.hash is absent');
    if (previousHash !== this.previousHash) {
      return fail(
        'broken link (event missing or reordered)',
        `metadata.previousHash ${String(previousHash)} is not the previous event's hash ${this.previousHash}`,
      );
    }
    const computed = eventHash(this.previousHash, event);
    if (computed !== hash) return fail('hash mismatch', `recorded hash ${hash}, computed ${computed}`);
    if (this.checkpoint && this.checkpoint.revision === event.revision.toString() && this.checkpoint.hash !== hash) {
      return fail('differs from checkpoint', `the checkpoint of ${this.checkpoint.checkpointAt} recorded hash ${this.checkpoint.hash} at this revision, the stream has ${hash}`);
    }
    this.previousHash = hash;
    this.expectedRevision += 1n;
    return true;
  }

  result(): ChainVerification {
    const head = this.checkpoint;
    if (!this.failure && head && BigInt(head.revision) >= this.expectedRevision) {
      const ends = this.expectedRevision === 0n ? 'the stream has no events' : `the stream ends at revision ${this.expectedRevision - 1n}`;
      this.failure = {
        revision: head.revision,
        position: head.position,
        id: head.id,
        reason: 'tail removed (checkpoint)',
        detail: `the checkpoint of ${head.checkpointAt} recorded revision ${head.revision} (hash ${head.hash}); ${ends}`,
      };
    }
    return {
      streamId: this.streamId,
      events: this.count,
      valid: this.failure === undefined,
      ...(this.failure ? { firstInvalid: this.failure } : {}),
    };
  }
}

/** Reads the whole stream (never buffered) and verifies it. `onEvent` sees the running count, e.g. for a progress bar. */
export async function verifyStream(
  store: EventStore,
  streamId: string,
  onEvent?: (count: number) => void,
  checkpoint?: CheckpointHead,
): Promise<ChainVerification> {
  const verifier = new StreamChainVerifier(streamId, checkpoint);
  let count = 0;
  for await (const event of storedEvents(store).readStream(streamId)) {
    verifier.check(event);
    onEvent?.(++count);
  }
  return verifier.result();
}

/**
 * Verifies every stream whose id starts with `prefix`, in one pass over the global log
 * (memory: one small verifier per stream). `onEvent` sees every event read, for progress.
 * `checkpointHead` gives a stream's head in a trusted checkpoint: a stream it names that has
 * no event left at all is reported too.
 */
export async function verifyAllStreams(
  store: EventStore,
  prefix: string,
  onEvent?: (event: RecordedEvent) => void,
  checkpoint?: { readonly streams: Iterable<string>; head(streamId: string): CheckpointHead | undefined },
): Promise<ChainVerification[]> {
  const verifiers = new Map<string, StreamChainVerifier>();
  const verifierOf = (streamId: string) => {
    let verifier = verifiers.get(streamId);
    if (!verifier) verifiers.set(streamId, (verifier = new StreamChainVerifier(streamId, checkpoint?.head(streamId))));
    return verifier;
  };
  for await (const event of storedEvents(store).readAll()) {
    onEvent?.(event);
    if (!event.streamId.startsWith(prefix)) continue;
    verifierOf(event.streamId).check(event);
  }
  for (const streamId of checkpoint?.streams ?? []) if (streamId.startsWith(prefix)) verifierOf(streamId);
  return [...verifiers.values()].map((v) => v.result());
}
