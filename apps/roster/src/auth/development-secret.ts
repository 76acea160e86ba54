import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEVELOPMENT_SECRET_FILE = 'dev-jwt-secret';
export const DEVELOPMENT_AUDIT_KEY_FILE = 'dev-audit-signing-key.pem';

/**
 * A development secret kept in the data directory (mode 0600): made once by `make`, read back
 * on later starts (when `usable` says the contents are whole), so it survives restarts. If
 * another process makes it at the same moment, theirs is kept.
 */
function loadOrCreateDevelopmentFile(dataDir: string, name: string, make: () => string, usable: (contents: string) => boolean): string {
  const path = join(dataDir, name);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (usable(existing)) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const made = make();
  try {
    // 'wx': if another process made it meanwhile, keep theirs.
    writeFileSync(path, `${made}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return made;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw error;
  }
}

/**
 * The HS256 secret used when neither ROSTER_JWT_SECRET nor ROSTER_JWKS_URL is set: made
 * once and kept in the data directory (mode 0600), so tokens from `npm run token` keep
 * working across restarts. For development only.
 */
export function loadOrCreateDevelopmentSecret(dataDir: string): string {
  return loadOrCreateDevelopmentFile(dataDir, DEVELOPMENT_SECRET_FILE, () => randomBytes(32).toString('hex'), (existing) => existing.length >= 32);
}

/**
 * The Ed25519 key (PEM, PKCS#8) that signs exports and checkpoints when ROSTER_AUDIT_SIGNING_KEY_FILE
 * is not set and ROSTER_DEV_AUTH=1: made like the development secret, for development only.
 */
export function loadOrCreateDevelopmentAuditKey(dataDir: string): string {
  return loadOrCreateDevelopmentFile(
    dataDir,
    DEVELOPMENT_AUDIT_KEY_FILE,
    () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim(),
    (existing) => existing.includes('-----END PRIVATE KEY-----'),
  );
}
