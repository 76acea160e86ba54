import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ORGANIZATION_LIMITS } from '@roster/domain';
import { PROBLEM_CONTENT_TYPE, problemType, type Problem } from './problem';
import { toProblem } from './problem-details.filter';

function problem(status: number, code: string, detail: string, instance?: string): Problem {
  return { type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, code, detail, ...(instance !== undefined ? { instance } : {}) };
}

/**
 * Fastify `clientErrorHandler`: a request Node's HTTP parser rejects (a header with a
 * newline, a malformed request line, headers too large, a timeout) never reaches Fastify's
 * routing nor Nest's filter; it is answered here as problem+json, then the socket closed,
 * as Fastify's default handler does with its plain JSON.
 */
export function clientErrorAsProblem(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problem(408, 'REQUEST.TIMEOUT', 'The request was not received in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? problem(431, 'REQUEST.HEADERS_TOO_LARGE', 'The request headers are too large')
        : problem(400, 'REQUEST.MALFORMED', 'The request is not valid HTTP');
  const body = JSON.stringify(answer);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Longest path parameter the router takes: the longest id (a user id from the identity
 * provider, after percent-decoding). Longer ones answer 414 before any route runs.
 */
export const MAX_PATH_PARAM_LENGTH = ORGANIZATION_LIMITS.idMaxLength;

/**
 * Fastify `frameworkErrors`: errors Fastify raises while routing, before Nest sees the
 * request (a path that does not percent-decode, a path segment longer than any id),
 * answered as problem+json.
 */
export function frameworkErrorAsProblem(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const answer =
    error.code === 'FST_ERR_BAD_URL'
      ? problem(400, 'REQUEST.MALFORMED_URL', 'The path is not valid percent-encoding', request.url)
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? problem(414, 'REQUEST.PATH_SEGMENT_TOO_LONG', `A path segment (an id) is longer than ${MAX_PATH_PARAM_LENGTH} characters`)
        : toProblem(error, request.url).problem;
  void reply.code(answer.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(answer));
}
