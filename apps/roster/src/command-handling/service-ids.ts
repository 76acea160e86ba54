import { createHash, randomUUID } from 'node:crypto';

/** A fresh id for something the service creates (organization, invitation, join request). */
export const newServiceId = (): string => randomUUID();

/**
 * The organization id for a CreateOrganization sent with an Idempotency-Key: derived from
 * the caller and the key (a name-based, version-5-shaped UUID over SHA-256), so a retry
 * lands on the same stream and finds its first answer there, even after a restart.
 */
export function organizationIdForIdempotencyKey(userId: string, idempotencyKey: string): string {
  return nameBasedId('roster:create-organization', userId, idempotencyKey);
}

/**
 * The organization id of an organization imported from another portal: derived from the
 * portal and the id it has there, so every import of it finds the same stream.
 */
export function importedOrganizationId(system: string, sourceId: string): string {
  return nameBasedId('roster:import', system, sourceId);
}

/** A name-based, version-5-shaped UUID over SHA-256 of the parts. */
function nameBasedId(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
