import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEVELOPMENT_SECRET_FILE = 'dev-jwt-secret';

/**
 * The HS256 secret used when neither ROSTER_JWT_SECRET nor ROSTER_JWKS_URL is set: made
 * once and kept in the data directory (mode 0600), so tokens from `npm run token` keep
 * working across restarts. For development only.
 */
export function loadOrCreateDevelopmentSecret(dataDir: string): string {
  const path = join(dataDir, DEVELOPMENT_SECRET_FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    // 'wx': if another process made it meanwhile, keep theirs.
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw error;
  }
}
