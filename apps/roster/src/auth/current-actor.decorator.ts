import { createParamDecorator, ExecutionContext, HttpStatus } from '@nestjs/common';
import type { Actor } from '@roster/domain';
import { ProblemException } from '../http/problem';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by AuthGuard from the verified token. */
    actor?: Actor;
  }
}

/** CurrentActor's argument: the request's verified actor (a route's fast path knows the argument by this function). */
export function actorOf(_data: unknown, context: ExecutionContext): Actor {
  const actor = context.switchToHttp().getRequest<{ actor?: Actor }>().actor;
  if (!actor) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'AUTH.MISSING_TOKEN', 'This route needs a bearer token');
  return actor;
}

/** The verified caller of the request, as the domain's Actor. Only on non-public routes. */
export const CurrentActor = createParamDecorator(actorOf);
