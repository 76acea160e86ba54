/**
 * An immutable string-keyed map whose `set`/`delete` return a new map in near-constant time
 * (a fixed two-level, 32 x 32 hash trie with small leaves, copied along the path only).
 * It lets `evolve` stay pure without copying a whole member list per event, so folding
 * a long history stays linear. Iteration order follows the hash, not insertion: sort when
 * order matters.
 */
type Leaf<V> = ReadonlyMap<string, V>;
type Branch<V> = ReadonlyArray<Leaf<V> | undefined>;
type Root<V> = ReadonlyArray<Branch<V> | undefined>;

const WIDTH = 32;

// FNV-1a over UTF-16 code units: cheap and spreads UUIDs and e-mails well enough here.
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class PersistentMap<V> implements Iterable<[string, V]> {
  private static readonly EMPTY = new PersistentMap<never>(new Array(WIDTH), 0);

  static empty<V>(): PersistentMap<V> {
    return PersistentMap.EMPTY as PersistentMap<V>;
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [key, value] of entries) map = map.set(key, value);
    return map;
  }

  private constructor(
    private readonly root: Root<V>,
    readonly size: number,
  ) {}

  get(key: string): V | undefined {
    const h = hash(key);
    return this.root[h & 31]?.[(h >>> 5) & 31]?.get(key);
  }

  has(key: string): boolean {
    const h = hash(key);
    return this.root[h & 31]?.[(h >>> 5) & 31]?.has(key) ?? false;
  }

  set(key: string, value: V): PersistentMap<V> {
    const h = hash(key);
    const i = h & 31;
    const j = (h >>> 5) & 31;
    const branch = this.root[i];
    const leaf = branch?.[j];
    const had = leaf?.has(key) ?? false;
    if (had && leaf!.get(key) === value) return this;
    const nextLeaf = new Map(leaf);
    nextLeaf.set(key, value);
    return new PersistentMap(this.withLeaf(i, j, nextLeaf), had ? this.size : this.size + 1);
  }

  delete(key: string): PersistentMap<V> {
    const h = hash(key);
    const i = h & 31;
    const j = (h >>> 5) & 31;
    const leaf = this.root[i]?.[j];
    if (!leaf?.has(key)) return this;
    const nextLeaf = new Map(leaf);
    nextLeaf.delete(key);
    return new PersistentMap(this.withLeaf(i, j, nextLeaf.size > 0 ? nextLeaf : undefined), this.size - 1);
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < WIDTH; i++) {
      const branch = this.root[i];
      if (!branch) continue;
      for (let j = 0; j < WIDTH; j++) {
        const leaf = branch[j];
        if (leaf) yield* leaf.entries();
      }
    }
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** Plain-object copy, e.g. for JSON. */
  toObject(): Record<string, V> {
    const out: Record<string, V> = {};
    for (const [key, value] of this.entries()) out[key] = value;
    return out;
  }

  private withLeaf(i: number, j: number, leaf: Leaf<V> | undefined): Root<V> {
    const branch = this.root[i] ? this.root[i]!.slice() : new Array<Leaf<V> | undefined>(WIDTH);
    branch[j] = leaf;
    const root = this.root.slice();
    root[i] = branch;
    return root;
  }
}
