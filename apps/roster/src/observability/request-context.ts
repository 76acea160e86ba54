import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { context as otelContext, isSpanContextValid, trace, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The caller's W3C trace context, as received (https://www.w3.org/TR/trace-context/). */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** What every log line written while serving a request names. */
export interface RequestContext {
  readonly requestId: string;
  readonly trace?: TraceContext;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A request id we take from the caller: letters, digits and `._:-`, up to 128. Nothing else
 * reaches a log line, so no e-mail address or free text can be smuggled into one.
 */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const storage = new AsyncLocalStorage<RequestContext>();
const propagator = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<FastifyRequest['headers']> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/** The context of the request being served here, if any (the logger reads it). */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function requestIdOf(given: string | string[] | undefined): string | undefined {
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && WELL_FORMED_REQUEST_ID.test(value) ? value : undefined;
}

/**
 * `traceparent` and `tracestate` read by OpenTelemetry's W3C propagator: an invalid
 * traceparent (bad version, all-zero ids, upper case…) is ignored with its tracestate, as
 * the specification says, and is no error; tracestate keeps its valid members (at most 32).
 */
export function traceContextOf(headers: FastifyRequest['headers']): TraceContext | undefined {
  // No traceparent, no trace context (tracestate alone is ignored): the propagator is not asked.
  if (headers.traceparent === undefined) return undefined;
  const span = trace.getSpanContext(propagator.extract(otelContext.active(), headers, headerGetter));
  if (!span || !isSpanContextValid(span)) return undefined;
  const traceparent = `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`;
  const tracestate = span.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the first hook of every request (trackRequests). */
    requestContext?: RequestContext;
  }
}

/**
 * Gives every request its context: X-Request-Id when well-formed, else a fresh one (echoed in
 * the answer's X-Request-Id), and its trace context. Entered again after the body is read,
 * because the body's stream events run outside the request's first hook (as
 * @fastify/request-context does).
 */
export function trackRequests(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const trace = traceContextOf(request.headers);
    const context: RequestContext = { requestId: requestIdOf(request.headers[REQUEST_ID_HEADER]) ?? randomUUID(), ...(trace ? { trace } : {}) };
    request.requestContext = context;
    reply.header(REQUEST_ID_HEADER, context.requestId);
    storage.run(context, done);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (request.requestContext) storage.run(request.requestContext, done);
    else done();
  });
}
