import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** How long a connection waits for another process's lock before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a connection to one of Roster's SQLite files the way every connection to it is opened
 * (event store reader, writer thread, checkpoints): WAL, so readers never block the writer and
 * several processes share the file; synchronous=FULL, so a commit is on disk before anything is
 * acknowledged; a busy timeout for another process's lock; 64-bit integers as bigint.
 * The file's directory is created when missing.
 */
export function openSqlite(path: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): Database.Database {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.defaultSafeIntegers(true);
  return db;
}
