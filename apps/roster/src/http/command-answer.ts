import { applyDecorators, CallHandler, ExecutionContext, HttpCode, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { toCommandResponse, type CommandResponse } from './command-response';
import type { CommandOutcome } from '../command-handling/organization-stream';

export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Turns the outcome a command route returns into its body, and marks an Idempotency-Key replay. */
@Injectable()
export class CommandAnswerInterceptor implements NestInterceptor<CommandOutcome, CommandResponse> {
  intercept(context: ExecutionContext, next: CallHandler<CommandOutcome>): Observable<CommandResponse> {
    return next.handle().pipe(
      map((outcome) => {
        if (outcome.replayed) context.switchToHttp().getResponse<FastifyReply>().header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return toCommandResponse(outcome);
      }),
    );
  }
}

/**
 * The one place a command's outcome becomes HTTP: 201 for a route whose command creates
 * something (a replay of it too), else 200; the CommandResponse body; `idempotent-replayed:
 * true` on a replay. Refusals leave through the exception filter.
 */
export const CommandAnswer = (answer: 'created' | 'ok') =>
  applyDecorators(HttpCode(answer === 'created' ? 201 : 200), UseInterceptors(CommandAnswerInterceptor));
