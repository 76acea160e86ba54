import { MongoClient, type AnyBulkWriteOperation, type Db, type Document } from 'mongodb';
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
        if (ops.length === 0) return;
        // Ordered: the operations on one document must apply in event order.
        await this.db.collection<Document>(name).bulkWrite(ops as unknown as AnyBulkWriteOperation<Document>[], { ordered: true });
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
