import { MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';
import type { CollectionWrites, Doc, DocumentStore, Filter, FindOptions, IndexSpec, Update, WriteOp } from './document-store.port';
import { EmbeddedDocumentStore } from './embedded-document-store';

/** Documents per batch of a find. */
const FIND_BATCH = 10_000;

/** Ids per `{_id: {$in}}` read. */
const READ_CHUNK = 500;

export interface MongoDocumentStoreOptions {
  readonly url: string;
  readonly database: string;
}

/**
 * The DocumentStore over the `mongodb` driver (MongoDB, FerretDB, mongo-java-server).
 * write() addresses the server by `_id` only: the leading inserts go as one insertMany, the
 * documents the updates touch are read with `{_id: {$in}}`, the updates (guards included) are
 * applied in memory by an EmbeddedDocumentStore, and the changed documents are written back
 * whole with replaceOne by `_id`. Our test servers use their `_id` index for those shapes only.
 * Read-then-replace needs a single writer per database: ReadModelProjector's lease guarantees
 * it, and the rebuild's insertMany and the checkpoint writes go through the same store.
 */
export class MongoDocumentStore implements DocumentStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  static async connect(options: MongoDocumentStoreOptions): Promise<MongoDocumentStore> {
    const client = new MongoClient(options.url, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return new MongoDocumentStore(client, client.db(options.database));
  }

  async write(writes: CollectionWrites): Promise<void> {
    for (const ops of writes.values()) for (const op of ops) updateTarget(op);
    await Promise.all([...writes].map(([name, ops]) => writeCollection(this.db.collection<Document>(name), name, ops)));
  }

  /** Decided by the server in one updateOne (atomic), unlike write(): for the projection lease. */
  async updateOneIf(collection: string, filter: Filter, update: Update): Promise<boolean> {
    const result = await this.db.collection<Document>(collection).updateOne(filter as Document, update as Document);
    return result.matchedCount > 0;
  }

  async insertMany(collection: string, docs: readonly Doc[]): Promise<void> {
    const target = this.db.collection<Document>(collection);
    for (let i = 0; i < docs.length; i += 1000) {
      await target.insertMany(docs.slice(i, i + 1000) as Document[], { ordered: false });
    }
  }

  async find(collection: string, filter: Filter, options: FindOptions = {}): Promise<Doc[]> {
    let cursor = this.db.collection<Document>(collection).find(filter as Document);
    if (options.sort) cursor = cursor.sort(options.sort as Record<string, 1 | -1>);
    if (options.limit !== undefined && options.limit > 0) cursor = cursor.limit(options.limit);
    // Bounded batches, read one document at a time: the driver's toArray spreads a whole
    // batch into push(), which overflows the stack when a server sends a few hundred
    // thousand small documents in one batch (mongo-java-server does).
    const out: Doc[] = [];
    for await (const doc of cursor.batchSize(FIND_BATCH)) out.push(doc as unknown as Doc);
    return out;
  }

  async findOne(collection: string, filter: Filter): Promise<Doc | null> {
    return (await this.db.collection<Document>(collection).findOne(filter as Document)) as Doc | null;
  }

  async count(collection: string, filter: Filter): Promise<number> {
    return this.db.collection<Document>(collection).countDocuments(filter as Document);
  }

  async ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    // One index per command: FerretDB 1.24 can panic on a multi-index createIndexes right after a drop.
    for (const index of indexes) await this.db.collection(collection).createIndex({ ...index.key }, { name: index.name });
  }

  async drop(collection: string): Promise<void> {
    try {
      await this.db.collection(collection).drop();
    } catch (error) {
      // Dropping a collection that does not exist is the state we wanted.
      if (!/ns not found|NamespaceNotFound|not found/i.test(String((error as Error).message))) throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

async function insertIgnoringDuplicates(collection: Collection<Document>, docs: readonly Doc[]): Promise<void> {
  try {
    await collection.insertMany(docs as unknown as Document[], { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    const onlyDuplicates = list.length > 0 && list.every((e: { code?: number; err?: { code?: number } }) => (e.code ?? e.err?.code) === 11000);
    if (!onlyDuplicates && (error as { code?: number }).code !== 11000) throw error;
  }
}

/**
 * One collection's ops, in order: the leading inserts as one insertMany, then every other op
 * applied in memory to the documents it can touch, read after those inserts ran.
 */
async function writeCollection(collection: Collection<Document>, name: string, ops: readonly WriteOp[]): Promise<void> {
  let leading = 0;
  while (leading < ops.length && 'insertOne' in ops[leading]) leading++;
  if (leading > 0) await insertIgnoringDuplicates(collection, ops.slice(0, leading).map((op) => (op as { insertOne: { document: Doc } }).insertOne.document));
  const rest = ops.slice(leading);
  if (rest.length === 0) return;

  // Every document an op of `rest` can read or change: those named by _id, and those an
  // updateMany's equality fields match now (its guard and range conditions apply in memory;
  // documents the batch itself creates or changes are named by _id, so they are loaded too).
  const ids = new Set<string>();
  for (const op of rest) {
    if ('insertOne' in op) ids.add(op.insertOne.document._id);
    else if ('updateOne' in op) ids.add(updateTarget(op) as string);
    else {
      const matching = await collection.find(equalityFields(op.updateMany.filter), { projection: { _id: 1 } }).toArray();
      for (const doc of matching) ids.add(doc._id as unknown as string);
    }
  }

  const before = new Map<string, string>();
  const scratch = new EmbeddedDocumentStore();
  const wanted = [...ids];
  for (let i = 0; i < wanted.length; i += READ_CHUNK) {
    const docs = (await collection.find({ _id: { $in: wanted.slice(i, i + READ_CHUNK) } } as Document).toArray()) as unknown as Doc[];
    for (const doc of docs) before.set(doc._id, JSON.stringify(doc));
    await scratch.insertMany(name, docs);
  }
  scratch.writeSync(new Map([[name, rest]]));

  // Unchanged documents are not written; the port has no delete, so nothing disappears.
  const replacements: AnyBulkWriteOperation<Document>[] = [];
  for (const doc of scratch.all(name)) {
    if (before.get(doc._id) === JSON.stringify(doc)) continue;
    replacements.push({ replaceOne: { filter: { _id: doc._id } as Document, replacement: doc as Document, upsert: true } });
  }
  if (replacements.length > 0) await collection.bulkWrite(replacements, { ordered: false });
}

/** The `_id` an updateOne addresses; undefined for other ops. Throws on anything else. */
function updateTarget(op: WriteOp): string | undefined {
  if (!('updateOne' in op)) return undefined;
  const id = op.updateOne.filter._id;
  if (typeof id !== 'string') {
    throw new Error(`MongoDocumentStore supports only _id-addressed updates: an updateOne filter needs a string _id (got ${JSON.stringify(op.updateOne.filter)})`);
  }
  return id;
}

/** The filter's plain equality fields (operator conditions such as the position guard dropped). */
function equalityFields(filter: Filter): Document {
  const out: Document = {};
  for (const [field, condition] of Object.entries(filter)) {
    const operator =
      condition !== null && typeof condition === 'object' && !Array.isArray(condition) && Object.keys(condition).length > 0 && Object.keys(condition).every((key) => key.startsWith('$'));
    if (!operator) out[field] = condition;
  }
  return out;
}
