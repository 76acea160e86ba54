import { createParamDecorator, ExecutionContext, HttpStatus } from '@nestjs/common';
import type { Actor } from '@roster/domain';
import { ProblemException } from '../http/problem';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by AuthGuard from the verified token. */
    actor?: Actor;
  }
}

/** The verified caller of the request, as the domain's Actor. Only on non-public routes. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<{ actor?: Actor }>().actor;
  if (!actor) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'AUTH.MISSING_TOKEN', 'This route needs a bearer token');
  return actor;
});
