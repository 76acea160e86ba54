import { RequestMethod, ValidationPipe, type ExceptionFilter, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthGuard } from '../auth/auth.guard';
import { bearerToken, TokenVerifier } from '../auth/token-verifier';
import { COMMAND_ANSWER_ROUTES } from './command-answer';
import { controllerRoute, paramThroughPipes, type ControllerRoute, type RouteArgument } from './controller-fast-path';
import { addFastPath } from './fast-path';
import { checkedBody } from './validation';

interface FastCommandRoute {
  readonly route: ControllerRoute;
  /** Body and path parameters: judged before the route is taken. */
  readonly checked: readonly Extract<RouteArgument, { from: 'body' | 'param' }>[];
  /** The reply and the custom parameters (CurrentActor, CommandRequestInfo), made once it is taken. */
  readonly made: readonly Extract<RouteArgument, { from: 'reply' | 'custom' }>[];
}

/**
 * What Nest would do for this route (controllerRoute), when it is no more than the command
 * routes' usual chain: the global AuthGuard, the global validation pipe on the body, path
 * ids through their pipes, the custom parameters, and CommandAnswer (its status and the
 * reply). Undefined for a route with anything else (its own guards, interceptors, pipes or
 * filters, a query or header parameter, a public route): Nest serves it.
 */
function fastCommandRoute(route: ControllerRoute | undefined): FastCommandRoute | undefined {
  if (!route) return undefined;
  const checked: FastCommandRoute['checked'][number][] = [];
  const made: FastCommandRoute['made'][number][] = [];
  for (const arg of route.args) {
    if (arg.from === 'body' || arg.from === 'param') checked.push(arg);
    else if (arg.from === 'reply' || arg.from === 'custom') made.push(arg);
    else return undefined;
  }
  return { route, checked, made };
}

/**
 * Command routes answered ahead of Nest's guard/pipe chain (about a tenth of a command's CPU,
 * docs/benchmarks.md), through the route's own method: the command is built where it always
 * is, sent through CommandSender to the one command path (ExecuteOrganizationHandler), and
 * answered by CommandAnswer. Taken only when Nest would let the request reach the method: a
 * token already verified, a body its compiled FieldRules pass, path ids their pipes pass,
 * custom parameters made without error. Anything else goes Nest's way, which answers every
 * refusal before the command as it always has. The command's own errors go to the same
 * exception filter Nest hands them to, so every error is still answered in one place.
 */
export function answerCommandsAheadOfNest(app: NestFastifyApplication, filter: ExceptionFilter): void {
  // What it stands in for is the app's global chain as main.ts builds it: with anything else global, Nest serves every command.
  const global = app.get(ApplicationConfig);
  const [guard, ...otherGuards] = global.getGlobalGuards();
  const [pipe, ...otherPipes] = global.getGlobalPipes();
  const [globalFilter, ...otherFilters] = global.getGlobalFilters();
  const asBuilt =
    guard instanceof AuthGuard &&
    pipe instanceof ValidationPipe &&
    globalFilter === filter &&
    [otherGuards, otherPipes, otherFilters, global.getGlobalInterceptors()].every((more) => more.length === 0) &&
    [global.getGlobalRequestGuards(), global.getGlobalRequestPipes(), global.getGlobalRequestFilters(), global.getGlobalRequestInterceptors()].every(
      (more) => more.length === 0,
    ) &&
    global.getGlobalPrefix() === '';
  if (!asBuilt) return;
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const verifier = app.get(TokenVerifier);
  const routes = new Map<string, FastCommandRoute>();
  for (const { controller, key } of COMMAND_ANSWER_ROUTES) {
    const compiled = fastCommandRoute(controllerRoute(controller as Type<unknown>, key, app, { interceptors: [] }));
    const method = compiled && RequestMethod[compiled.route.method];
    // Only a route Fastify has as Nest registered it.
    if (compiled && fastify.hasRoute({ method: method as never, url: compiled.route.url })) routes.set(`${method} ${compiled.route.url}`, compiled);
  }
  if (routes.size === 0) return;
  addFastPath(app.get(HttpAdapterHost), (request, reply, next) => {
    // X-Min-Position (a query's header) sends a command the controller's way too: the tests compare the two.
    const route = request.headers['x-min-position'] === undefined ? routes.get(`${request.method} ${request.routeOptions.url}`) : undefined;
    return route !== undefined && take(route, request, reply, next);
  });

  function take({ route, checked, made }: FastCommandRoute, request: FastifyRequest, reply: FastifyReply, next: () => void): boolean {
    const token = bearerToken(request.headers.authorization);
    const actor = token === undefined ? undefined : verifier.verifiedActor(token);
    if (actor === undefined) return false;
    const args: unknown[] = new Array(route.args.length);
    for (const arg of checked) {
      const value = arg.from === 'body' ? checkedBody(arg.metatype, request.body) : paramThroughPipes((request.params as Record<string, unknown>)[arg.name], arg);
      if (value === undefined) return false;
      args[arg.index] = value;
    }
    // As AuthGuard.
    request.actor = actor;
    const host = new ExecutionContextHost([request, reply, next], route.controller, route.handler);
    try {
      for (const arg of made) args[arg.index] = arg.from === 'reply' ? reply : arg.factory(arg.data, host);
    } catch {
      return false;
    }
    // As Nest: the route's status first, then the method, then its body or the filter.
    reply.status(route.status);
    (route.handler.apply(route.instance, args) as Promise<unknown>).then(
      (body) => reply.send(body),
      (error: unknown) => filter.catch(error, new ExecutionContextHost([request, reply, next])),
    );
    return true;
  }
}
