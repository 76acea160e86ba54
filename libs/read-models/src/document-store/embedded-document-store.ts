import type { CollectionWrites, Doc, DocumentStore, Filter, FindOptions, IndexSpec, Update, WriteOp } from './document-store.port';

/**
 * The in-memory DocumentStore: the same operation semantics as MongoDB for the subset the
 * projections use (equality and $lt/$lte/$gt/$gte/$ne/$in filters on dotted paths; $set,
 * $setOnInsert, $inc, $unset; ordered updateOne/updateMany with upsert). Used when no
 * MONGODB_URL is configured, as the staging area of a rebuild, and as the in-process
 * membership index behind the permission check. Single-field indexes keep lookups by
 * organization or user proportional to the result, not to the collection.
 */
export class EmbeddedDocumentStore implements DocumentStore {
  private readonly collections = new Map<string, EmbeddedCollection>();
  /** Shared by the collections: one copy of each repeated string (organization ids, user ids, roles, types). */
  private readonly strings = new StringPool();

  async write(writes: CollectionWrites): Promise<void> {
    this.writeSync(writes);
  }

  /** Synchronous form of write(), for the in-process index fed by the projection worker. */
  writeSync(writes: CollectionWrites): void {
    for (const [name, ops] of writes) {
      const collection = this.collection(name);
      for (const op of ops) collection.apply(op);
    }
  }

  async updateOneIf(collection: string, filter: Filter, update: Update): Promise<boolean> {
    return this.collection(collection).updateOneIf(filter, update);
  }

  async insertMany(collection: string, docs: readonly Doc[]): Promise<void> {
    const target = this.collection(collection);
    for (const doc of docs) target.insert(target.stored(doc));
  }

  async find(collection: string, filter: Filter, options: FindOptions = {}): Promise<Doc[]> {
    return this.findSync(collection, filter, options);
  }

  findSync(collection: string, filter: Filter, options: FindOptions = {}): Doc[] {
    const found = this.collections.get(collection)?.find(filter) ?? [];
    if (options.sort) found.sort(comparatorFor(options.sort));
    const limited = options.limit !== undefined && options.limit > 0 ? found.slice(0, options.limit) : found;
    return limited.map((doc) => structuredClone(doc));
  }

  async findOne(collection: string, filter: Filter): Promise<Doc | null> {
    return this.findOneSync(collection, filter);
  }

  findOneSync(collection: string, filter: Filter): Doc | null {
    const found = this.collections.get(collection)?.find(filter, 1) ?? [];
    return found.length > 0 ? structuredClone(found[0]) : null;
  }

  /** Every document of a collection, not copies: read-only (a rebuild's bulk load). */
  all(collection: string): readonly Readonly<Doc>[] {
    return this.collections.get(collection)?.find({}) ?? [];
  }

  /** The stored document itself, not a copy: read-only, for the permission check's hot path. */
  peek(collection: string, id: string): Readonly<Doc> | undefined {
    return this.collections.get(collection)?.get(id);
  }

  /**
   * The stored documents whose `field` equals `value`, not copies: read-only, for the
   * permission check's hot path. Straight from the field's index when there is one (no filter
   * matching), else found as find() finds them.
   */
  peekBy(collection: string, field: string, value: string): readonly Readonly<Doc>[] {
    return this.collections.get(collection)?.findBy(field, value) ?? [];
  }

  async count(collection: string, filter: Filter): Promise<number> {
    return this.collections.get(collection)?.find(filter).length ?? 0;
  }

  async ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    const target = this.collection(collection);
    for (const index of indexes) target.addIndex(Object.keys(index.key)[0]);
  }

  async drop(collection: string): Promise<void> {
    this.collections.delete(collection);
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  collectionNames(): string[] {
    return [...this.collections.keys()];
  }

  private collection(name: string): EmbeddedCollection {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new EmbeddedCollection(this.strings);
      this.collections.set(name, collection);
    }
    return collection;
  }
}

class EmbeddedCollection {
  private readonly docs = new Map<string, Doc>();
  /** field -> value key -> ids; equality lookups only. */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly strings: StringPool) {}

  /** A stored copy of a value: shares no object with the caller, and its strings come from the pool. */
  stored<T>(value: T): T {
    return storedCopy(value, this.strings);
  }

  get(id: string): Doc | undefined {
    return this.docs.get(id);
  }

  addIndex(field: string): void {
    if (field === '_id' || this.indexes.has(field)) return;
    const index = new Map<string, Set<string>>();
    this.indexes.set(field, index);
    for (const doc of this.docs.values()) indexAdd(index, getPath(doc, field), doc._id);
  }

  insert(doc: Doc): void {
    if (this.docs.has(doc._id)) throw new Error(`duplicate key: ${doc._id}`);
    this.docs.set(doc._id, doc);
    for (const [field, index] of this.indexes) indexAdd(index, getPath(doc, field), doc._id);
  }

  find(filter: Filter, limit?: number): Doc[] {
    const out: Doc[] = [];
    for (const doc of this.candidates(filter)) {
      if (matches(doc, filter)) {
        out.push(doc);
        if (limit !== undefined && out.length >= limit) break;
      }
    }
    return out;
  }

  findBy(field: string, value: string): Doc[] {
    const index = this.indexes.get(field);
    if (!index) return this.find({ [field]: value });
    const out: Doc[] = [];
    for (const id of index.get(valueKey(value)) ?? []) out.push(this.docs.get(id)!);
    return out;
  }

  updateOneIf(filter: Filter, update: Update): boolean {
    const [doc] = this.find(filter, 1);
    if (doc) this.update(doc, update, false);
    return doc !== undefined;
  }

  apply(op: WriteOp): void {
    if ('insertOne' in op) {
      if (!this.docs.has(op.insertOne.document._id)) this.insert(this.stored(op.insertOne.document));
    } else if ('updateOne' in op) {
      const { filter, update, upsert } = op.updateOne;
      const [doc] = this.find(filter, 1);
      if (doc) this.update(doc, update, false);
      else if (upsert) this.upsert(filter, update);
    } else {
      const { filter, update } = op.updateMany;
      for (const doc of this.find(filter)) this.update(doc, update, false);
    }
  }

  private upsert(filter: Filter, update: Update): void {
    const doc: Record<string, unknown> = {};
    for (const [field, condition] of Object.entries(filter)) {
      if (!isOperatorObject(condition)) setPath(doc, field, this.stored(condition));
    }
    if (typeof doc._id !== 'string') throw new Error('embedded store: an upsert needs a string _id in its filter');
    applyUpdate(doc, update, true, this.strings);
    this.insert(doc as Doc);
  }

  private update(doc: Doc, update: Update, inserting: boolean): void {
    const before = this.indexes.size === 0 ? [] : [...this.indexes.keys()].map((field) => getPath(doc, field));
    applyUpdate(doc, update, inserting, this.strings);
    let i = 0;
    for (const [field, index] of this.indexes) {
      const old = before[i++];
      const now = getPath(doc, field);
      if (old !== now && valueKey(old) !== valueKey(now)) {
        indexRemove(index, old, doc._id);
        indexAdd(index, now, doc._id);
      }
    }
  }

  private *candidates(filter: Filter): Iterable<Doc> {
    const id = filter._id;
    if (id !== undefined && !isOperatorObject(id)) {
      const doc = this.docs.get(String(id));
      if (doc) yield doc;
      return;
    }
    for (const [field, index] of this.indexes) {
      const wanted = filter[field];
      if (wanted !== undefined && !isOperatorObject(wanted)) {
        for (const docId of index.get(valueKey(wanted)) ?? []) {
          const doc = this.docs.get(docId);
          if (doc) yield doc;
        }
        return;
      }
    }
    yield* this.docs.values();
  }
}

function applyUpdate(doc: Record<string, unknown>, update: Update, inserting: boolean, strings: StringPool): void {
  for (const [path, value] of Object.entries(update.$set ?? {})) setPath(doc, path, storedCopy(value, strings));
  if (inserting) {
    for (const [path, value] of Object.entries(update.$setOnInsert ?? {})) setPath(doc, path, storedCopy(value, strings));
  }
  for (const [path, by] of Object.entries(update.$inc ?? {})) {
    const current = getPath(doc, path);
    setPath(doc, path, (typeof current === 'number' ? current : 0) + by);
  }
  for (const path of Object.keys(update.$unset ?? {})) unsetPath(doc, path);
}

/**
 * One copy of each short string the documents repeat: every membership, request and activity
 * entry names its organization, user and type, and a million stored copies of each cost the
 * heap hundreds of megabytes. A direct-mapped cache (a slot chosen from the length and a few
 * characters, the last string seen there kept): no hashing of the whole string, no growth;
 * unique values (ids, times) only take a slot over, repeated ones find their copy.
 */
class StringPool {
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(POOL_SLOTS);

  intern(value: string): string {
    const length = value.length;
    if (length === 0 || length > MAX_POOLED_LENGTH) return value;
    const slot =
      (Math.imul(length, 0x9e3779b1) ^
        Math.imul(value.charCodeAt(0), 31) ^
        Math.imul(value.charCodeAt(length >> 1), 131) ^
        Math.imul(value.charCodeAt(length - 1), 8191) ^
        Math.imul(value.charCodeAt(length - 2 > 0 ? length - 2 : 0), 524287)) &
      (POOL_SLOTS - 1);
    const pooled = this.slots[slot];
    if (pooled === value) return pooled;
    this.slots[slot] = value;
    return value;
  }
}

const MAX_POOLED_LENGTH = 64;
const POOL_SLOTS = 1 << 14;

/**
 * Stored values never share objects with the caller's operations. A deep copy of plain data
 * (what documents hold), faster than structuredClone; its strings come from the pool.
 */
function storedCopy<T>(value: T, strings: StringPool): T {
  if (typeof value === 'string') return strings.intern(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => storedCopy(item, strings)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  // A spread keeps the source's shape (fields in the object itself); then each value is replaced.
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key in out) {
    const field = out[key];
    if (typeof field === 'string') out[key] = strings.intern(field);
    else if (field !== null && typeof field === 'object') out[key] = storedCopy(field, strings);
  }
  return out as T;
}

function matches(doc: Doc, filter: Filter): boolean {
  for (const [path, condition] of Object.entries(filter)) {
    const value = getPath(doc, path);
    if (isOperatorObject(condition)) {
      for (const [op, operand] of Object.entries(condition)) {
        if (!matchOperator(op, value, operand)) return false;
      }
    } else if (!equal(value, condition)) return false;
  }
  return true;
}

function matchOperator(op: string, value: unknown, operand: unknown): boolean {
  switch (op) {
    case '$lt':
      return comparable(value, operand) && (value as number) < (operand as number);
    case '$lte':
      return comparable(value, operand) && (value as number) <= (operand as number);
    case '$gt':
      return comparable(value, operand) && (value as number) > (operand as number);
    case '$gte':
      return comparable(value, operand) && (value as number) >= (operand as number);
    case '$ne':
      return !equal(value, operand);
    case '$in':
      return Array.isArray(operand) && operand.some((candidate) => equal(value, candidate));
    default:
      throw new Error(`embedded store: unsupported filter operator ${op}`);
  }
}

/** MongoDB compares across types by type order; the projections only compare like with like. */
function comparable(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
}

function equal(a: unknown, b: unknown): boolean {
  if (b === null) return a === null || a === undefined;
  // Two strings or two numbers compare as themselves (what their keys would say, without making them).
  if (typeof a === typeof b && (typeof a === 'string' || typeof a === 'number')) return a === b;
  return valueKey(a) === valueKey(b);
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

function valueKey(value: unknown): string {
  return value === undefined ? '\u0000undefined' : JSON.stringify(value);
}

function indexAdd(index: Map<string, Set<string>>, value: unknown, id: string): void {
  const key = valueKey(value);
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function indexRemove(index: Map<string, Set<string>>, value: unknown, id: string): void {
  const key = valueKey(value);
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}

function getPath(doc: Record<string, unknown>, path: string): unknown {
  if (!path.includes('.')) return doc[path];
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  if (!path.includes('.')) {
    doc[path] = value;
    return;
  }
  const parts = path.split('.');
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (next === null || typeof next !== 'object') current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]] = value;
}

function unsetPath(doc: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let current: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    if (current === null || typeof current !== 'object') return;
    current = (current as Record<string, unknown>)[part];
  }
  if (current !== null && typeof current === 'object') delete (current as Record<string, unknown>)[parts[parts.length - 1]];
}

function comparatorFor(sort: Readonly<Record<string, 1 | -1>>): (a: Doc, b: Doc) => number {
  const fields = Object.entries(sort);
  return (a, b) => {
    for (const [field, direction] of fields) {
      const x = getPath(a, field);
      const y = getPath(b, field);
      if (x === y) continue;
      if (x === undefined || x === null) return -direction;
      if (y === undefined || y === null) return direction;
      return ((x as number) < (y as number) ? -1 : 1) * direction;
    }
    return 0;
  };
}
