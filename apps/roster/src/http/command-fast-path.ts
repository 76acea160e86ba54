import { RequestMethod, ValidationPipe, type ExceptionFilter, type PipeTransform, type Type } from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthGuard } from '../auth/auth.guard';
import { IS_PUBLIC } from '../auth/public.decorator';
import { bearerToken, TokenVerifier } from '../auth/token-verifier';
import { COMMAND_ANSWER_ROUTES, type CommandAnswerRoute } from './command-answer';
import { addFastPath } from './fast-path';
import { checkedBody } from './validation';

type CustomFactory = (data: unknown, context: ExecutionContextHost) => unknown;

type Argument =
  | { readonly kind: 'body'; readonly index: number; readonly metatype: Function }
  | { readonly kind: 'param'; readonly index: number; readonly name: string; readonly pipes: readonly PipeTransform[] }
  | { readonly kind: 'reply'; readonly index: number }
  | { readonly kind: 'custom'; readonly index: number; readonly factory: CustomFactory; readonly data: unknown };

interface FastCommandRoute {
  readonly instance: object;
  readonly controller: Function;
  readonly handler: (...args: unknown[]) => Promise<unknown>;
  readonly status: number;
  readonly argumentCount: number;
  /** Body and path parameters: judged before the route is taken. */
  readonly checked: readonly Argument[];
  /** The reply and the custom parameters (CurrentActor, CommandRequestInfo), made once it is taken. */
  readonly made: readonly Argument[];
}

const joinPath = (...parts: (string | undefined)[]): string =>
  `/${parts.filter((part) => part !== undefined && part !== '').join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/**
 * What Nest would do for this route, when it is no more than the command routes' usual
 * chain: the global AuthGuard, the global validation pipe, path ids through their pipes,
 * the custom parameters, and CommandAnswer. Undefined for a route with anything else
 * (its own guards, interceptors, pipes or filters, a query or header parameter, a public
 * route): Nest serves it.
 */
function compile(app: NestFastifyApplication, route: CommandAnswerRoute): { key: string; route: FastCommandRoute } | undefined {
  const { controller, key } = route;
  const prototype = controller.prototype as Record<string | symbol, unknown>;
  const handler = prototype[key] as FastCommandRoute['handler'];
  for (const metadataKey of [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA]) {
    if ((Reflect.getMetadata(metadataKey, controller) ?? []).length > 0 || (Reflect.getMetadata(metadataKey, handler) ?? []).length > 0) return undefined;
  }
  if (Reflect.getMetadata(IS_PUBLIC, controller) || Reflect.getMetadata(IS_PUBLIC, handler)) return undefined;
  const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
  const url = joinPath(Reflect.getMetadata(PATH_METADATA, controller) as string, Reflect.getMetadata(PATH_METADATA, handler) as string);
  const paramtypes = (Reflect.getMetadata('design:paramtypes', prototype, key) ?? []) as unknown[];
  const declared = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) ?? {}) as Record<
    string,
    { index: number; data?: unknown; pipes?: unknown[]; factory?: CustomFactory }
  >;
  const checked: Argument[] = [];
  const made: Argument[] = [];
  for (const [argKey, { index, data, pipes = [], factory }] of Object.entries(declared)) {
    const type = argKey.slice(0, argKey.lastIndexOf(':'));
    if (type.includes(CUSTOM_ROUTE_ARGS_METADATA)) {
      if (factory === undefined || pipes.length > 0) return undefined;
      made.push({ kind: 'custom', index, factory, data });
    } else if (Number(type) === RouteParamtypes.RESPONSE) {
      made.push({ kind: 'reply', index });
    } else if (Number(type) === RouteParamtypes.BODY && data === undefined && pipes.length === 0 && typeof paramtypes[index] === 'function') {
      checked.push({ kind: 'body', index, metatype: paramtypes[index] as Function });
    } else if (Number(type) === RouteParamtypes.PARAM && typeof data === 'string' && paramtypes[index] === String) {
      const instances: PipeTransform[] = [];
      for (const pipe of pipes) {
        if (typeof pipe === 'function' && pipe.length === 0) instances.push(new (pipe as Type<PipeTransform>)());
        else if (typeof pipe === 'object' && pipe !== null && 'transform' in pipe) instances.push(pipe as PipeTransform);
        else return undefined;
      }
      checked.push({ kind: 'param', index, name: data, pipes: instances });
    } else {
      return undefined;
    }
  }
  const argumentCount = Math.max(-1, ...[...checked, ...made].map((arg) => arg.index)) + 1;
  const instance = app.get(controller as Type<object>, { strict: false });
  return { key: `${method} ${url}`, route: { instance, controller, handler, status: route.status, argumentCount, checked, made } };
}

/** Nest's global validation pipe on a path parameter of type String: the string as it came. */
function paramValue(request: FastifyRequest, name: string, pipes: readonly PipeTransform[]): string | undefined {
  const raw = (request.params as Record<string, unknown>)[name];
  if (typeof raw !== 'string') return undefined;
  let value = raw;
  try {
    for (const pipe of pipes) value = pipe.transform(value, { type: 'param', metatype: String, data: name }) as string;
  } catch {
    return undefined;
  }
  return value;
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
  for (const declared of COMMAND_ANSWER_ROUTES) {
    const compiled = compile(app, declared);
    const [method, url] = compiled?.key.split(' ') ?? [];
    // Only a route Fastify has as Nest registered it.
    if (compiled && fastify.hasRoute({ method: method as never, url })) routes.set(compiled.key, compiled.route);
  }
  if (routes.size === 0) return;
  addFastPath(app.get(HttpAdapterHost), (request, reply, next) => {
    // X-Min-Position (a query's header) sends a command the controller's way too: the tests compare the two.
    const route = request.headers['x-min-position'] === undefined ? routes.get(`${request.method} ${request.routeOptions.url}`) : undefined;
    return route !== undefined && take(route, request, reply, next);
  });

  function take(route: FastCommandRoute, request: FastifyRequest, reply: FastifyReply, next: () => void): boolean {
    const token = bearerToken(request.headers.authorization);
    const actor = token === undefined ? undefined : verifier.verifiedActor(token);
    if (actor === undefined) return false;
    const args: unknown[] = new Array(route.argumentCount);
    for (const arg of route.checked) {
      const value = arg.kind === 'body' ? checkedBody(arg.metatype, request.body) : arg.kind === 'param' ? paramValue(request, arg.name, arg.pipes) : undefined;
      if (value === undefined) return false;
      args[arg.index] = value;
    }
    // As AuthGuard.
    request.actor = actor;
    const host = new ExecutionContextHost([request, reply, next], route.controller as Type<unknown>, route.handler);
    try {
      for (const arg of route.made) args[arg.index] = arg.kind === 'reply' ? reply : arg.kind === 'custom' ? arg.factory(arg.data, host) : undefined;
    } catch {
      return false;
    }
    // As Nest: the route's status first, then the method, then its body or the filter.
    reply.status(route.status);
    route.handler.apply(route.instance, args).then(
      (body) => reply.send(body),
      (error: unknown) => filter.catch(error, new ExecutionContextHost([request, reply, next])),
    );
    return true;
  }
}
