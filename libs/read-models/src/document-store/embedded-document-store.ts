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
    for (const doc of docs) target.insert(structuredClone(doc));
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
      collection = new EmbeddedCollection();
      this.collections.set(name, collection);
    }
    return collection;
  }
}

class EmbeddedCollection {
  private readonly docs = new Map<string, Doc>();
  /** field -> value key -> ids; equality lookups only. */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

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
      if (!this.docs.has(op.insertOne.document._id)) this.insert(structuredClone(op.insertOne.document));
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
      if (!isOperatorObject(condition)) setPath(doc, field, copy(condition));
    }
    if (typeof doc._id !== 'string') throw new Error('embedded store: an upsert needs a string _id in its filter');
    applyUpdate(doc, update, true);
    this.insert(doc as Doc);
  }

  private update(doc: Doc, update: Update, inserting: boolean): void {
    const before = [...this.indexes.keys()].map((field) => getPath(doc, field));
    applyUpdate(doc, update, inserting);
    let i = 0;
    for (const [field, index] of this.indexes) {
      const old = before[i++];
      const now = getPath(doc, field);
      if (valueKey(old) !== valueKey(now)) {
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

function applyUpdate(doc: Record<string, unknown>, update: Update, inserting: boolean): void {
  for (const [path, value] of Object.entries(update.$set ?? {})) setPath(doc, path, copy(value));
  if (inserting) {
    for (const [path, value] of Object.entries(update.$setOnInsert ?? {})) setPath(doc, path, copy(value));
  }
  for (const [path, by] of Object.entries(update.$inc ?? {})) {
    const current = getPath(doc, path);
    setPath(doc, path, (typeof current === 'number' ? current : 0) + by);
  }
  for (const path of Object.keys(update.$unset ?? {})) unsetPath(doc, path);
}

/** Stored values never share objects with the caller's operations. */
function copy<T>(value: T): T {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
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
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
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
