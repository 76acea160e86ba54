import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { ProblemException } from '../http/problem';
import { ReadModelsService } from './read-models.service';

/** How long a query waits for the read models to reach X-Min-Position. */
export const MIN_POSITION_WAIT_MS = 5000;

/**
 * Read your own writes: a query sent with `X-Min-Position: <position>` (the `position` of a
 * command's answer) is answered only once the read models reflect that position. After
 * MIN_POSITION_WAIT_MS it fails with 503 READ_MODEL.BEHIND and Retry-After: 1, never with
 * stale data. When the projection runs in this process, answers carry
 * `X-Read-Model-Position`, the position they reflect at least.
 */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(private readonly readModels: ReadModelsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const raw = request.headers['x-min-position'];
    const setPosition = () => {
      const position = this.readModels.localPosition;
      if (position !== undefined) reply.header('X-Read-Model-Position', position.toString());
    };
    if (raw === undefined) {
      setPosition();
      return next.handle();
    }
    const text = Array.isArray(raw) ? raw[0] : raw;
    if (!/^\d{1,20}$/.test(text.trim())) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION.MIN_POSITION', 'X-Min-Position must be a decimal position');
    }
    const wanted = BigInt(text.trim());
    return from(this.readModels.waitForPosition(wanted, MIN_POSITION_WAIT_MS)).pipe(
      mergeMap((reached) => {
        if (!reached) {
          throw new ProblemException(
            HttpStatus.SERVICE_UNAVAILABLE,
            'READ_MODEL.BEHIND',
            `The read models did not reach position ${wanted} within ${MIN_POSITION_WAIT_MS} ms; retry shortly`,
            undefined,
            { 'Retry-After': '1' },
          );
        }
        setPosition();
        return next.handle();
      }),
    );
  }
}
