import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@roster/event-store';

/**
 * Ed25519 signatures over the RFC 8785 (JCS) form of a JSON object: what signs an export's
 * manifest and a chain checkpoint (docs/audit-export.md). Public keys travel as PEM (SPKI),
 * the form `GET /.well-known/roster-audit-key` serves and `verify-export --public-key` reads.
 */

export class AuditKeyError extends Error {
  override readonly name = 'AuditKeyError';
}

/** The first 16 hex digits of SHA-256 over the public key's DER (SPKI): names the key in what it signs. */
export function auditKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** A PEM public key (SPKI, `-----BEGIN PUBLIC KEY-----`) that must be Ed25519. */
export function readAuditPublicKey(pem: string): KeyObject {
  // Node would derive a public key from a private one: a verifier is never handed the secret.
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw new AuditKeyError('not a PEM public key (expected -----BEGIN PUBLIC KEY-----)');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new AuditKeyError('not a PEM public key (expected -----BEGIN PUBLIC KEY-----)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`an ${key.asymmetricKeyType ?? 'unknown'} key, expected Ed25519`);
  return key;
}

/** The service's signing key: an Ed25519 private key in PEM (PKCS#8). */
export class AuditSigner {
  readonly publicKey: KeyObject;
  readonly keyId: string;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = auditKeyId(this.publicKey);
  }

  static fromPem(pem: string): AuditSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new AuditKeyError('not a PEM private key (expected -----BEGIN PRIVATE KEY-----, PKCS#8)');
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`an ${key.asymmetricKeyType ?? 'unknown'} key, expected Ed25519`);
    return new AuditSigner(key);
  }

  get publicKeyPem(): string {
    return publicKeyPem(this.publicKey);
  }

  /** base64url of the Ed25519 signature over the UTF-8 bytes of canonicalJson(value). */
  sign(value: unknown): string {
    return sign(null, Buffer.from(canonicalJson(value), 'utf8'), this.privateKey).toString('base64url');
  }
}

/** Whether `signature` (base64url) is `publicKey`'s over canonicalJson(value). */
export function verifyAuditSignature(publicKey: KeyObject, value: unknown, signature: unknown): boolean {
  if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]+$/.test(signature)) return false;
  try {
    return verify(null, Buffer.from(canonicalJson(value), 'utf8'), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
