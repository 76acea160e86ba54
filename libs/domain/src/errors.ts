/**
 * Refusals. The domain throws DomainError; the HTTP layer maps `kind` to a status in one
 * exception filter, and `code` travels to the client as a stable machine-readable code.
 */
export type DomainErrorKind = 'validation' | 'forbidden' | 'not_found' | 'conflict' | 'gone';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable code, e.g. `MEMBERSHIP.LAST_ADMIN`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validation = (code: string, message: string) => new DomainError('validation', code, message);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const conflict = (code: string, message: string) => new DomainError('conflict', code, message);
export const gone = (code: string, message: string) => new DomainError('gone', code, message);
