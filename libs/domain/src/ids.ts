import { validation } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids the service makes (organizations, invitations, requests) are UUIDs. */
export function isServiceId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A service-made id, in lower case; anything else is refused (400 VALIDATION.ID over HTTP, a usage error in the CLI). */
export function serviceId(value: unknown): string {
  if (!isServiceId(value)) throw validation('VALIDATION.ID', `"${String(value).slice(0, 64)}" is not a valid id`);
  return value.toLowerCase();
}
