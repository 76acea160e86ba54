/**
 * An immutable string-keyed map whose `set`/`delete` return a new map in near-constant time:
 * a fixed four-level, 16-way hash trie (16 bits of the hash); an update copies only the
 * path and one small leaf. It lets `evolve` stay pure without copying a whole member list per event, so folding a
 * long history stays linear. Iteration order follows the hash, not insertion: sort when
 * order matters.
 */
interface Leaf<V> {
  readonly keys: readonly string[];
  readonly values: readonly V[];
}
type Node<V> = ReadonlyArray<Node<V> | Leaf<V> | undefined>;

const BITS = 4;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
// Packed, never holey: keeps the path copies on V8's fast array paths.
const EMPTY_NODE: ReadonlyArray<undefined> = new Array<undefined>(WIDTH).fill(undefined);

// FNV-1a over UTF-16 code units: cheap, and spreads UUIDs and e-mails well enough here.
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function leafAt<V>(root: Node<V>, h: number): Leaf<V> | undefined {
  const a = root[h & MASK] as Node<V> | undefined;
  const b = a?.[(h >>> BITS) & MASK] as Node<V> | undefined;
  const c = b?.[(h >>> (2 * BITS)) & MASK] as Node<V> | undefined;
  return c?.[(h >>> (3 * BITS)) & MASK] as Leaf<V> | undefined;
}

export class PersistentMap<V> implements Iterable<[string, V]> {
  private static readonly EMPTY = new PersistentMap<never>(EMPTY_NODE, 0);

  static empty<V>(): PersistentMap<V> {
    return PersistentMap.EMPTY as PersistentMap<V>;
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [key, value] of entries) map = map.set(key, value);
    return map;
  }

  private constructor(
    private readonly root: Node<V>,
    readonly size: number,
  ) {}

  get(key: string): V | undefined {
    const leaf = leafAt(this.root, hash(key));
    if (!leaf) return undefined;
    const index = leaf.keys.indexOf(key);
    return index < 0 ? undefined : leaf.values[index];
  }

  has(key: string): boolean {
    return leafAt(this.root, hash(key))?.keys.includes(key) ?? false;
  }

  set(key: string, value: V): PersistentMap<V> {
    const h = hash(key);
    const leaf = leafAt(this.root, h);
    const index = leaf ? leaf.keys.indexOf(key) : -1;
    if (index >= 0 && leaf!.values[index] === value) return this;
    let next: Leaf<V>;
    if (index >= 0) {
      const values = leaf!.values.slice();
      values[index] = value;
      next = { keys: leaf!.keys, values };
    } else {
      next = leaf ? { keys: leaf.keys.concat(key), values: leaf.values.concat([value]) } : { keys: [key], values: [value] };
    }
    return new PersistentMap(this.replaceLeaf(h, next), index >= 0 ? this.size : this.size + 1);
  }

  delete(key: string): PersistentMap<V> {
    const h = hash(key);
    const leaf = leafAt(this.root, h);
    const index = leaf ? leaf.keys.indexOf(key) : -1;
    if (index < 0) return this;
    const keys = leaf!.keys.filter((_, i) => i !== index);
    const values = leaf!.values.filter((_, i) => i !== index);
    return new PersistentMap(this.replaceLeaf(h, keys.length > 0 ? { keys, values } : undefined), this.size - 1);
  }

  *entries(): IterableIterator<[string, V]> {
    yield* walk(this.root, 0);
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

  // Copies the path from the root to the leaf: four arrays of WIDTH slots.
  private replaceLeaf(h: number, leaf: Leaf<V> | undefined): Node<V> {
    const i = h & MASK;
    const j = (h >>> BITS) & MASK;
    const k = (h >>> (2 * BITS)) & MASK;
    const l = (h >>> (3 * BITS)) & MASK;
    const middle = ((this.root[i] as Node<V> | undefined) ?? EMPTY_NODE).slice();
    const lower = ((middle[j] as Node<V> | undefined) ?? EMPTY_NODE).slice();
    const bottom = ((lower[k] as Node<V> | undefined) ?? EMPTY_NODE).slice();
    bottom[l] = leaf;
    lower[k] = bottom;
    middle[j] = lower;
    const root = this.root.slice();
    root[i] = middle;
    return root;
  }
}

function* walk<V>(node: Node<V>, level: number): Generator<[string, V]> {
  for (let slot = 0; slot < node.length; slot++) {
    const child = node[slot];
    if (!child) continue;
    if (level === 3) {
      const leaf = child as Leaf<V>;
      for (let i = 0; i < leaf.keys.length; i++) yield [leaf.keys[i]!, leaf.values[i]!];
    } else {
      yield* walk(child as Node<V>, level + 1);
    }
  }
}
