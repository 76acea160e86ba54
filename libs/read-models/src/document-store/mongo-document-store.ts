import { MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';
import type { CollectionWrites, Doc, DocumentStore, Filter, FindOptions, IndexSpec } from './document-store.port';

export interface MongoDocumentStoreOptions {
  readonly url: string;
  readonly database: string;
}

/** The DocumentStore over the `mongodb` driver (MongoDB or FerretDB): ordered bulkWrite per collection. */
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
    await Promise.all(
      [...writes].map(async ([name, ops]) => {
        const collection = this.db.collection<Document>(name);
        // Runs of inserts go as one unordered insertMany whose duplicates are ignored; runs of
        // updates as one ordered bulkWrite: the operations on one document apply in event order.
        for (let start = 0; start < ops.length; ) {
          const inserting = 'insertOne' in ops[start];
          let end = start + 1;
          while (end < ops.length && 'insertOne' in ops[end] === inserting) end++;
          const run = ops.slice(start, end);
          if (inserting) await insertIgnoringDuplicates(collection, run.map((op) => (op as { insertOne: { document: Doc } }).insertOne.document));
          else await collection.bulkWrite(run as unknown as AnyBulkWriteOperation<Document>[], { ordered: true });
          start = end;
        }
      }),
    );
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
    return (await cursor.toArray()) as unknown as Doc[];
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
