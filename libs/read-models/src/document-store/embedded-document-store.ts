import type { CollectionWrites, Doc, DocumentStore, Filter, FindOptions, IndexSpec, Update, WriteOp } from './document-store.port';

/**
 * The in-memory DocumentStore: the same operation semantics as MongoDB for the subset the
 * projections use (equality and $lt/$lte/$gt/$gte/$ne/$in filters on dotted paths; $set,
 * $setOnInsert, $inc, $unset; ordered updateOne/updateMany with upsert). Used when no
 * MONGODB_URL is configured, as the staging area of a rebuild, and as the in-process
 * membership index behind the permission check. Equality indexes (an index's fields, and its
 * first field alone) keep lookups by organization, status or user proportional to the
 * result, not to the collection; `_id` and `_id: {$in}` are direct lookups.
 * Stored documents are copy-on-write: an update stores a new document (and new nested
 * objects along the paths it changes), never changing one in place, so find() hands out the
 * stored documents themselves, consistent snapshots that callers must not change.
 */
export class EmbeddedDocumentStore implements DocumentStore {
  readonly stableDocuments = true;
  private readonly collections = new Map<string, EmbeddedCollection>();
  /** Shared by the collections: one copy of each repeated string (organization ids, user ids, roles, types). */
  private readonly strings = new StringPool();
  /** Writes, drops and bulk loads per collection (changes()); kept across a drop, so never counted again from zero. */
  private readonly changed = new Map<string, number>();

  async write(writes: CollectionWrites): Promise<void> {
    this.writeSync(writes);
  }

  /** Synchronous form of write(), for the in-process index fed by the projection worker. */
  writeSync(writes: CollectionWrites): void {
    for (const [name, ops] of writes) {
      if (ops.length > 0) this.change(name);
      this.collection(name).applyAll(ops);
    }
  }

  async updateOneIf(collection: string, filter: Filter, update: Update): Promise<boolean> {
    const updated = this.collection(collection).updateOneIf(filter, update);
    if (updated) this.change(collection);
    return updated;
  }

  async insertMany(collection: string, docs: readonly Doc[]): Promise<void> {
    this.change(collection);
    const target = this.collection(collection);
    for (const doc of docs) target.insert(target.stored(doc));
  }

  changes(collections: readonly string[]): number {
    let sum = 0;
    for (const name of collections) sum += this.changed.get(name) ?? 0;
    return sum;
  }

  private change(collection: string): void {
    this.changed.set(collection, (this.changed.get(collection) ?? 0) + 1);
  }

  async find(collection: string, filter: Filter, options: FindOptions = {}): Promise<Readonly<Doc>[]> {
    return this.findSync(collection, filter, options);
  }

  /** The stored documents, not copies (they are never changed in place): read-only. */
  findSync(collection: string, filter: Filter, options: FindOptions = {}): Readonly<Doc>[] {
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : undefined;
    const target = this.collections.get(collection);
    if (!target) return [];
    // Already in order through an ordered index: the first `limit` matches, no sort.
    const ordered = options.sort ? target.findOrdered(filter, options.sort, limit) : undefined;
    if (ordered) return ordered;
    // Without a sort the first `limit` matches will do; with one, every match is sorted first.
    const found = target.find(filter, options.sort ? undefined : limit);
    if (options.sort) found.sort(comparatorFor(options.sort));
    return limit !== undefined && found.length > limit ? found.slice(0, limit) : found;
  }

  async findOne(collection: string, filter: Filter): Promise<Readonly<Doc> | null> {
    return this.findOneSync(collection, filter);
  }

  findOneSync(collection: string, filter: Filter): Readonly<Doc> | null {
    const found = this.collections.get(collection)?.find(filter, 1) ?? [];
    return found.length > 0 ? found[0] : null;
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
    return this.countSync(collection, filter);
  }

  countSync(collection: string, filter: Filter): number {
    return this.collections.get(collection)?.count(filter) ?? 0;
  }

  /**
   * Hash indexes for equality: one over the index's fields and one over its first field alone.
   * A field indexed descending is a sort key (an activity's position), not looked up by
   * equality: the fields before it make an ordered index, whose documents are kept in that
   * key's order so that the newest `limit` of them are read without sorting them all; it also
   * serves equality over those fields (its matches come in that key's order), so no hash index
   * of exactly those fields is kept beside it. So is `_id` after other fields (never looked up
   * through an index): a page by id reads `limit`. Give a collection's specs in one call.
   */
  async ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    const target = this.collection(collection);
    const specs = indexes.map(equalityAndOrder).filter(({ fields }) => fields.length > 0);
    // An ordered index answers equality over its fields itself: no second index of them, from
    // its own spec or another's (the activity's, one entry per event, was a tenth of the
    // catch-up's index work; the memberships' by organization and status, re-keyed at every
    // join and removal, about a sixth of the memberships' writes).
    const orderedOver = new Set(specs.filter(({ order }) => order !== undefined).map(({ fields }) => fields.join(',')));
    for (const { fields, order } of specs) {
      if (order === undefined || fields.length > 1) target.addIndex([fields[0]]);
      if (order === undefined && fields.length > 1 && !orderedOver.has(fields.join(','))) target.addIndex(fields);
      if (order !== undefined) target.addOrderedIndex(fields, order);
    }
  }

  /**
   * Keeps no secondary index of the collections that are empty now until one is read through
   * one (or indexNow()): then each is built once from the documents, in the order in which
   * keeping it at every write would have left it. For a catch-up from position 0, whose
   * writes find their documents by `_id` only. Measured on bench:startup: keeping the indexes
   * at every write was about a fifth of the catch-up's CPU (re-keys at every membership change,
   * an id added to a Set or an array per document).
   */
  deferIndexes(): void {
    for (const collection of this.collections.values()) collection.deferIndexes();
  }

  /**
   * Declares collections, empty now, keyed by event: each document's `_id` is the id of the
   * event whose position is its `lastPosition` (the activity: one entry per event). A
   * document inserted past every position before it is then appended with no lookup of its
   * id (see Documents); anything else is stored and found as in any collection.
   */
  keyByEvent(collections: readonly string[]): void {
    for (const name of collections) this.collection(name).keyByEvent();
  }

  /** Builds whatever deferIndexes() left unbuilt (at the head of a catch-up: no first reader pays for it). */
  indexNow(): void {
    for (const collection of this.collections.values()) collection.indexNow();
  }

  /**
   * indexNow() in slices of about `sliceMs`, the event loop free between them (setImmediate):
   * building a million activity entries' index at once held it about 1.5 s, past the lease's
   * renewal and /health. Reads and writes between slices stay correct: one that needs a
   * collection whose build is unfinished finishes that build first (at once, as before).
   */
  async indexInSlices(sliceMs = INDEX_SLICE_MS): Promise<void> {
    for (const collection of [...this.collections.values()]) {
      while (!collection.indexSome(performance.now() + sliceMs)) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async drop(collection: string): Promise<void> {
    this.change(collection);
    this.collections.delete(collection);
  }

  async close(): Promise<void> {
    for (const name of this.collections.keys()) this.change(name);
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

/** A slice of indexInSlices(): well under the ~100 ms a catch-up may hold the event loop. */
const INDEX_SLICE_MS = 20;

/** What deferIndexes() keeps instead of the indexes: documents inserted, and each index's moves (ids, and how many documents were inserted before each). */
interface DeferredIndexing {
  inserted: number;
  readonly moves: { readonly ids: string[]; readonly after: number[] }[];
}

/**
 * An equality index over one or more fields: key of their values -> ids, in insertion order.
 * A key of one document holds its id itself, a Set only from the second on: most keys of a
 * user's index name one document, and an empty Set alone takes about 100 bytes.
 */
interface EqualityIndex {
  readonly fields: readonly string[];
  readonly ids: Map<string, string | Set<string>>;
}

/** An index spec's equality fields, and the field its documents are ordered by (a field indexed descending, or `_id` after others). */
function equalityAndOrder(index: IndexSpec): { fields: string[]; order: string | undefined } {
  const fields: string[] = [];
  for (const [field, direction] of Object.entries(index.key)) {
    if (direction === -1 || field === '_id') return { fields, order: field };
    fields.push(field);
  }
  return { fields, order: undefined };
}

/** Equality fields, then the documents of each key in `order`'s ascending order (ties in insertion order). */
interface OrderedIndex {
  readonly equality: EqualityIndex;
  readonly order: string;
  readonly ids: Map<string, Doc[]>;
}

/**
 * The documents by _id, in insertion order: a Map, and for a collection keyed by event (each
 * document's _id the id of the event at its `lastPosition`, which the event store keeps unique)
 * a tail of documents appended without hashing their ids. A document whose `lastPosition` is
 * past every one appended before it comes from a later event, so holds an id no document holds:
 * appended, no lookup. Measured on bench:startup: the activity's million ids looked up and set
 * in the Map were about a tenth of the catch-up's CPU (memory latency of a Map of a million
 * entries). The tail goes into the Map the first time anything needs a document by id (an
 * update, a lookup, an insert of any other kind); the activity's entries are never read so.
 */
class Documents {
  private readonly map = new Map<string, Doc>();
  /** Appended by position, the Map empty meanwhile; undefined once in the Map (or not keyed by event). */
  private tail: Doc[] | undefined;
  private tailPosition = Number.NEGATIVE_INFINITY;

  constructor(keyedByEvent: boolean) {
    this.tail = keyedByEvent ? [] : undefined;
  }

  get size(): number {
    return this.map.size + (this.tail?.length ?? 0);
  }

  /** Whether `doc` can be appended with no lookup: keyed by event, its position past every appended one. */
  appendable(doc: Doc): boolean {
    const position = doc.lastPosition;
    return this.tail !== undefined && typeof position === 'number' && position > this.tailPosition;
  }

  /** A document appendable() said is new. */
  append(doc: Doc): void {
    this.tail!.push(doc);
    this.tailPosition = doc.lastPosition as number;
  }

  get(id: string): Doc | undefined {
    return this.byId().get(id);
  }

  has(id: string): boolean {
    return this.byId().has(id);
  }

  set(id: string, doc: Doc): void {
    this.byId().set(id, doc);
  }

  /** In insertion order. While there is a tail the Map is empty (anything setting in the Map takes the tail in first). */
  values(): Iterable<Doc> {
    return this.tail ?? this.map.values();
  }

  private byId(): Map<string, Doc> {
    const tail = this.tail;
    if (tail !== undefined) {
      this.tail = undefined;
      for (const doc of tail) this.map.set(doc._id, doc);
    }
    return this.map;
  }
}

class EmbeddedCollection {
  private docs = new Documents(false);
  /** By the fields' names joined with commas. */
  private readonly indexes = new Map<string, EqualityIndex>();
  private readonly ordered: OrderedIndex[] = [];
  /**
   * The documents the write in progress inserted or copied: no reader has been handed them
   * yet (a write runs synchronously), so its later operations change them in place instead of
   * copying them again. A batch's updates of one document make one new version, not one each.
   */
  private drafts: Set<Doc> | undefined;
  /** While the indexes are deferred (deferIndexes()): what building them will need. */
  private deferred: DeferredIndexing | undefined;
  /** The top-level fields the indexes key or order by (namesIndexed()); reset when an index is added. */
  private indexedRoots: Set<string> | undefined;
  /** The build indexSome() started, while unfinished. */
  private building: Generator<void, void> | undefined;

  constructor(private readonly strings: StringPool) {}

  /** See Documents: only while empty. */
  keyByEvent(): void {
    if (this.docs.size === 0) this.docs = new Documents(true);
  }

  deferIndexes(): void {
    if (this.docs.size > 0 || this.deferred) return;
    const count = this.indexes.size + this.ordered.length;
    this.deferred = { inserted: 0, moves: Array.from({ length: count }, () => ({ ids: [], after: [] })) };
  }

  /**
   * Builds the deferred indexes. A document sits in an index where its last entry put it: its
   * insertion, or a later write that changed its key (or, in an ordered index, its order value;
   * in a draft, any write naming them), as the eager writes below move it. So each index is
   * filled in that order: the documents in insertion order (the Map's), each moved one at its
   * last move instead; an ordered index's keys are then sorted by value, stably (ties in that order).
   * Finishes a build indexSome() started.
   */
  indexNow(): void {
    if (!this.deferred) return;
    const steps = this.building ?? (this.building = this.buildSteps());
    while (!steps.next().done);
  }

  /**
   * Part of indexNow()'s build, until `deadline` (performance.now()) passes: at least one
   * step of about a thousand documents. True once built. Until then the indexes stay deferred
   * and unread: a read through one, or any write, finishes the build first (finishBuild()).
   */
  indexSome(deadline: number): boolean {
    if (!this.deferred) return true;
    const steps = this.building ?? (this.building = this.buildSteps());
    do {
      if (steps.next().done) return true;
    } while (performance.now() < deadline);
    return false;
  }

  /** A write during indexSome()'s build: the build is finished first, as it would have been before the write. */
  private finishBuild(): void {
    if (this.building) this.indexNow();
  }

  /** indexNow()'s build, yielding every BUILD_STEP documents (or keys sorted); nothing changes the documents between its steps (finishBuild()). */
  private *buildSteps(): Generator<void, void> {
    const deferred = this.deferred!;
    const equality = [...this.indexes.values()];
    const all: EqualityIndex[] = [...equality, ...this.ordered.map((index) => index.equality)];
    for (let i = 0; i < all.length; i++) {
      const index = all[i];
      const ordered = i >= equality.length ? this.ordered[i - equality.length] : undefined;
      const { ids, after } = deferred.moves[i];
      let n = 0;
      if (ids.length === 0) {
        // Nothing moved (the activity's entries): insertion order, no lookups of moves.
        for (const doc of this.docs.values()) {
          if (ordered) orderedAppend(ordered, doc);
          else indexAdd(index, doc);
          if (++n % BUILD_STEP === 0) yield;
        }
      } else {
        const add = ordered ? (doc: Doc) => orderedAppend(ordered, doc) : (doc: Doc) => indexAdd(index, doc);
        const last = new Map<string, number>();
        for (let m = 0; m < ids.length; m++) {
          last.set(ids[m], m);
          if (m % (4 * BUILD_STEP) === 0) yield;
        }
        let m = 0;
        let work = 0;
        for (const doc of this.docs.values()) {
          for (; m < ids.length && after[m] <= n; m++) {
            if (last.get(ids[m]) === m) add(this.docs.get(ids[m])!);
            if (++work % BUILD_STEP === 0) yield;
          }
          n++;
          if (!last.has(doc._id)) add(doc);
          if (++work % BUILD_STEP === 0) yield;
        }
        for (; m < ids.length; m++) {
          if (last.get(ids[m]) === m) add(this.docs.get(ids[m])!);
          if (++work % BUILD_STEP === 0) yield;
        }
      }
      if (ordered) {
        const compare = comparatorFor({ [ordered.order]: 1 });
        // Most keys arrive in order (the activity's positions): checked in one pass, sorted only when not,
        // in steps (a members' key of 100,000 ids sorted at once held the event loop 0.2 s).
        for (const docs of ordered.ids.values()) {
          if (!inOrder(docs, ordered.order)) yield* mergeSortSteps(docs, compare);
          yield;
        }
      }
    }
    this.deferred = undefined;
    this.building = undefined;
  }

  /** A deferred index's entry of a document already stored (see indexNow()). */
  private moved(i: number, id: string): void {
    const moves = this.deferred!.moves[i];
    moves.ids.push(id);
    moves.after.push(this.deferred!.inserted);
  }

  /** A stored copy of a value: shares no object with the caller, and its strings come from the pool. */
  stored<T>(value: T): T {
    return storedCopy(value, this.strings);
  }

  get(id: string): Doc | undefined {
    return this.docs.get(id);
  }

  addOrderedIndex(fields: readonly string[], order: string): void {
    this.indexNow();
    if (this.ordered.some((index) => index.order === order && index.equality.fields.join(',') === fields.join(','))) return;
    const index: OrderedIndex = { equality: equalityIndex(fields), order, ids: new Map() };
    this.ordered.push(index);
    this.indexedRoots = undefined;
    for (const doc of this.docs.values()) orderedAdd(index, doc);
  }

  /**
   * The first `limit` matches in `sort` order, read from an ordered index, as a stable sort of
   * the matches would give them; undefined when no ordered index serves this filter and sort.
   */
  findOrdered(filter: Filter, sort: Readonly<Record<string, 1 | -1>>, limit: number | undefined): Doc[] | undefined {
    this.indexNow();
    const entries = Object.entries(sort);
    if (entries.length !== 1) return undefined;
    const [field, direction] = entries[0];
    // The index naming the most of the filter's fields: the fewest documents to skip.
    let best: { index: OrderedIndex; key: string } | undefined;
    for (const index of this.ordered) {
      if (index.order !== field || (best && best.index.equality.fields.length >= index.equality.fields.length)) continue;
      const keys = lookupKeys(index.equality, filter);
      if (keys && keys.length === 1) best = { index, key: keys[0] };
    }
    if (!best) return undefined;
    const docs = best.index.ids.get(best.key) ?? [];
    // Its documents match the index's fields (as exactIndex counts on): only the rest of the filter is applied.
    const rest = beyondIndex(filter, best.index.equality.fields);
    const out: Doc[] = [];
    const full = () => limit !== undefined && out.length >= limit;
    if (direction === 1) {
      for (let i = orderedStart(docs, field, filter[field]); i < docs.length && !full(); i++) {
        if (matches(docs[i], rest)) out.push(docs[i]);
      }
      return out;
    }
    // Descending: runs of equal keys from the end, each run in insertion order (a stable sort's).
    for (let end = docs.length - 1; end >= 0 && !full(); ) {
      let start = end;
      while (start > 0 && sameOrderKey(getPath(docs[start - 1], field), getPath(docs[end], field))) start--;
      for (let i = start; i <= end && !full(); i++) if (matches(docs[i], rest)) out.push(docs[i]);
      end = start - 1;
    }
    return out;
  }

  addIndex(fields: readonly string[]): void {
    const name = fields.join(',');
    if (name === '_id' || this.indexes.has(name)) return;
    this.indexNow();
    const index = equalityIndex(fields);
    this.indexes.set(name, index);
    this.indexedRoots = undefined;
    for (const doc of this.docs.values()) indexAdd(index, doc);
  }

  insert(doc: Doc): void {
    this.finishBuild();
    if (this.docs.has(doc._id)) throw new Error(`duplicate key: ${doc._id}`);
    this.insertNew(doc);
  }

  /** insert() of an id known to be new: one lookup in a Map of up to a million documents fewer (the activity's one insert per event). */
  private insertNew(doc: Doc, append = false): void {
    if (append) this.docs.append(doc);
    else this.docs.set(doc._id, doc);
    this.drafts?.add(doc);
    if (this.deferred) {
      this.deferred.inserted++;
      return;
    }
    for (const index of this.indexes.values()) indexAdd(index, doc);
    for (const index of this.ordered) orderedAdd(index, doc);
  }

  find(filter: Filter, limit?: number): Doc[] {
    const out: Doc[] = [];
    const exact = this.exactIndex(filter);
    if (exact) return this.exactDocs(exact, out, limit);
    for (const doc of this.candidates(filter)) {
      if (matches(doc, filter)) {
        out.push(doc);
        if (limit !== undefined && out.length >= limit) break;
      }
    }
    return out;
  }

  /** The first match; by `_id` without going through candidates() (every projection update names its document). */
  findOne(filter: Filter): Doc | undefined {
    const id = filter._id;
    if (typeof id === 'string') {
      const doc = this.docs.get(id);
      return doc !== undefined && matches(doc, filter) ? doc : undefined;
    }
    return this.find(filter, 1)[0];
  }

  count(filter: Filter): number {
    const exact = this.exactIndex(filter);
    if (exact) return exactCount(exact);
    let n = 0;
    for (const doc of this.candidates(filter)) if (matches(doc, filter)) n++;
    return n;
  }

  findBy(field: string, value: string): Doc[] {
    this.indexNow();
    const index = this.indexes.get(field);
    if (!index) return this.find({ [field]: value });
    const out: Doc[] = [];
    for (const id of idsOf(index, valueKey(value))) out.push(this.docs.get(id)!);
    return out;
  }

  updateOneIf(filter: Filter, update: Update): boolean {
    this.finishBuild();
    const [doc] = this.find(filter, 1);
    if (doc) this.update(doc, update, false);
    return doc !== undefined;
  }

  /** One write's operations, in order; the documents it makes are readers' only once it returns. */
  applyAll(ops: readonly WriteOp[]): void {
    this.finishBuild();
    this.drafts = new Set();
    try {
      for (const op of ops) this.apply(op);
    } finally {
      this.drafts = undefined;
    }
  }

  apply(op: WriteOp): void {
    if ('insertOne' in op) {
      const doc = op.insertOne.document;
      if (this.docs.appendable(doc)) this.insertNew(this.stored(doc), true);
      else if (!this.docs.has(doc._id)) this.insertNew(this.stored(doc));
    } else if ('updateOne' in op) {
      const { filter, update, upsert } = op.updateOne;
      const doc = this.findOne(filter);
      if (doc) this.update(doc, update, false);
      else if (upsert) this.upsert(filter, update);
    } else {
      const { filter, update } = op.updateMany;
      // Deferred indexes stay so for an update that moves no document in them (its order does not matter then): a scan.
      if (this.deferred && !this.namesIndexed(update, false)) {
        for (const doc of [...this.docs.values()]) if (matches(doc, filter)) this.update(doc, update, false);
      } else for (const doc of this.find(filter)) this.update(doc, update, false);
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

  /**
   * Copy-on-write: the updated document replaces the stored one, which readers may still hold;
   * a draft of the write in progress (held by no reader yet) is changed in place.
   */
  private update(doc: Doc, update: Update, inserting: boolean): void {
    if (this.drafts?.has(doc)) {
      this.updateDraft(doc, update, inserting);
      return;
    }
    const next: Doc = { ...doc };
    applyUpdate(next, update, inserting, this.strings);
    this.docs.set(doc._id, next);
    if (this.deferred) {
      this.deferredMoves(doc, next);
      this.drafts?.add(next);
      return;
    }
    for (const index of this.ordered) {
      if (orderedReplace(index, doc, next)) continue;
      orderedRemove(index, doc);
      orderedAdd(index, next);
    }
    for (const index of this.indexes.values()) {
      // Most updates change a status or a time: an index whose fields all hold the same values keeps its key.
      if (!fieldsChanged(index.fields, doc, next)) continue;
      const old = indexKey(index, doc);
      const now = indexKey(index, next);
      if (old !== now) {
        indexRemove(index, old, doc._id);
        indexAddKey(index, now, doc._id);
      }
    }
    this.drafts?.add(next);
  }

  /** In place: the indexes over a field the update names are re-keyed from the values before it. */
  private updateDraft(doc: Doc, update: Update, inserting: boolean): void {
    if (this.deferred) {
      this.deferredDraftMoves(doc, update, inserting);
      return;
    }
    const rekeyed: { index: EqualityIndex; old: string }[] = [];
    for (const index of this.indexes.values()) {
      if (touches(index.fields, update, inserting)) rekeyed.push({ index, old: indexKey(index, doc) });
    }
    const moved = this.ordered.filter((index) => touches(index.equality.fields, update, inserting) || touches([index.order], update, inserting));
    for (const index of moved) orderedRemove(index, doc);
    applyUpdate(doc, update, inserting, this.strings);
    for (const index of moved) orderedAdd(index, doc);
    for (const { index, old } of rekeyed) {
      const now = indexKey(index, doc);
      if (old !== now) {
        indexRemove(index, old, doc._id);
        indexAddKey(index, now, doc._id);
      }
    }
  }

  /** Where update() would move `next` in the deferred indexes: the same conditions (orderedReplace's, a changed key). */
  private deferredMoves(doc: Doc, next: Doc): void {
    let i = 0;
    for (const index of this.indexes.values()) {
      if (fieldsChanged(index.fields, doc, next) && indexKey(index, doc) !== indexKey(index, next)) this.moved(i, doc._id);
      i++;
    }
    for (const index of this.ordered) {
      const equality = index.equality;
      if (getPath(next, index.order) !== getPath(doc, index.order) || (fieldsChanged(equality.fields, doc, next) && indexKey(equality, doc) !== indexKey(equality, next))) {
        this.moved(i, doc._id);
      }
      i++;
    }
  }

  /** updateDraft() with the indexes deferred: the same moves recorded (any ordered index the update names; a changed key). */
  private deferredDraftMoves(doc: Doc, update: Update, inserting: boolean): void {
    // Most drafts' updates name no indexed field (counts, times, the position): nothing can move.
    if (!this.namesIndexed(update, inserting)) {
      applyUpdate(doc, update, inserting, this.strings);
      return;
    }
    // The fields the update names, found once (not once per index: it was a twentieth of the catch-up's CPU).
    const named = namedRoots(update, inserting);
    const olds: (string | undefined)[] = [];
    for (const index of this.indexes.values()) olds.push(namesAny(named, index.fields) ? indexKey(index, doc) : undefined);
    applyUpdate(doc, update, inserting, this.strings);
    let i = 0;
    for (const index of this.indexes.values()) {
      const old = olds[i];
      if (old !== undefined && old !== indexKey(index, doc)) this.moved(i, doc._id);
      i++;
    }
    for (const index of this.ordered) {
      if (namesAny(named, index.equality.fields) || named.includes(rootOf(index.order))) this.moved(i, doc._id);
      i++;
    }
  }

  /** Whether an update names (by its top-level field) a field some index keys or orders by: namedRoots() and namesAny() for all indexes, nothing allocated. */
  private namesIndexed(update: Update, inserting: boolean): boolean {
    let roots = this.indexedRoots;
    if (roots === undefined) {
      roots = new Set<string>();
      for (const index of this.indexes.values()) for (const field of index.fields) roots.add(rootOf(field));
      for (const index of this.ordered) for (const field of [...index.equality.fields, index.order]) roots.add(rootOf(field));
      this.indexedRoots = roots;
    }
    return namesRootIn(update.$set, roots) || namesRootIn(update.$inc, roots) || namesRootIn(update.$unset, roots) || (inserting && namesRootIn(update.$setOnInsert, roots));
  }

  /**
   * The documents that may match: by `_id` (equality or $in) directly; else through the
   * equality index covering the most of the filter's fields (equality, null, or $in on each);
   * else every document.
   */
  private *candidates(filter: Filter): Iterable<Doc> {
    const id = filter._id;
    if (id !== undefined && !isOperatorObject(id)) {
      const doc = this.docs.get(String(id));
      if (doc) yield doc;
      return;
    }
    if (id !== undefined && isOperatorObject(id) && Array.isArray(id.$in)) {
      for (const wanted of new Set(id.$in.map(String))) {
        const doc = this.docs.get(wanted);
        if (doc) yield doc;
      }
      return;
    }
    this.indexNow();
    let best: { index: EqualityIndex; keys: string[] } | undefined;
    for (const index of this.indexes.values()) {
      if (best && best.index.fields.length >= index.fields.length) continue;
      const keys = lookupKeys(index, filter);
      if (keys) best = { index, keys };
    }
    // An ordered index is an equality index over its fields too (its documents in its order).
    let bestOrdered: { index: OrderedIndex; keys: string[] } | undefined;
    for (const index of this.ordered) {
      const covered = bestOrdered?.index.equality.fields.length ?? best?.index.fields.length ?? 0;
      if (covered >= index.equality.fields.length) continue;
      const keys = lookupKeys(index.equality, filter);
      if (keys) bestOrdered = { index, keys };
    }
    if (bestOrdered) {
      for (const key of bestOrdered.keys) yield* bestOrdered.index.ids.get(key) ?? [];
      return;
    }
    if (best) {
      yield* this.indexed(best.index, best.keys);
      return;
    }
    yield* this.docs.values();
  }

  /**
   * An index over exactly the filter's fields, each given by equality, null or $in: every
   * document under its keys matches, none elsewhere does (no filter to apply, a count is the
   * keys' sizes). An equality index first (its documents in insertion order), else an ordered
   * one (in its order). Undefined when there is none.
   */
  private exactIndex(filter: Filter): ExactIndex | undefined {
    let fields = 0;
    for (const field in filter) {
      if (field === '_id') return undefined;
      fields++;
    }
    if (fields === 0) return undefined;
    this.indexNow();
    for (const index of this.indexes.values()) {
      if (index.fields.length !== fields) continue;
      const keys = lookupKeys(index, filter);
      if (keys) return { equality: index, keys };
    }
    for (const index of this.ordered) {
      if (index.equality.fields.length !== fields) continue;
      const keys = lookupKeys(index.equality, filter);
      if (keys) return { ordered: index, keys };
    }
    return undefined;
  }

  /**
   * The documents under an exact index's keys (every one matches), in its order, up to
   * `limit`, appended to `out`. Loops, not generators: measured, about 2 µs of the
   * dashboard's 43 µs of reads (bench:query-work), which finds five lists this way.
   */
  private exactDocs(exact: ExactIndex, out: Doc[], limit: number | undefined): Doc[] {
    for (const key of exact.keys) {
      if (exact.ordered) {
        for (const doc of exact.ordered.ids.get(key) ?? []) {
          if (limit !== undefined && out.length >= limit) return out;
          out.push(doc);
        }
        continue;
      }
      for (const docId of idsOf(exact.equality, key)) {
        const doc = this.docs.get(docId);
        if (doc === undefined) continue;
        if (limit !== undefined && out.length >= limit) return out;
        out.push(doc);
      }
    }
    return out;
  }

  private *indexed(index: EqualityIndex, keys: readonly string[]): Iterable<Doc> {
    for (const key of keys) {
      for (const docId of idsOf(index, key)) {
        const doc = this.docs.get(docId);
        if (doc) yield doc;
      }
    }
  }
}

/**
 * The filter without the fields an index's one key already matches (the documents under the
 * key): measured, a role's members page matched each active member on three fields, two of
 * them the index's, and the dashboard reads three such pages.
 */
function beyondIndex(filter: Filter, fields: readonly string[]): Filter {
  const rest: Record<string, unknown> = {};
  for (const path in filter) if (!fields.includes(path)) rest[path] = filter[path];
  return rest;
}

/** An index answering a filter exactly: its keys for the filter's values. */
type ExactIndex = { readonly keys: string[] } & (
  | { readonly equality: EqualityIndex; readonly ordered?: undefined }
  | { readonly ordered: OrderedIndex; readonly equality?: undefined }
);

/** How many documents an exact index holds under its keys. */
function exactCount(exact: ExactIndex): number {
  let n = 0;
  for (const key of exact.keys) {
    if (exact.ordered) {
      n += exact.ordered.ids.get(key)?.length ?? 0;
    } else {
      const ids = exact.equality.ids.get(key);
      n += ids === undefined ? 0 : typeof ids === 'string' ? 1 : ids.size;
    }
  }
  return n;
}

function equalityIndex(fields: readonly string[]): EqualityIndex {
  return { fields, ids: new Map() };
}

/** Whether any of `fields` may differ: copy-on-write keeps an unchanged value (and object) as it was. */
function fieldsChanged(fields: readonly string[], before: Doc, after: Doc): boolean {
  for (const field of fields) if (getPath(before, field) !== getPath(after, field)) return true;
  return false;
}

/**
 * The index keys a filter selects, or undefined when the filter does not give every field of
 * the index by equality or $in. A null matches a missing field too, as in MongoDB.
 */
function lookupKeys(index: EqualityIndex, filter: Filter): string[] | undefined {
  // Most lookups give each field one value (no null, no $in): their one key, built directly.
  let key = '';
  const fields = index.fields;
  for (let i = 0; i < fields.length; i++) {
    const wanted = filter[fields[i]];
    if (wanted === undefined) return undefined;
    if (wanted === null || typeof wanted === 'object') return lookupKeysOf(index, filter);
    key = i === 0 ? valueKey(wanted) : `${key}\u0001${valueKey(wanted)}`;
  }
  return [key];
}

/** lookupKeys when a field is given by null (a missing field matches too), $in, or an object. */
function lookupKeysOf(index: EqualityIndex, filter: Filter): string[] | undefined {
  let keys = [''];
  for (const [i, field] of index.fields.entries()) {
    const wanted = filter[field];
    let values: readonly unknown[];
    if (wanted === undefined) return undefined;
    if (isOperatorObject(wanted)) {
      if (Object.keys(wanted).length !== 1 || !Array.isArray(wanted.$in)) return undefined;
      values = wanted.$in;
    } else values = [wanted];
    const parts = new Set<string>();
    for (const value of values) {
      parts.add(valueKey(value));
      if (value === null) parts.add(valueKey(undefined));
    }
    const next: string[] = [];
    for (const prefix of keys) for (const part of parts) next.push(i === 0 ? part : `${prefix}\u0001${part}`);
    keys = next;
  }
  return keys;
}

function applyUpdate(doc: Record<string, unknown>, update: Update, inserting: boolean, strings: StringPool): void {
  const { $set, $setOnInsert, $inc, $unset } = update;
  if ($set) for (const path in $set) setPath(doc, path, storedCopy($set[path], strings));
  if (inserting && $setOnInsert) {
    for (const path in $setOnInsert) setPath(doc, path, storedCopy($setOnInsert[path], strings));
  }
  if ($inc) {
    for (const path in $inc) {
      const current = getPath(doc, path);
      setPath(doc, path, (typeof current === 'number' ? current : 0) + $inc[path]);
    }
  }
  if ($unset) for (const path in $unset) unsetPath(doc, path);
}

/** Whether the update may change one of `fields` (compared by their top-level field). */
function touches(fields: readonly string[], update: Update, inserting: boolean): boolean {
  for (const field of fields) {
    const root = rootOf(field);
    if (namesRoot(update.$set, root) || namesRoot(update.$inc, root) || namesRoot(update.$unset, root)) return true;
    if (inserting && namesRoot(update.$setOnInsert, root)) return true;
  }
  return false;
}

/** The top-level fields an update may change (touches() for many indexes at once). */
function namedRoots(update: Update, inserting: boolean): string[] {
  const named: string[] = [];
  const add = (paths: Readonly<Record<string, unknown>> | undefined) => {
    if (paths) for (const path in paths) named.push(rootOf(path));
  };
  add(update.$set);
  add(update.$inc);
  add(update.$unset);
  if (inserting) add(update.$setOnInsert);
  return named;
}

function namesAny(named: readonly string[], fields: readonly string[]): boolean {
  for (const field of fields) if (named.includes(rootOf(field))) return true;
  return false;
}

function namesRoot(paths: Readonly<Record<string, unknown>> | undefined, root: string): boolean {
  if (paths) for (const path in paths) if (rootOf(path) === root) return true;
  return false;
}

function namesRootIn(paths: Readonly<Record<string, unknown>> | undefined, roots: ReadonlySet<string>): boolean {
  if (paths) for (const path in paths) if (roots.has(rootOf(path))) return true;
  return false;
}

function rootOf(path: string): string {
  const dot = path.indexOf('.');
  if (dot < 0) return path;
  // A dotted path's root made once (the daily counts' `delta.<role>` at every event), not sliced again at every update.
  let root = pathRoots.get(path);
  if (root === undefined) {
    if (pathRoots.size >= MAX_ROOTS) pathRoots.clear();
    pathRoots.set(path, (root = path.slice(0, dot)));
  }
  return root;
}

const pathRoots = new Map<string, string>();
const MAX_ROOTS = 1024;

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
  // for...in, not Object.entries: every update's guard passes here (filters are plain objects).
  for (const path in filter) {
    const condition = filter[path];
    const value = getPath(doc, path);
    if (isOperatorObject(condition)) {
      for (const op in condition) {
        if (!matchOperator(op, value, condition[op])) return false;
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
      if (!Array.isArray(operand)) return false;
      // A scalar equals only itself (equal()): a strict native search (the activity's visible types, some thirty).
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return operand.indexOf(value) >= 0;
      for (const candidate of operand) if (equal(value, candidate)) return true;
      return false;
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
  // Scalars compare as they are; only objects and arrays need their JSON form.
  if (typeof b !== 'object') return a === b;
  return valueKey(a) === valueKey(b);
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  let any = false;
  for (const key in value) {
    if (key.charCodeAt(0) !== 36 /* $ */) return false;
    any = true;
  }
  return any;
}

/**
 * An index key: distinct values give distinct keys. A string is its own key (most are ids, and
 * JSON.stringify on each was the catch-up's hottest call); anything else, or a string holding
 * the separators, is its JSON after a \u0000, which a string key never holds.
 */
function valueKey(value: unknown): string {
  if (typeof value === 'string' && value.indexOf('\u0000') < 0 && value.indexOf('\u0001') < 0) return value;
  return value === undefined ? '\u0000undefined' : `\u0000${JSON.stringify(value)}`;
}

/** Whether `docs` are in `order`'s ascending order already (as orderBefore has it). */
function inOrder(docs: readonly Doc[], order: string): boolean {
  for (let i = 1; i < docs.length; i++) if (orderBefore(getPath(docs[i], order), getPath(docs[i - 1], order))) return false;
  return true;
}

/**
 * Sorts `docs` in place as Array.prototype.sort would (stably), yielding every BUILD_STEP
 * elements moved: a bottom-up merge sort, so that indexSome() can stop between steps.
 */
function* mergeSortSteps(docs: Doc[], compare: (a: Doc, b: Doc) => number): Generator<void, void> {
  const n = docs.length;
  let from = docs;
  let to = new Array<Doc>(n);
  let work = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let low = 0; low < n; low += 2 * width) {
      const middle = Math.min(low + width, n);
      const high = Math.min(low + 2 * width, n);
      let i = low;
      let j = middle;
      let k = low;
      // The left run's element first on ties: stable.
      while (i < middle && j < high) {
        to[k++] = compare(from[j], from[i]) < 0 ? from[j++] : from[i++];
        if (++work % BUILD_STEP === 0) yield;
      }
      while (i < middle) to[k++] = from[i++];
      while (j < high) to[k++] = from[j++];
    }
    [from, to] = [to, from];
  }
  if (from !== docs) for (let k = 0; k < n; k++) docs[k] = from[k];
}

/** Appended, out of order: indexNow() sorts each key's documents once all are in. */
function orderedAppend(index: OrderedIndex, doc: Doc): void {
  const key = indexKey(index.equality, doc);
  const docs = index.ids.get(key);
  if (docs) docs.push(doc);
  else index.ids.set(key, [doc]);
}

/** Inserted after the documents whose key is not greater: ties keep insertion order. */
function orderedAdd(index: OrderedIndex, doc: Doc): void {
  const key = indexKey(index.equality, doc);
  let docs = index.ids.get(key);
  if (!docs) index.ids.set(key, (docs = []));
  const value = getPath(doc, index.order);
  // Usually appended: documents arrive in the order of their position.
  if (docs.length === 0 || !orderBefore(value, getPath(docs[docs.length - 1], index.order))) {
    docs.push(doc);
    return;
  }
  let low = 0;
  let high = docs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (orderBefore(value, getPath(docs[mid], index.order))) high = mid;
    else low = mid + 1;
  }
  docs.splice(low, 0, doc);
}

/**
 * Puts `next` where `doc` was when both have the same key and order value (most updates: a
 * status, a time): found by binary search, not by a scan. False when it moves.
 */
function orderedReplace(index: OrderedIndex, doc: Doc, next: Doc): boolean {
  const value = getPath(doc, index.order);
  if (getPath(next, index.order) !== value) return false;
  const key = indexKey(index.equality, doc);
  if (indexKey(index.equality, next) !== key) return false;
  const docs = index.ids.get(key);
  const at = docs ? orderedPosition(docs, index.order, doc) : -1;
  if (at < 0) return false;
  docs![at] = next;
  return true;
}

/** The first position in `docs` (in `order`'s ascending order) whose value is not before `value`. */
function firstNotBefore(docs: readonly Doc[], order: string, value: unknown): number {
  let low = 0;
  let high = docs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (orderBefore(getPath(docs[mid], order), value)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Where an ascending read starts: past what a `$gt` or `$gte` on the order field leaves out (a cursor), else at the first. */
function orderedStart(docs: readonly Doc[], order: string, condition: unknown): number {
  if (!isOperatorObject(condition)) return 0;
  const bound = condition.$gt ?? condition.$gte;
  if (typeof bound !== 'string' && typeof bound !== 'number') return 0;
  // Only a head the condition leaves out is skipped: matches() still applies it (and any other) to the rest.
  let start = firstNotBefore(docs, order, bound);
  if (condition.$gt !== undefined) while (start < docs.length && getPath(docs[start], order) === bound) start++;
  return start;
}

function orderedRemove(index: OrderedIndex, doc: Doc): void {
  const key = indexKey(index.equality, doc);
  const docs = index.ids.get(key);
  if (!docs) return;
  const at = orderedPosition(docs, index.order, doc);
  if (at < 0) return;
  docs.splice(at, 1);
  if (docs.length === 0) index.ids.delete(key);
}

/** Where `doc` is in `docs` (kept in `order`'s order): found by binary search on its value, then among its equals; -1 when absent. */
function orderedPosition(docs: readonly Doc[], order: string, doc: Doc): number {
  const value = getPath(doc, order);
  for (let i = firstNotBefore(docs, order, value); i < docs.length && !orderBefore(value, getPath(docs[i], order)); i++) {
    if (docs[i] === doc) return i;
  }
  return -1;
}

/** a sorts strictly before b, as comparatorFor sorts ascending: missing values first. */
function orderBefore(a: unknown, b: unknown): boolean {
  if (a === b) return false;
  if (a === undefined || a === null) return true;
  if (b === undefined || b === null) return false;
  return (a as number) < (b as number);
}

function sameOrderKey(a: unknown, b: unknown): boolean {
  return !orderBefore(a, b) && !orderBefore(b, a);
}

function indexKey(index: EqualityIndex, doc: Doc): string {
  if (index.fields.length === 1) return valueKey(getPath(doc, index.fields[0]));
  return index.fields.map((field) => valueKey(getPath(doc, field))).join('\u0001');
}

function indexAdd(index: EqualityIndex, doc: Doc): void {
  indexAddKey(index, indexKey(index, doc), doc._id);
}

function indexAddKey(index: EqualityIndex, key: string, id: string): void {
  const ids = index.ids.get(key);
  if (ids === undefined) index.ids.set(key, id);
  else if (typeof ids !== 'string') ids.add(id);
  else if (ids !== id) index.ids.set(key, new Set([ids, id]));
}

function indexRemove(index: EqualityIndex, key: string, id: string): void {
  const ids = index.ids.get(key);
  if (ids === undefined) return;
  if (typeof ids === 'string') {
    if (ids === id) index.ids.delete(key);
    return;
  }
  ids.delete(id);
  if (ids.size === 0) index.ids.delete(key);
}

const NO_IDS: readonly string[] = [];

/** Documents (or moves) per step of a sliced index build: about a millisecond's work. */
const BUILD_STEP = 1024;

/** The ids under a key, in insertion order. */
function idsOf(index: EqualityIndex, key: string): Iterable<string> {
  const ids = index.ids.get(key);
  return ids === undefined ? NO_IDS : typeof ids === 'string' ? [ids] : ids;
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

/** Sets a dotted path in `doc`, copying the nested objects along it (copy-on-write: readers may hold the old ones). */
function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  if (!path.includes('.')) {
    doc[path] = value;
    return;
  }
  const parts = path.split('.');
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    current[part] = next === null || typeof next !== 'object' ? {} : Array.isArray(next) ? [...next] : { ...next };
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]] = value;
}

/** Removes a dotted path from `doc`, copying the nested objects along it (copy-on-write). */
function unsetPath(doc: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (next === null || typeof next !== 'object') return;
    current[part] = Array.isArray(next) ? [...next] : { ...next };
    current = current[part] as Record<string, unknown>;
  }
  delete current[parts[parts.length - 1]];
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
