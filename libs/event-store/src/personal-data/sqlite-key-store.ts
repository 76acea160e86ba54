import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openSqlite } from '../sqlite/sqlite-connection';
import type { KeyStore, PersonKey } from './key-store.port';

/** SHA-256 of a person's key name: the key stores' lookup column, so they hold no address. */
export const ownerDigest = (person: string): string => createHash('sha256').update(person, 'utf8').digest('hex');

/** The embedded default: the keys in their own SQLite file of the data directory (`keys.sqlite`). */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly byOwner: Database.Statement<[string]>;
  private readonly byId: Database.Statement<[string]>;
  private readonly insert: Database.Statement<[string, string, Buffer, string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(private readonly options: { readonly path: string }) {
    this.db = openSqlite(options.path);
    this.db.exec(`CREATE TABLE IF NOT EXISTS person_keys (
      owner TEXT PRIMARY KEY,
      kid TEXT NOT NULL UNIQUE,
      key BLOB NOT NULL,
      created_at TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.byOwner = this.db.prepare('SELECT kid, key FROM person_keys WHERE owner = ?');
    this.byId = this.db.prepare('SELECT key FROM person_keys WHERE kid = ?');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO person_keys (owner, kid, key, created_at) VALUES (?, ?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM person_keys WHERE owner = ?');
  }

  async keysFor(persons: readonly string[]): Promise<Map<string, PersonKey>> {
    const keys = this.read(persons);
    const missing = [...new Set(persons)].filter((person) => !keys.has(person));
    if (missing.length === 0) return keys;
    // One transaction (one fsync) for every new key; INSERT OR IGNORE: a key another process made first wins.
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const person of missing) this.insert.run(ownerDigest(person), randomUUID(), randomBytes(32), now);
    })();
    for (const [person, key] of this.read(missing)) keys.set(person, key);
    return keys;
  }

  async existingKeys(persons: readonly string[]): Promise<Map<string, PersonKey>> {
    return this.read(persons);
  }

  private read(persons: readonly string[]): Map<string, PersonKey> {
    const keys = new Map<string, PersonKey>();
    for (const person of persons) {
      const row = this.byOwner.get(ownerDigest(person)) as { kid: string; key: Buffer } | undefined;
      if (row) keys.set(person, { kid: row.kid, key: row.key });
    }
    return keys;
  }

  async keyById(kid: string): Promise<Buffer | null> {
    const row = this.byId.get(kid) as { key: Buffer } | undefined;
    return row?.key ?? null;
  }

  async destroyKey(person: string): Promise<boolean> {
    return this.remove.run(ownerDigest(person)).changes > 0;
  }

  describe(): string {
    return `SQLite (${this.options.path})`;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
