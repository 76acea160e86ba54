import { Injectable, OnModuleInit, RequestMethod, type Type } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type Actor } from '@roster/domain';
import { actorOf } from '../auth/current-actor.decorator';
import { bearerToken, TokenVerifier } from '../auth/token-verifier';
import { answerJson } from '../http/answer-json';
import { controllerRoutes, paramThroughPipes, type ControllerRoute, type NestInstances, type RouteArgument } from '../http/controller-fast-path';
import { addFastPath } from '../http/fast-path';
import { ProblemException } from '../http/problem';
import { markReadModelPosition, MinPositionInterceptor } from './min-position.interceptor';
import { OrganizationQueriesController } from './organization-queries.controller';
import { ReadModelsService } from './read-models.service';
import { UserQueriesController } from './user-queries.controller';

/** The content type fastify gives an answer it serializes (a string sent with it is sent as is). */
const JSON_TYPE = 'application/json; charset=utf-8';

const isPlainObject = (value: unknown): value is object => typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** The controllers whose GET routes are answered ahead of Nest's chain. */
const CONTROLLERS: readonly Type<object>[] = [OrganizationQueriesController, UserQueriesController];

/**
 * Every GET query route ahead of Nest's guard/interceptor/pipe chain (which alone costs about
 * three permission checks), by one mechanism: the route table is read from the controllers'
 * own decorators (queryRoutes, through the one reader of Nest's route metadata the command
 * fast path uses too), and a request without X-Min-Position, with a token already verified
 * (TokenVerifier's cache, as AuthGuard would find it), is answered by THE
 * CONTROLLER'S METHOD itself, with its path ids through the same pipes, with
 * X-Read-Model-Position as MinPositionInterceptor sets it. The access rules stay in the
 * methods. Anything else goes Nest's way, answered and refused in one place as before: no or
 * an unknown token, X-Min-Position, a query parameter the method does not take or a repeated
 * one, a path id its pipe refuses, an unknown path, and anything the method throws: a
 * refusal (400, 403, 404, 410) is handed to Nest to answer (MinPositionInterceptor throws it
 * again, the exception filter answers it), anything else (a read that failed) is tried again
 * by the method under Nest.
 */
@Injectable()
export class QueryFastPath implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly verifier: TokenVerifier,
    private readonly readModels: ReadModelsService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    // A process without the HTTP API (createWorkerContext) serves no queries.
    if (!fastify || typeof fastify.hasRoute !== 'function') return;
    const routes = new Map<string, FastQueryRoute>();
    for (const controller of CONTROLLERS) {
      for (const route of queryRoutes(controller, this.moduleRef)) {
        // The path built as Nest builds it: one it did not register would silently never be taken.
        if (!fastify.hasRoute({ method: 'GET', url: route.url })) throw new Error(`QueryFastPath: ${route.name} is not routed at GET ${route.url}`);
        routes.set(route.url, route);
      }
    }
    addFastPath(this.adapterHost, (request, reply, next) => {
      if (request.method !== 'GET') return false;
      const route = routes.get(request.routeOptions.url ?? '');
      return route !== undefined && this.answer(route, request, reply, next);
    });
  }

  /** True when it took the request: it then answers, or hands it on through `next` if the method throws. */
  private answer(route: FastQueryRoute, request: FastifyRequest, reply: FastifyReply, next: () => void): boolean {
    if (request.headers['x-min-position'] !== undefined) return false;
    const token = bearerToken(request.headers.authorization);
    const actor = token === undefined ? undefined : this.verifier.verifiedActor(token);
    if (!actor) return false;
    const answer = route.call(request.params, request.query, actor);
    if (answer === undefined) return false;
    request.actor = actor;
    // As MinPositionInterceptor: the position known before the read (set again under Nest if the method throws).
    markReadModelPosition(reply, this.readModels);
    const send = (body: unknown) => {
      // The bytes JSON.stringify would give, with the shared views' JSON made once (answerJson), as fastify would type them.
      const json = isPlainObject(body) ? answerJson(body) : undefined;
      if (json === undefined) reply.status(200).send(body);
      else reply.status(200).header('content-type', JSON_TYPE).send(json);
    };
    // An answer made at once (the dashboard over the embedded store) is sent at once: no promise.
    if (!(answer instanceof Promise)) send(answer);
    else
      answer.then(send, (error: unknown) => {
        // A refusal is the method's answer: MinPositionInterceptor throws it again under Nest. Anything else (a failed read) is tried again there.
        if (error instanceof DomainError || error instanceof ProblemException) request.queryRefusal = error;
        next();
      });
    return true;
  }
}

/** A GET route of a query controller, called with its arguments from the request. */
export interface FastQueryRoute {
  readonly url: string;
  readonly name: string;
  /**
   * The method's answer for this request, or undefined when the request is not one the fast
   * path takes as Nest would: a query parameter the method does not take, a repeated one (an
   * array, which the global ValidationPipe would join), or a path id its pipe refuses. The
   * answer itself when the method gave it at once (no query method answers undefined), else a
   * promise, which rejects with whatever the method throws (a throw at once: a rejected promise).
   */
  call(params: unknown, query: unknown, actor: Actor): unknown;
}

/**
 * The GET routes of `controller` the query fast path answers (controllerRoutes, with
 * MinPositionInterceptor done here): those answered 200 whose arguments are path ids,
 * string query parameters and the actor (`@CurrentActor()`, the verified token's).
 */
export function queryRoutes(controller: Type<unknown>, nest: NestInstances): FastQueryRoute[] {
  return controllerRoutes(controller, nest, { interceptors: [MinPositionInterceptor] })
    .filter((route) => route.method === RequestMethod.GET && route.status === 200)
    .filter((route) => route.args.every((arg) => arg.from === 'param' || arg.from === 'query' || (arg.from === 'custom' && arg.factory === actorOf)))
    .map(queryRoute);
}

function queryRoute(route: ControllerRoute): FastQueryRoute {
  const { instance, handler, args } = route;
  const queryNames = new Set(args.flatMap((arg) => (arg.from === 'query' ? [arg.name] : [])));
  return {
    url: route.url,
    name: route.name,
    call(params, query, actor) {
      const given = (query ?? {}) as Record<string, unknown>;
      for (const key in given) if (!queryNames.has(key) || typeof given[key] !== 'string') return undefined;
      const values: unknown[] = [];
      for (const arg of args) {
        if (arg.from === 'custom') values.push(actor);
        else if (arg.from === 'query') values.push(given[arg.name]);
        else {
          // The only other kind queryRoutes takes.
          const param = arg as Extract<RouteArgument, { from: 'param' }>;
          const value = paramThroughPipes((params as Record<string, unknown> | undefined)?.[param.name], param);
          if (value === undefined) return undefined;
          values.push(value);
        }
      }
      try {
        return handler.apply(instance, values) as unknown;
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
