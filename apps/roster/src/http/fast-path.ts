import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Lets a hot route be answered ahead of Nest's guard/interceptor/pipe chain, which costs
 * several times a permission check. `take` returns true when it took the request (it then
 * answers, or hands it on with `next`); false lets the request go the controller's way, so
 * a fast path only ever answers what the controller would answer the same.
 */
export function addFastPath(adapterHost: HttpAdapterHost, take: (request: FastifyRequest, reply: FastifyReply, next: () => void) => boolean): void {
  const fastify = adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
  if (!fastify || typeof fastify.addHook !== 'function') return;
  fastify.addHook('preHandler', (request, reply, done) => {
    if (!take(request, reply, done)) done();
  });
}
