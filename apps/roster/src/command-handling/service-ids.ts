import { createHash, randomUUID } from 'node:crypto';

/** A fresh id for something the service creates (organization, invitation, join request). */
export const newServiceId = (): string => randomUUID();

/**
 * The organization id for a CreateOrganization sent with an Idempotency-Key: derived from
 * the caller and the key (a name-based, version-5-shaped UUID over SHA-256), so a retry
 * lands on the same stream and finds its first answer there, even after a restart.
 */
export function organizationIdForIdempotencyKey(userId: string, idempotencyKey: string): string {
  const bytes = createHash('sha256').update(`roster:create-organization\u0000${userId}\u0000${idempotencyKey}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
