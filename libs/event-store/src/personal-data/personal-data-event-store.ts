import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, StoreHealth, SubscribeToAllOptions } from '../event-store.port';
import { eventHash } from '../hash-chain';
import type { PersonalDataVault } from './personal-data-vault';

/**
 * The one place personal data is encrypted and decrypted: a decorator of the EventStore port.
 * Appends seal the personal fields before the store sees them, and re-link the hash chain
 * over what is stored (from the first event's `metadata.previousHash`), so the chain covers
 * the ciphertext and still verifies once a key is destroyed. Every read (the command fold,
 * projections, the publisher, history, as-of) gets the fields opened: plaintext, or
 * `{"erased": true}`. Chain verification reads `sealed`, the store underneath.
 */
export class PersonalDataEventStore implements EventStore {
  constructor(
    /** The store underneath: what is on disk, ciphertext included. */
    readonly sealed: EventStore,
    readonly vault: PersonalDataVault,
  ) {}

  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    // Nothing personal to seal (most commands): the store's own promise, no await of this one's
    // (measured: promises are a visible part of a command's CPU, docs/benchmarks.md).
    let plain: boolean;
    try {
      plain = !this.vault.hasFieldsToSeal(events);
    } catch (error) {
      return Promise.reject(error);
    }
    return plain ? this.sealed.append(streamId, events, expected) : this.appendSealed(streamId, events, expected);
  }

  private async appendSealed(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    const sealed = await this.vault.sealAll(streamId, events);
    if (sealed.every((event, index) => event === events[index])) return this.sealed.append(streamId, events, expected);
    const chained = relink(streamId, sealed, expected);
    const result = await this.sealed.append(streamId, chained, expected);
    const lastHash = chained[chained.length - 1]?.metadata.hash;
    return typeof lastHash === 'string' ? { ...result, lastHash } : result;
  }

  async *readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.sealed.readStream(streamId, options)) yield this.vault.open(event);
  }

  async *readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.sealed.readAll(options)) yield this.vault.open(event);
  }

  async *subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<readonly RecordedEvent[]> {
    for await (const batch of this.sealed.subscribeToAll(options)) yield Promise.all(batch.map((event) => this.vault.open(event)));
  }

  headPosition(): Promise<bigint> {
    return this.sealed.headPosition();
  }

  health(): StoreHealth {
    return this.sealed.health();
  }

  async close(): Promise<void> {
    await this.sealed.close();
    await this.vault.keys.close();
  }
}

/**
 * Recomputes the hash chain of events that carry one (metadata.previousHash and hash, as the
 * command envelope builds them) over their sealed form. Their revisions must be known.
 */
function relink(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): EventToAppend[] {
  const first = events[0]?.metadata.previousHash;
  if (typeof first !== 'string') return [...events];
  if (expected === 'any') throw new Error(`${streamId}: chained events with personal data need an expected revision to be sealed`);
  const base = expected === 'no_stream' ? 0n : expected + 1n;
  let previousHash = first;
  return events.map((event, index) => {
    const metadata = { ...event.metadata, previousHash };
    const hash = eventHash(previousHash, { streamId, revision: base + BigInt(index), id: event.id, type: event.type, data: event.data, metadata });
    previousHash = hash;
    return { ...event, metadata: { ...metadata, hash } };
  });
}

/** The store as it is on disk, personal fields sealed: what chain verification hashes, with no decryption to pay for. */
export const storedEvents = (store: EventStore): EventStore => (store instanceof PersonalDataEventStore ? store.sealed : store);
