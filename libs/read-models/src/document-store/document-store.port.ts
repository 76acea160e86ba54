/**
 * The small document-store port the read models are written through. It is the subset of
 * MongoDB the projections use, so the MongoDB adapter passes it straight to the driver and
 * the embedded adapter implements the same semantics in memory (no server needed).
 * No transactions and no change streams: FerretDB has neither.
 */

export type Doc = { _id: string } & Record<string, unknown>;

/** Range operators a filter may use on a field; anything else is an equality match. */
export interface FieldCondition {
  $lt?: unknown;
  $lte?: unknown;
  $gt?: unknown;
  $gte?: unknown;
  $ne?: unknown;
  $in?: readonly unknown[];
}

/** Field (dotted paths allowed) to a value (equality) or a FieldCondition. */
export type Filter = Readonly<Record<string, unknown>>;

export interface Update {
  $set?: Readonly<Record<string, unknown>>;
  /** Applied only when the update inserts a new document (upsert). */
  $setOnInsert?: Readonly<Record<string, unknown>>;
  $inc?: Readonly<Record<string, number>>;
  $unset?: Readonly<Record<string, ''>>;
}

/**
 * Write operations, applied in order within one collection. An upsert copies the filter's
 * equality fields into the new document, as MongoDB does.
 */
export type WriteOp =
  /** Inserts the document unless one with its _id exists; then it does nothing (no error). */
  | { readonly insertOne: { readonly document: Doc } }
  | { readonly updateOne: { readonly filter: Filter; readonly update: Update; readonly upsert?: boolean } }
  | { readonly updateMany: { readonly filter: Filter; readonly update: Update } };

/** Write operations of one batch, by collection. Collections are independent of each other. */
export type CollectionWrites = ReadonlyMap<string, readonly WriteOp[]>;

export interface FindOptions {
  readonly sort?: Readonly<Record<string, 1 | -1>>;
  readonly limit?: number;
}

export interface IndexSpec {
  readonly key: Readonly<Record<string, 1 | -1>>;
  readonly name: string;
}

export interface DocumentStore {
  /**
   * True when find() hands out the same document object for as long as the document does not
   * change (the embedded store's copy-on-write): a view made from one may be kept by it.
   */
  readonly stableDocuments?: boolean;
  /**
   * find, findOne and count answered at once, without I/O, when the store can (the embedded
   * store): the same answers, no promise. A store over the network has none of them.
   */
  findSync?(collection: string, filter: Filter, options?: FindOptions): Readonly<Doc>[];
  findOneSync?(collection: string, filter: Filter): Readonly<Doc> | null;
  countSync?(collection: string, filter: Filter): number;
  /**
   * A number that stays the same for as long as none of `collections` changes, and grows
   * when one does (any write, drop or bulk load), when the store can tell (the embedded
   * store, written only by this process): an answer made from them may be kept until then.
   */
  changes?(collections: readonly string[]): number;
  /** Applies each collection's operations in order. Collections may be written concurrently. */
  write(writes: CollectionWrites): Promise<void>;
  /**
   * Atomic conditional update of one document, decided by the server (compare-and-set): true
   * when a document matched `filter` and was updated. For small coordination documents such as
   * the projection lease, never for read models.
   */
  updateOneIf(collection: string, filter: Filter, update: Update): Promise<boolean>;
  /** Inserts whole documents (bulk load of a rebuild); the collection must not hold them. */
  insertMany(collection: string, docs: readonly Doc[]): Promise<void>;
  /** Read-only answers: the embedded store hands out its own (never changed in place) documents. */
  find(collection: string, filter: Filter, options?: FindOptions): Promise<Readonly<Doc>[]>;
  findOne(collection: string, filter: Filter): Promise<Readonly<Doc> | null>;
  count(collection: string, filter: Filter): Promise<number>;
  ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void>;
  drop(collection: string): Promise<void>;
  close(): Promise<void>;
}
