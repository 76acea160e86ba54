import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { ProblemException } from '../http/problem';
import { ReadModelsService } from './read-models.service';

/** How long a query waits for the read models to reach X-Min-Position. */
export const MIN_POSITION_WAIT_MS = 5000;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The refusal (400, 403, 404, 410) the route's own method gave on its fast path
     * (QueryFastPath), which then hands the request to Nest: thrown here again, so the
     * exception filter answers it as always, without asking the method (and counting its
     * permission check) twice.
     */
    queryRefusal?: Error;
  }
}

/**
 * X-Read-Model-Position: the position the read models reached when the projection runs in
 * this process, read before the query (the answer reflects that position at least). Every
 * query answer carries it, from the controller (MinPositionInterceptor) or its fast path.
 */
export function markReadModelPosition(reply: FastifyReply, readModels: ReadModelsService): void {
  const position = readModels.localPosition;
  if (position !== undefined) reply.header('X-Read-Model-Position', position.toString());
}

/**
 * Read your own writes: a query sent with `X-Min-Position: <position>` (the `position` of a
 * command's answer) is answered only once the read models reflect that position. After
 * MIN_POSITION_WAIT_MS it fails with 503 READ_MODEL.BEHIND and Retry-After: 1, never with
 * stale data. When the projection runs in this process, answers carry
 * `X-Read-Model-Position`, the position they reflect at least. A position beyond the
 * store's head can never be reached: 400 at once. At most `minPositionWaiters` queries wait
 * at a time; past that, 503 READ_MODEL.BUSY with Retry-After: 1.
 */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  private waiting = 0;
  private readonly maxWaiting: number;

  constructor(
    private readonly readModels: ReadModelsService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROSTER_CONFIG) config: RosterConfig,
  ) {
    this.maxWaiting = config.http.minPositionWaiters;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const raw = request.headers['x-min-position'];
    const setPosition = () => markReadModelPosition(reply, this.readModels);
    if (raw === undefined) {
      setPosition();
      if (request.queryRefusal) throw request.queryRefusal;
      return next.handle();
    }
    const text = Array.isArray(raw) ? raw[0] : raw;
    if (!/^\d{1,20}$/.test(text.trim())) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION.MIN_POSITION', 'X-Min-Position must be a decimal position');
    }
    const wanted = BigInt(text.trim());
    return from(this.waitFor(wanted)).pipe(
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

  /** Resolves true once the read models reflect `wanted`, false after MIN_POSITION_WAIT_MS. */
  private async waitFor(wanted: bigint): Promise<boolean> {
    const local = this.readModels.localPosition;
    if (local !== undefined && local >= wanted) return true;
    const head = await this.store.headPosition();
    if (wanted > head) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'VALIDATION.MIN_POSITION',
        `X-Min-Position ${wanted} is beyond the last recorded position (${head}): send the position of a command's answer`,
      );
    }
    if (this.waiting >= this.maxWaiting) {
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'READ_MODEL.BUSY',
        'Too many queries are waiting for the read models to catch up; retry shortly',
        undefined,
        { 'Retry-After': '1' },
      );
    }
    this.waiting++;
    try {
      return await this.readModels.waitForPosition(wanted, MIN_POSITION_WAIT_MS);
    } finally {
      this.waiting--;
    }
  }
}
