import { ERASED, personalFieldRules, personKeyName, type Person } from '@roster/domain';
import { LRUCache } from 'lru-cache';
import { associatedData, isSealed, openValue, sealValue } from './field-cipher';
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
}

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

/**
 * Seals and opens the personal fields of events (the catalogue: libs/domain personal-data.ts),
 * each under its owner's key, with the field's path and the stream id as associated data.
 * Opening never throws: a value whose key was destroyed (or that does not authenticate)
 * reads as `{"erased": true}`.
 */
export class PersonalDataVault {
  private readonly byOwner: LRUCache<string, PersonKey>;
  private readonly byId: LRUCache<string, Buffer | typeof NO_KEY>;

  constructor(
    readonly keys: KeyStore,
    options: PersonalDataVaultOptions = {},
  ) {
    const max = options.cacheSize ?? 10_000;
    const ttl = options.cacheTtlMs ?? 60_000;
    this.byOwner = new LRUCache({ max, ttl });
    this.byId = new LRUCache({ max, ttl });
  }

  /** The events with their personal fields sealed; an event without any is returned as is. */
  async sealAll<E extends EventLike>(streamId: string, events: readonly E[]): Promise<E[]> {
    const found = events.map((event) =>
      personalFieldRules(event.type).flatMap((rule) => {
        const value = getIn(event, rule.path);
        if (value === undefined || value === null || isSealed(value)) return [];
        const owner = rule.owner(event.data as Record<string, unknown>, event.metadata);
        return owner === undefined ? [] : [{ path: rule.path, value, name: personKeyName(owner) }];
      }),
    );
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
    const key = await this.keyById(value.kid);
    if (key === null) return ERASED;
    return openValue(value, key, associatedData(field, streamId))?.value ?? ERASED;
  }

  /**
   * Destroys the person's key (crypto-shredding): every value sealed for them reads as erased
   * from now on, in this process at once and in others within the cache's time to live.
   */
  async destroyKey(person: Person): Promise<boolean> {
    const name = personKeyName(person);
    const destroyed = await this.keys.destroyKey(name);
    this.byOwner.delete(name);
    this.byId.clear(); // erasures are rare: forgetting every cached key is simpler than tracking ids
    return destroyed;
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
    for (const [name, key] of await this.keys.keysFor(missing)) {
      keys.set(name, key);
      this.byOwner.set(name, key);
      this.byId.set(key.kid, key.key);
    }
    return keys;
  }

  private async keyById(kid: string): Promise<Buffer | null> {
    const cached = this.byId.get(kid);
    if (cached !== undefined) return cached === NO_KEY ? null : cached;
    const key = await this.keys.keyById(kid);
    this.byId.set(kid, key ?? NO_KEY);
    return key;
  }
}
