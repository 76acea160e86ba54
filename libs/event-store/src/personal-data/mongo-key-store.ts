import { randomBytes, randomUUID } from 'node:crypto';
import { Binary, MongoClient, MongoServerError, type Collection } from 'mongodb';
import type { KeyStore, PersonKey } from './key-store.port';
import { ownerDigest } from './sqlite-key-store';

interface KeyDocument {
  /** The key id. */
  _id: string;
  /** ownerDigest of the person. */
  owner: string;
  key: Binary;
  createdAt: Date;
}

/** With MONGODB_URL: the keys in a collection of their own (`person_keys`), beside the read models. */
export class MongoKeyStore implements KeyStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly keys: Collection<KeyDocument>,
    private readonly description: string,
  ) {}

  static async connect(options: { readonly url: string; readonly database: string; readonly collection?: string }): Promise<MongoKeyStore> {
    const client = new MongoClient(options.url, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    const name = options.collection ?? 'person_keys';
    const keys = client.db(options.database).collection<KeyDocument>(name);
    await keys.createIndex({ owner: 1 }, { unique: true });
    return new MongoKeyStore(client, keys, `MongoDB (${options.database}.${name})`);
  }

  async keysFor(persons: readonly string[]): Promise<Map<string, PersonKey>> {
    const byDigest = new Map([...new Set(persons)].map((person) => [ownerDigest(person), person]));
    const keys = new Map<string, PersonKey>();
    const read = async (digests: string[]): Promise<void> => {
      for (const [person, key] of await this.read(byDigest, digests)) keys.set(person, key);
    };
    await read([...byDigest.keys()]);
    const missing = [...byDigest].filter(([, person]) => !keys.has(person)).map(([digest]) => digest);
    if (missing.length === 0) return keys;
    try {
      await this.keys.insertMany(
        missing.map((owner) => ({ _id: randomUUID(), owner, key: new Binary(randomBytes(32)), createdAt: new Date() })),
        { ordered: false },
      );
    } catch (error) {
      // Another instance made some of these keys first (the unique owner index): theirs are read below.
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
    }
    await read(missing);
    return keys;
  }

  existingKeys(persons: readonly string[]): Promise<Map<string, PersonKey>> {
    const byDigest = new Map([...new Set(persons)].map((person) => [ownerDigest(person), person]));
    return this.read(byDigest, [...byDigest.keys()]);
  }

  /** The keys stored under these owner digests, by person name. */
  private async read(byDigest: ReadonlyMap<string, string>, digests: readonly string[]): Promise<Map<string, PersonKey>> {
    const keys = new Map<string, PersonKey>();
    for (const found of await this.keys.find({ owner: { $in: [...digests] } }).toArray()) {
      keys.set(byDigest.get(found.owner) as string, { kid: found._id, key: Buffer.from(found.key.buffer) });
    }
    return keys;
  }

  async keyById(kid: string): Promise<Buffer | null> {
    const found = await this.keys.findOne({ _id: kid });
    return found ? Buffer.from(found.key.buffer) : null;
  }

  async destroyKey(person: string): Promise<boolean> {
    return (await this.keys.deleteMany({ owner: ownerDigest(person) })).deletedCount > 0;
  }

  describe(): string {
    return this.description;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
