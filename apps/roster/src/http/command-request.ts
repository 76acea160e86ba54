import { createHash, randomUUID } from 'node:crypto';
import { createParamDecorator, ExecutionContext, HttpStatus } from '@nestjs/common';
import { canonicalJson } from '@roster/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandRequest } from '../command-handling/execute-organization.command';
import { ProblemException } from './problem';

export type { CommandRequest };

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const CORRELATION_ID_HEADER = 'x-correlation-id';

// Printable ASCII, 1 to 200 characters: what fits in a header and a log line unchanged.
const HEADER_TOKEN = /^[\x20-\x7e]{1,200}$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function requestFingerprint(method: string, path: string, body: unknown, userId: string): string {
  return createHash('sha256')
    .update(canonicalJson({ method: method.toUpperCase(), path, body: body ?? null, userId }))
    .digest('hex');
}

export function commandRequestOf(request: FastifyRequest, userId: string): CommandRequest {
  const key = header(request, IDEMPOTENCY_KEY_HEADER);
  if (key !== undefined && !HEADER_TOKEN.test(key)) {
    throw new ProblemException(
      HttpStatus.BAD_REQUEST,
      'IDEMPOTENCY.KEY_INVALID',
      'Idempotency-Key must be 1 to 200 printable ASCII characters',
    );
  }
  const given = header(request, CORRELATION_ID_HEADER);
  const context = request.requestContext;
  const correlationId = given !== undefined && HEADER_TOKEN.test(given) ? given : (context?.requestId ?? randomUUID());
  const path = request.url.split('?')[0];
  return {
    commandId: randomUUID(),
    correlationId,
    ...(context?.trace ? { trace: context.trace } : {}),
    ...(key !== undefined ? { idempotencyKey: key, fingerprint: requestFingerprint(request.method, path, request.body, userId) } : {}),
  };
}

/**
 * Route parameter: the request's CommandRequest (after AuthGuard). Also echoes the
 * correlation id in the answer's X-Correlation-Id header.
 */
export const CommandRequestInfo = createParamDecorator((_data: unknown, context: ExecutionContext): CommandRequest => {
  const http = context.switchToHttp();
  const request = http.getRequest<FastifyRequest>();
  const info = commandRequestOf(request, request.actor?.userId ?? '');
  http.getResponse<FastifyReply>().header(CORRELATION_ID_HEADER, info.correlationId);
  return info;
});
