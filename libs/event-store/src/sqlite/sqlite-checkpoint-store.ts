import type Database from 'better-sqlite3';
import { CheckpointStore } from '../checkpoint-store.port';
import { openSqlite } from './sqlite-connection';

export interface SqliteCheckpointStoreOptions {
  /** Database file (may be the event store's own file: the table is separate). */
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

/** Checkpoints in a small SQLite table; a save is fsynced before it resolves (synchronous=FULL). */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly db: Database.Database;
  private readonly selectStatement: Database.Statement<[string]>;
  private readonly upsertStatement: Database.Statement<[string, bigint, string]>;

  constructor(options: SqliteCheckpointStoreOptions | string) {
    const opts = typeof options === 'string' ? { path: options } : options;
    this.db = openSqlite(opts.path, opts.busyTimeoutMs);
    this.db.exec(`CREATE TABLE IF NOT EXISTS checkpoints (
      name       TEXT PRIMARY KEY,
      position   INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    )`);
    this.selectStatement = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?');
    // Decided inside SQLite, so two writers racing cannot move it back either.
    this.upsertStatement = this.db.prepare(
      `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
       WHERE excluded.position > checkpoints.position`,
    );
  }

  async load(name: string): Promise<bigint | undefined> {
    const row = this.selectStatement.get(name) as { position: bigint } | undefined;
    return row === undefined ? undefined : BigInt(row.position);
  }

  async save(name: string, position: bigint): Promise<void> {
    this.upsertStatement.run(name, position, new Date().toISOString());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
