/**
 * An Idempotency-Key the caller already used for a different request: the command path
 * refuses it without deciding anything. The exception filter answers it 422.
 */
export class IdempotencyKeyReusedError extends Error {
  readonly code = 'IDEMPOTENCY.KEY_REUSED';

  constructor() {
    super('This Idempotency-Key was already used for a different request');
    this.name = 'IdempotencyKeyReusedError';
  }
}
