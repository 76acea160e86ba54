import { ERASED, personalFieldRules, personKeyName, type Person } from '@roster/domain';
import { LRUCache } from 'lru-cache';
import { associatedData, isSealed, openValue, sealValue, type SealedValue } from './field-cipher';
import type { KeyStore, PersonKey } from './key-store.port';

/** An event as the vault reads and writes it (an EventToAppend or a RecordedEvent fits). */
interface EventLike {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface PersonalDataVaultOptions {
  /** Keys kept in memory (default 10 000). */
  readonly cacheSize?: number;
  /**
   * How long a key is trusted from memory (default 60 s): another instance's erasure reaches
   * this one's cache within that time at most.
   */
  readonly cacheTtlMs?: number;
  /**
   * Opened values kept in memory (default 20 000), each trusted only while its key is: see
   * openFields. Plaintext in this process's memory only, never logged or stored.
   */
  readonly openedCacheSize?: number;
}

/** One sealed value to open, where it was read from: the event field it was copied from, and its stream. */
export interface SealedField {
  readonly value: unknown;
  /** The dotted path in the event, e.g. `data.invitee.email`. */
  readonly field: string;
  readonly streamId: string;
}

/**
 * An opened value, the sealed value it came from and the key that opened it: good only for
 * that same sealed value, and while that same key is the one in memory for its id.
 */
interface OpenedValue {
  readonly key: Buffer;
  readonly sealed: SealedValue;
  readonly value: unknown;
}

/** Characters an opened value is counted for in the cache's bound (its JSON for anything else than a string). */
const openedSize = (entry: OpenedValue): number =>
  64 + entry.sealed.ct.length + (typeof entry.value === 'string' ? entry.value.length : JSON.stringify(entry.value).length);

const NO_KEY = Symbol('no key');

const getIn = (root: unknown, path: readonly string[]): unknown => {
  let value = root;
  for (const name of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
};

/** A copy of `root` with `value` at `path`, sharing everything off the path. */
const setIn = (root: unknown, path: readonly string[], value: unknown): unknown => {
  if (path.length === 0) return value;
  const record = (root ?? {}) as Record<string, unknown>;
  return { ...record, [path[0]]: setIn(record[path[0]], path.slice(1), value) };
};

/** The personal fields of `event` to seal (the catalogue's rules): present, not sealed yet, with an owner. */
function fieldsToSeal(event: EventLike): { path: readonly string[]; value: unknown; name: string }[] {
  return personalFieldRules(event.type).flatMap((rule) => {
    const value = getIn(event, rule.path);
    if (value === undefined || value === null || isSealed(value)) return [];
    const owner = rule.owner(event.data as Record<string, unknown>, event.metadata);
    return owner === undefined ? [] : [{ path: rule.path, value, name: personKeyName(owner) }];
  });
}

/**
 * Seals and opens the personal fields of events (the catalogue: libs/domain personal-data.ts),
 * each under its owner's key, with the field's path and the stream id as associated data.
 * Opening never throws: a value whose key was destroyed (or that does not authenticate)
 * reads as `{"erased": true}`.
 */
export class PersonalDataVault {
  private readonly byOwner: LRUCache<string, PersonKey>;
  private readonly byId: LRUCache<string, Buffer | typeof NO_KEY>;
  /**
   * Opened values by the sealed value and where it sits (openedKey). Measured: opening
   * (AES-256-GCM, a decipher per value) was most of a dashboard's own work, every request.
   */
  private readonly opened: LRUCache<string, OpenedValue>;
  /** Counts destroyKey and forgetKeys: a key read across one of them is not used. */
  private keysForgotten = 0;
  /** How long a key is trusted from memory (cacheTtlMs): an opened value shown for longer must be opened again. */
  readonly keyTtlMs: number;
  /** Tells the other processes sharing the key store that a key was destroyed (tellOthersWith). */
  private tellOthers: (() => Promise<void>) | undefined;

  constructor(
    readonly keys: KeyStore,
    options: PersonalDataVaultOptions = {},
  ) {
    const max = options.cacheSize ?? 10_000;
    const ttl = options.cacheTtlMs ?? 60_000;
    this.keyTtlMs = ttl;
    this.byOwner = new LRUCache({ max, ttl });
    this.byId = new LRUCache({ max, ttl });
    const openedMax = options.openedCacheSize ?? 20_000;
    // Bounded in entries and in characters (a join request's message is longer than an address).
    this.opened = new LRUCache({ max: openedMax, maxSize: openedMax * 256, sizeCalculation: openedSize });
  }

  /**
   * Grows whenever keys held in memory are destroyed or forgotten (destroyKey, forgetKeys): a
   * value opened before may read as erased now. What keeps opened values outside the vault
   * (a kept answer) drops them when it grows, and keeps them keyTtlMs at most.
   */
  get generation(): number {
    return this.keysForgotten;
  }

  /** True when sealAll would seal something in `events` (a personal field not sealed yet, with its owner). */
  hasFieldsToSeal(events: readonly EventLike[]): boolean {
    return events.some((event) => fieldsToSeal(event).length > 0);
  }

  /** The events with their personal fields sealed; an event without any is returned as is. */
  async sealAll<E extends EventLike>(streamId: string, events: readonly E[]): Promise<E[]> {
    const found = events.map(fieldsToSeal);
    const keys = await this.keysFor(found.flatMap((fields) => fields.map((field) => field.name)));
    return events.map((event, index) => {
      const sealed: { data: unknown; metadata: unknown } = { data: event.data, metadata: event.metadata };
      for (const { path, value, name } of found[index]) {
        const key = keys.get(name) as PersonKey;
        const [part, ...rest] = path as [keyof typeof sealed, ...string[]];
        sealed[part] = setIn(sealed[part], rest, sealValue(value, key.kid, key.key, associatedData(path.join('.'), streamId)));
      }
      return found[index].length === 0 ? event : { ...event, data: sealed.data, metadata: sealed.metadata as E['metadata'] };
    });
  }

  /**
   * The event with its personal fields opened (plaintext, or the erased marker), and the
   * event as stored under `stored` when anything was opened; the same object when nothing was.
   */
  async open<E extends EventLike & { readonly streamId: string }>(event: E): Promise<E> {
    let opened: { data: unknown; metadata: unknown } | undefined;
    for (const rule of personalFieldRules(event.type)) {
      const value = getIn(event, rule.path);
      if (!isSealed(value)) continue;
      opened ??= { data: event.data, metadata: event.metadata };
      const [part, ...rest] = rule.path as [keyof typeof opened, ...string[]];
      opened[part] = setIn(opened[part], rest, await this.openField(value, rule.path.join('.'), event.streamId));
    }
    return opened ? { ...event, data: opened.data, metadata: opened.metadata as E['metadata'], stored: { data: event.data, metadata: event.metadata } } : event;
  }

  /**
   * One sealed value, as a read model keeps it: plaintext, or the erased marker. `field` is
   * the dotted path in the event (e.g. `data.invitee.email`); anything not sealed is returned as is.
   */
  async openField(value: unknown, field: string, streamId: string): Promise<unknown> {
    if (!isSealed(value)) return value;
    return this.openWith(value, field, streamId, await this.keyById(value.kid));
  }

  /**
   * Several values at once, in order, as openField opens each: the keys not in memory are
   * read in one round, and a value opened before is not deciphered again while its key is
   * still the one in memory. So an opened value never outlives its key here: destroyKey and
   * forgetKeys drop it with the keys, and a key's time to live bounds it as it bounds the key.
   */
  async openFields(fields: readonly SealedField[]): Promise<unknown[]> {
    const now = this.openFieldsNow(fields);
    if (now !== undefined) return now;
    for (;;) {
      const generation = this.keysForgotten;
      const keys: Array<Buffer | typeof NO_KEY | undefined> = fields.map(({ value }) => (isSealed(value) ? this.byId.get(value.kid) : undefined));
      const missing = [...new Set(fields.flatMap(({ value }, i) => (isSealed(value) && keys[i] === undefined ? [value.kid] : [])))];
      if (missing.length > 0) {
        const read = await Promise.all(missing.map((kid) => this.keyById(kid)));
        // A key destroyed (or forgotten) meanwhile: none of these is used, all are read again.
        if (this.keysForgotten !== generation) continue;
        const byKid = new Map<string, Buffer | typeof NO_KEY>(missing.map((kid, i) => [kid, read[i] ?? NO_KEY]));
        fields.forEach(({ value }, i) => {
          if (isSealed(value) && keys[i] === undefined) keys[i] = byKid.get(value.kid);
        });
      }
      return this.openedWith(fields, keys);
    }
  }

  /**
   * openFields without waiting, when every key it needs is in memory (the same values, from the
   * same caches); undefined when one must be read from the key store (then openFields). Lets a
   * read over the embedded store answer with no promise at all.
   */
  openFieldsNow(fields: readonly SealedField[]): unknown[] | undefined {
    const keys: Array<Buffer | typeof NO_KEY | undefined> = [];
    for (const { value } of fields) {
      if (!isSealed(value)) {
        keys.push(undefined);
        continue;
      }
      const key = this.byId.get(value.kid);
      if (key === undefined) return undefined;
      keys.push(key);
    }
    return this.openedWith(fields, keys);
  }

  /** The fields opened with their keys found (`keys[i]` for `fields[i]`; NO_KEY: destroyed, the erased marker). */
  private openedWith(fields: readonly SealedField[], keys: ReadonlyArray<Buffer | typeof NO_KEY | undefined>): unknown[] {
    return fields.map(({ value, field, streamId }, i) => {
      if (!isSealed(value)) return value;
      const key = keys[i];
      return this.openWith(value, field, streamId, key === undefined || key === NO_KEY ? null : key);
    });
  }

  /**
   * Forgets every key and every opened value held in memory: another process destroyed a
   * key (the API workers tell each other so), and the next read asks the key store.
   */
  forgetKeys(): void {
    this.keysForgotten++;
    this.byOwner.clear();
    this.byId.clear();
    this.opened.clear();
  }

  private openWith(value: SealedValue, field: string, streamId: string, key: Buffer | null): unknown {
    if (key === null) return ERASED;
    const id = openedKey(value, field, streamId);
    const known = this.opened.get(id);
    if (known !== undefined && known.key === key && sameSealedValue(known.sealed, value)) return known.value;
    const opened = openValue(value, key, associatedData(field, streamId));
    if (opened === undefined) return ERASED;
    this.opened.set(id, { key, sealed: value, value: opened.value });
    return opened.value;
  }

  /**
   * Destroys the person's key (crypto-shredding): every value sealed for them reads as erased
   * from now on, in this process at once (the values opened with it forgotten too) and in
   * others within the cache's time to live, unless told at once (forgetKeys).
   */
  async destroyKey(person: Person): Promise<boolean> {
    const name = personKeyName(person);
    const destroyed = await this.keys.destroyKey(name);
    this.byOwner.delete(name);
    this.keysForgotten++;
    this.byId.clear(); // erasures are rare: forgetting every cached key is simpler than tracking ids
    this.opened.clear(); // and every opened value with them
    await this.tellOthers?.();
    return destroyed;
  }

  /**
   * How destroyKey reaches the other processes that share the key store at once (they call
   * forgetKeys): without it, they let the key go within the cache's time to live.
   */
  tellOthersWith(notify: () => Promise<void>): void {
    this.tellOthers = notify;
  }

  /**
   * The ids of the keys sealing these persons' values: a read model keeps a sealed value's
   * key id, so it finds a person's values by it (there is no plaintext to look up).
   */
  async keyIds(persons: readonly Person[]): Promise<string[]> {
    if (persons.length === 0) return [];
    // Only keys that exist: a person without one has nothing sealed, and a lookup must not write.
    const keys = await this.keys.existingKeys(persons.map(personKeyName));
    return [...new Set([...keys.values()].map((key) => key.kid))];
  }

  /** Keys by person name: from memory, the others in one key-store call. */
  private async keysFor(names: readonly string[]): Promise<Map<string, PersonKey>> {
    const keys = new Map<string, PersonKey>();
    const missing: string[] = [];
    for (const name of names) {
      const cached = this.byOwner.get(name);
      if (cached) keys.set(name, cached);
      else missing.push(name);
    }
    if (missing.length === 0) return keys;
    const generation = this.keysForgotten;
    for (const [name, key] of await this.keys.keysFor(missing)) {
      keys.set(name, key);
      if (this.keysForgotten !== generation) continue; // a key destroyed meanwhile is not kept
      this.byOwner.set(name, key);
      this.byId.set(key.kid, key.key);
    }
    return keys;
  }

  private async keyById(kid: string): Promise<Buffer | null> {
    const cached = this.byId.get(kid);
    if (cached !== undefined) return cached === NO_KEY ? null : cached;
    const generation = this.keysForgotten;
    const key = await this.keys.keyById(kid);
    // Not kept when a key was destroyed meanwhile: it may be this one.
    if (this.keysForgotten === generation) this.byId.set(kid, key ?? NO_KEY);
    return key;
  }
}

/**
 * What an opened value is cached under: its tag (GCM's, unique to the key, IV, ciphertext and
 * associated data) and the associated data it was opened with; the entry holds the rest of the
 * sealed value, compared on a hit (sameSealedValue), so the key stays short to hash.
 */
function openedKey(value: SealedValue, field: string, streamId: string): string {
  return `${value.tag}\n${field}\n${streamId}`;
}

/** The same sealed value: key id, IV, ciphertext and tag (the same strings, in the embedded read models: compared at once). */
function sameSealedValue(a: SealedValue, b: SealedValue): boolean {
  return a === b || (a.kid === b.kid && a.iv === b.iv && a.ct === b.ct && a.tag === b.tag);
}
