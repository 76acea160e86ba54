import { HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import rateLimit from '@fastify/rate-limit';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken, TokenVerifier } from '../auth/token-verifier';
import { LruCache } from '../command-handling/lru-cache';
import { RosterMetrics } from '../metrics/roster-metrics';
import { ProblemException } from './problem';

const COMMAND_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Users (and addresses) whose buckets are remembered; a forgotten one starts full again. */
const BUCKETS_KEPT = 100_000;

/**
 * The command API is every write under /organizations. Queries, the permission check
 * (a read sent as POST, called by services thousands of times a second) and /health are
 * not limited: no hook runs on their routes.
 */
export function isCommandRoute(method: string | readonly string[], url: string): boolean {
  const methods = typeof method === 'string' ? [method] : method;
  return url.startsWith('/organizations') && methods.some((m) => COMMAND_METHODS.has(m));
}

interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

/**
 * A token bucket per key, as a store of @fastify/rate-limit: `burst` tokens, refilled at
 * `perSecond`; a command takes one. The plugin reads `current > max` as exceeded and `ttl`
 * as the time until the next token (its Retry-After).
 */
export class TokenBucketStore {
  private readonly buckets = new LruCache<string, Bucket>(BUCKETS_KEPT);

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {}

  incr(key: string, done: (error: Error | null, result: { current: number; ttl: number }) => void): void {
    const now = this.clock();
    const before = this.buckets.get(key);
    const tokens = before ? Math.min(this.burst, before.tokens + ((now - before.at) * this.perSecond) / 1000) : this.burst;
    const taken = tokens >= 1;
    const left = taken ? tokens - 1 : tokens;
    this.buckets.set(key, { tokens: left, at: now });
    const untilNextToken = Math.ceil(((1 - (left % 1)) * 1000) / this.perSecond);
    done(null, { current: taken ? this.burst - Math.floor(left) : this.burst + 1, ttl: untilNextToken });
  }

  /** One bucket per user across every command route. */
  child(): this {
    return this;
  }
}

/**
 * Limits commands per verified user (per client address without a valid token): 429
 * RATE_LIMIT.EXCEEDED with Retry-After. Call before the routes are registered (app.init).
 */
export async function limitCommandRate(
  app: NestFastifyApplication,
  limit: { readonly perSecond: number; readonly burst: number },
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const verifier = app.get(TokenVerifier);
  const metrics = app.get(RosterMetrics);
  // Ahead of the plugin's own onRoute hook, which attaches the limit to routes so marked.
  fastify.addHook('onRoute', (route) => {
    if (isCommandRoute(route.method, route.url ?? route.path)) route.config = { ...route.config, rateLimit: {} } as never;
  });
  const store = new TokenBucketStore(limit.perSecond, limit.burst);
  await app.register(rateLimit as never, {
    global: false,
    max: limit.burst,
    store: function Store() {
      return store;
    },
    keyGenerator: async (request: FastifyRequest) => {
      const token = bearerToken(request.headers.authorization);
      // Verified once here; the auth guard then finds the token in the verifier's cache.
      const actor = token === undefined ? undefined : await verifier.verify(token).catch(() => undefined);
      return actor ? `user:${actor.userId}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) => {
      // Built once per refused request: counted here.
      metrics.rateLimitRefused();
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        'RATE_LIMIT.EXCEEDED',
        `Too many commands: ${limit.perSecond} per second are allowed, in bursts of up to ${limit.burst}; retry in ${seconds} s`,
        undefined,
        { 'Retry-After': String(seconds) },
      );
    },
  });
}

/** Every command operation of the OpenAPI document may answer 429 (ROSTER_COMMAND_RATE). */
export function documentCommandRate(document: OpenAPIObject): void {
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = operations[method];
      if (!operation || !isCommandRoute(method.toUpperCase(), path)) continue;
      operation.responses['429'] ??= {
        description: 'RATE_LIMIT.EXCEEDED: more commands than this user may send (ROSTER_COMMAND_RATE); Retry-After says when to retry',
      };
    }
  }
}
