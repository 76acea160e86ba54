import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import { DomainError, type DomainErrorKind } from '@roster/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@roster/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdempotencyKeyReusedError } from '../command-handling/idempotency-key-reused.error';
import { Problem, PROBLEM_CONTENT_TYPE, ProblemException, problemType } from './problem';
import type { RouteMethods } from './route-methods';

const DOMAIN_STATUS: Record<DomainErrorKind, HttpStatus> = {
  validation: HttpStatus.BAD_REQUEST,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  gone: HttpStatus.GONE,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemAnswer {
  readonly problem: Problem;
  readonly headers?: Readonly<Record<string, string>>;
  /** An unexpected error: log it with its stack; the client sees nothing of it. */
  readonly unexpected?: boolean;
}

function answer(status: number, code: string, detail: string, instance?: string, extra: Partial<Problem> & Record<string, unknown> = {}): Problem {
  return {
    ...extra,
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    ...(extra.errors !== undefined ? { errors: extra.errors } : {}),
  };
}

// Errors raised by Fastify before a route runs (body parsing, content type), by their code.
const FASTIFY_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'REQUEST.MALFORMED_JSON', detail: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
    detail: 'The body is empty but its Content-Type says JSON',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    detail: 'Send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'REQUEST.INVALID_CONTENT_LENGTH',
    detail: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'REQUEST.BODY_TOO_LARGE', detail: 'The body is too large' },
};

/** What a client is told when the store cannot write (SQLite's own message stays in the log). */
function storeUnavailableDetail(code: string): string {
  switch (code) {
    case 'STORE.BUSY':
      return 'The event store is locked by another writer; nothing was recorded, try again';
    case 'STORE.FULL':
      return "The event store's disk is full; nothing was recorded";
    case 'STORE.IO_ERROR':
      return 'The event store could not write to its disk; nothing was recorded';
    default:
      return 'The event store cannot record commands right now; nothing was recorded, try again';
  }
}

/** The one mapping from anything thrown while serving a request to its problem answer. */
export function toProblem(error: unknown, instance?: string): ProblemAnswer {
  if (error instanceof ProblemException) {
    return {
      problem: answer(error.status, error.code, error.message, instance, { ...error.extensions, ...(error.errors ? { errors: error.errors } : {}) }),
      headers: error.headers,
    };
  }
  if (error instanceof DomainError) {
    return { problem: answer(DOMAIN_STATUS[error.kind], error.code, error.message, instance) };
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return { problem: answer(HttpStatus.UNPROCESSABLE_ENTITY, error.code, error.message, instance) };
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      problem: answer(
        HttpStatus.CONFLICT,
        'CONCURRENCY.CONFLICT',
        'The organization kept changing while this command was decided; try again',
        instance,
      ),
    };
  }
  if (error instanceof EventStoreUnavailableError) {
    // Nothing was written: the client may send the same command again (with its Idempotency-Key).
    return {
      problem: answer(HttpStatus.SERVICE_UNAVAILABLE, error.code, storeUnavailableDetail(error.code), instance),
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === HttpStatus.NOT_FOUND) {
      return { problem: answer(status, 'ROUTE.NOT_FOUND', 'No such route', instance) };
    }
    // Fastify's own refusals before a route runs arrive here as bare HttpExceptions.
    if (status === HttpStatus.UNSUPPORTED_MEDIA_TYPE) {
      return { problem: answer(status, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json', instance) };
    }
    if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
      return { problem: answer(status, 'REQUEST.BODY_TOO_LARGE', 'The body is too large', instance) };
    }
    if (status >= 500) return { problem: answer(500, 'INTERNAL', 'Something went wrong on our side', instance), unexpected: true };
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : error.message;
    return { problem: answer(status, `HTTP.${status}`, message, instance) };
  }
  const fastifyCode = (error as { code?: unknown } | null)?.code;
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_ERRORS) {
    const known = FASTIFY_ERRORS[fastifyCode];
    return { problem: answer(known.status, known.code, known.detail, instance) };
  }
  // A JSON SyntaxError carrying a 400 comes from the body parser.
  if (error instanceof SyntaxError && (error as { statusCode?: unknown }).statusCode === 400) {
    return { problem: answer(400, 'REQUEST.MALFORMED_JSON', 'The body is not valid JSON', instance) };
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { problem: answer(statusCode, `HTTP.${statusCode}`, TITLES[statusCode] ?? 'Bad request', instance) };
  }
  return { problem: answer(500, 'INTERNAL', 'Something went wrong on our side', instance), unexpected: true };
}

/** The one global exception filter: every error leaves as application/problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  /** `routes`: when given, a path that exists under another method answers 405 instead of 404. */
  constructor(private readonly routes?: RouteMethods) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // No route matched (Fastify may still have failed on the body first, as for QUERY): a 405 when
    // the path exists under other methods, else a 404.
    const unrouted = request !== undefined && (error instanceof NotFoundException || request.is404 === true);
    const answered = unrouted ? (this.routes?.methodNotAllowed(request.method, request.url) ?? new NotFoundException()) : error;
    const { problem, headers, unexpected } = toProblem(answered, request?.url);
    if (unexpected) {
      // The path without its query: a query may carry personal data (`?email=`), never logged.
      this.logger.error(
        `${request?.method} ${request?.url?.split('?')[0]} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    if (reply.sent) return;
    for (const [name, value] of Object.entries(headers ?? {})) reply.header(name, value);
    reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }
}
