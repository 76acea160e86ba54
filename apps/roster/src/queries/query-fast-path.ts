import { Injectable, OnModuleInit, type PipeTransform, type Type } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@roster/domain';
import { bearerToken, TokenVerifier } from '../auth/token-verifier';
import { fastGetRoutes, type FastRoute } from '../http/controller-fast-path';
import { answerJson } from '../http/answer-json';
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
 * own decorators (fastGetRoutes), and a request without X-Min-Position, with a token already
 * verified (TokenVerifier's cache, as AuthGuard would find it), is answered by THE
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
    const pipe = (type: Type<PipeTransform>) => this.moduleRef.get(type, { strict: false });
    const routes = new Map<string, FastRoute>();
    for (const controller of CONTROLLERS) {
      for (const route of fastGetRoutes(this.moduleRef.get(controller, { strict: false }), { interceptors: [MinPositionInterceptor] }, pipe)) {
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
  private answer(route: FastRoute, request: FastifyRequest, reply: FastifyReply, next: () => void): boolean {
    if (request.headers['x-min-position'] !== undefined) return false;
    const token = bearerToken(request.headers.authorization);
    const actor = token === undefined ? undefined : this.verifier.verifiedActor(token);
    if (!actor) return false;
    const answer = route.call(request.params, request.query, actor);
    if (answer === undefined) return false;
    request.actor = actor;
    // As MinPositionInterceptor: the position known before the read (set again under Nest if the method throws).
    markReadModelPosition(reply, this.readModels);
    answer.then(
      (body) => {
        // The bytes JSON.stringify would give, with the shared views' JSON made once (answerJson), as fastify would type them.
        const json = isPlainObject(body) ? answerJson(body) : undefined;
        if (json === undefined) reply.status(200).send(body);
        else reply.status(200).header('content-type', JSON_TYPE).send(json);
      },
      (error: unknown) => {
        // A refusal is the method's answer: MinPositionInterceptor throws it again under Nest. Anything else (a failed read) is tried again there.
        if (error instanceof DomainError || error instanceof ProblemException) request.queryRefusal = error;
        next();
      },
    );
    return true;
  }
}
