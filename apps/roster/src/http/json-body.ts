import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ProblemException } from './problem';

/**
 * Deepest nesting of objects and arrays a body may have. The deepest body the API takes is
 * a batch check (`{"checks":[{...}]}`, depth 3); the margin is for clients that add a level.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `text` nests objects or arrays deeper than `max`. One pass over the characters,
 * skipping strings, so it is decided before the parser (and anything after it that recurses)
 * sees a body nested 100,000 levels deep.
 */
export function jsonNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * The one body parser: JSON only (text/plain removed: anything else is a 415, not a body to
 * validate), an empty JSON body is no body, too deep a body is a 400 before it is parsed.
 */
export function useJsonBodies(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('text/plain');
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // A DELETE or accept from a client that always sets the header sends an empty body.
    if (body === '') return done(null, undefined);
    if (jsonNestedDeeperThan(body as string, MAX_JSON_DEPTH)) {
      return done(
        new ProblemException(HttpStatus.BAD_REQUEST, 'REQUEST.JSON_TOO_DEEP', `The body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`),
        undefined,
      );
    }
    // Nest would strip Fastify's parse error of its code: hand it a ProblemException instead.
    parseJson(request, body as string, (error, value) =>
      error ? done(new ProblemException(HttpStatus.BAD_REQUEST, 'REQUEST.MALFORMED_JSON', 'The body is not valid JSON'), undefined) : done(null, value),
    );
  });
}
