import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A personal value as stored: AES-256-GCM over its JSON, with a random 96-bit IV per value
 * and, as associated data, the field's path and the stream id (a ciphertext moved to another
 * field or stream does not open). `kid` names the key in the key store, never the person.
 * No `$` in the names: read models copy sealed values verbatim, and MongoDB-wire servers
 * (FerretDB) refuse `$`-prefixed field names in documents.
 */
export interface SealedValue {
  readonly enc: 'v1';
  readonly kid: string;
  /** base64 */
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

export const isSealed = (value: unknown): value is SealedValue =>
  value !== null && typeof value === 'object' && (value as { enc?: unknown }).enc === 'v1' && typeof (value as { kid?: unknown }).kid === 'string';

/** What the associated data binds a value to. */
export const associatedData = (field: string, streamId: string): Buffer => Buffer.from(`${field}\n${streamId}`, 'utf8');

export function sealValue(value: unknown, kid: string, key: Buffer, aad: Buffer): SealedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { enc: 'v1', kid, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** The value, or undefined when it does not authenticate (another key, field, stream, or altered bytes). */
export function openValue(sealed: SealedValue, key: Buffer, aad: Buffer): { readonly value: unknown } | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
    return { value: JSON.parse(plain.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}
