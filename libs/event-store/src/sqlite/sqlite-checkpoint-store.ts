import type Database from 'better-sqlite3';
import { CheckpointStore, LeaseStore } from '../checkpoint-store.port';
import { openSqlite } from './sqlite-connection';

export interface SqliteCheckpointStoreOptions {
  /** Database file (may be the event store's own file: the table is separate). */
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

/**
 * Checkpoints and leases in two small SQLite tables, for processes that share one data
 * directory; a save is fsynced before it resolves (synchronous=FULL).
 */
export class SqliteCheckpointStore implements CheckpointStore, LeaseStore {
  private readonly db: Database.Database;
  private readonly selectStatement: Database.Statement<[string]>;
  private readonly upsertStatement: Database.Statement<[string, bigint, string]>;
  private readonly claimStatement: Database.Statement<[{ name: string; holder: string; now: number; expiresAt: number }]>;
  private readonly releaseStatement: Database.Statement<[string, string]>;
  private readonly holderStatement: Database.Statement<[string, number], { holder: string }>;

  constructor(options: SqliteCheckpointStoreOptions | string) {
    const opts = typeof options === 'string' ? { path: options } : options;
    this.db = openSqlite(opts.path, opts.busyTimeoutMs);
    this.db.exec(`CREATE TABLE IF NOT EXISTS checkpoints (
      name       TEXT PRIMARY KEY,
      position   INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS leases (
      name       TEXT PRIMARY KEY,
      holder     TEXT,
      expires_at INTEGER NOT NULL
    )`);
    this.selectStatement = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?');
    // Decided inside SQLite, so two writers racing cannot move it back either.
    this.upsertStatement = this.db.prepare(
      `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
       WHERE excluded.position > checkpoints.position`,
    );
    this.claimStatement = this.db.prepare(
      `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expiresAt)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.holder IS NULL OR leases.expires_at < @now`,
    );
    this.releaseStatement = this.db.prepare('UPDATE leases SET holder = NULL, expires_at = 0 WHERE name = ? AND holder = ?');
    this.holderStatement = this.db.prepare('SELECT holder FROM leases WHERE name = ? AND holder IS NOT NULL AND expires_at >= ?');
  }

  async claim(name: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.claimStatement.run({ name, holder, now, expiresAt }).changes === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    this.releaseStatement.run(name, holder);
  }

  async holder(name: string, now: number): Promise<string | null> {
    return this.holderStatement.get(name, now)?.holder ?? null;
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
