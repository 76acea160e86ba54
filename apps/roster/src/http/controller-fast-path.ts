import { HttpStatus, RequestMethod, type ArgumentMetadata, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
  VERSION_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { IS_PUBLIC } from '../auth/public.decorator';

/**
 * The one reader of Nest's route metadata for the fast paths (queries: query-fast-path.ts,
 * commands: command-fast-path.ts), which call a controller's own method ahead of Nest's
 * guard/interceptor/pipe chain: which routes can be called so, at which URL, and how each
 * argument is taken from the request, said once (on the controller, by its decorators).
 * Each fast path then only says what is its own: which arguments it makes, and what it does
 * around the method.
 */

/** How one argument of the method is taken from the request, by its decorator. */
export type RouteArgument =
  /** `@Param(name, ...pipes)` of type String: the path value through the same pipes (paramThroughPipes). */
  | { readonly from: 'param'; readonly index: number; readonly name: string; readonly pipes: readonly PipeTransform[]; readonly metadata: ArgumentMetadata }
  /** `@Query(name)` of type String. */
  | { readonly from: 'query'; readonly index: number; readonly name: string }
  /** `@Body()` of a class type: the caller checks it as the global ValidationPipe would. */
  | { readonly from: 'body'; readonly index: number; readonly metatype: Function }
  /** `@Res()`. */
  | { readonly from: 'reply'; readonly index: number }
  /** A `createParamDecorator` one (`@CurrentActor()`, ...): its factory and data. */
  | { readonly from: 'custom'; readonly index: number; readonly factory: (data: unknown, context: ExecutionContext) => unknown; readonly data: unknown };

/** A controller method as Nest routes it, and its arguments by position. */
export interface ControllerRoute {
  readonly method: RequestMethod;
  /** The path as Nest registers it with Fastify (`request.routeOptions.url`), e.g. `/organizations/:orgId/members`. */
  readonly url: string;
  /** `Controller.method`, for messages. */
  readonly name: string;
  /** The status Nest answers the method's result with: its @HttpCode, else 201 for POST and 200 for the rest. */
  readonly status: number;
  readonly controller: Type<unknown>;
  /** The controller as Nest made it, and the method to call on it. */
  readonly instance: object;
  readonly handler: (...args: unknown[]) => unknown;
  /** One per parameter of the method, in order. */
  readonly args: readonly RouteArgument[];
}

/** Where the controllers and pipes Nest made are found: the app or a ModuleRef. */
export interface NestInstances {
  get<T>(type: Type<T>, options: { strict: false }): T;
}

/** What the caller does itself: the class-level interceptors it stands in for (e.g. MinPositionInterceptor). */
export interface Handled {
  readonly interceptors: readonly Type<unknown>[];
}

/** Decorators asking Nest for something no fast path does: a route with any of them is left to Nest. */
const NOT_REPLAYED = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA, HEADERS_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA, VERSION_METADATA, IS_PUBLIC];

const trimSlashes = (path: string) => path.replace(/^\/+|\/+$/g, '');

/** The URL of a method: the controller's path and the method's, as Nest joins them (`/a/b`, never a trailing slash). */
const joinUrl = (base: string, path: string): string => `/${[base, path].map(trimSlashes).filter((part) => part !== '').join('/')}`;

/** Every route of `controller` (see controllerRoute): the methods that are not left to Nest. */
export function controllerRoutes(controller: Type<unknown>, nest: NestInstances, handled: Handled): ControllerRoute[] {
  const routes: ControllerRoute[] = [];
  for (const key of Object.getOwnPropertyNames(controller.prototype)) {
    const route = key === 'constructor' ? undefined : controllerRoute(controller, key, nest, handled);
    if (route) routes.push(route);
  }
  return routes;
}

/**
 * The route of `controller`'s method `key`, when a fast path can call it as Nest would:
 * undefined when the class has an enhancer other than the interceptors `handled` says the
 * caller does itself, or the method has any enhancer of its own (guards, interceptors,
 * pipes, filters, headers, redirect, render, SSE, version, @Public), or a parameter of a
 * kind other than RouteArgument's (a whole query object, a header, a non-string param or
 * query, pipes on anything but a param, an undecorated one, which Nest passes as
 * undefined), or a pipe Nest did not make. Which kinds of arguments it makes is the caller's.
 */
export function controllerRoute(controller: Type<unknown>, key: string | symbol, nest: NestInstances, handled: Handled): ControllerRoute | undefined {
  const base = Reflect.getMetadata(PATH_METADATA, controller) as unknown;
  if (typeof base !== 'string') return undefined;
  const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, controller) ?? []) as Type<unknown>[];
  if (interceptors.some((interceptor) => !handled.interceptors.includes(interceptor))) return undefined;
  if (NOT_REPLAYED.some((metadata) => metadata !== INTERCEPTORS_METADATA && Reflect.getMetadata(metadata, controller) !== undefined)) return undefined;
  const handler = (controller.prototype as Record<string | symbol, unknown>)[key];
  if (typeof handler !== 'function') return undefined;
  const path = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
  const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
  if (method === undefined || typeof path !== 'string') return undefined;
  if (NOT_REPLAYED.some((metadata) => Reflect.getMetadata(metadata, handler) !== undefined)) return undefined;
  const args = argumentsOf(controller, key, nest);
  if (!args) return undefined;
  const status = (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (method === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK);
  const instance = nest.get(controller, { strict: false }) as object;
  return { method, url: joinUrl(base, path), name: `${controller.name}.${String(key)}`, status, controller, instance, handler: handler as ControllerRoute['handler'], args };
}

/** The method's arguments by position, from its decorators; undefined if one is not of a kind RouteArgument says. */
function argumentsOf(controller: Type<unknown>, key: string | symbol, nest: NestInstances): RouteArgument[] | undefined {
  const metatypes = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, key) ?? []) as unknown[];
  const declared = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[]; factory?: unknown }>;
  const args: RouteArgument[] = [];
  for (const [slot, { index, data, pipes = [], factory }] of Object.entries(declared)) {
    const kind = slot.slice(0, slot.lastIndexOf(':'));
    const metatype = metatypes[index];
    // The global ValidationPipe leaves a string param or query as it is (String(value)); other types it converts.
    const text = typeof data === 'string' && metatype === String;
    if (kind === String(RouteParamtypes.PARAM) && text) {
      const instances = pipes.map((pipe) => (typeof pipe === 'function' ? nestPipe(nest, pipe as Type<PipeTransform>) : pipe));
      if (instances.some((instance) => typeof (instance as PipeTransform | undefined)?.transform !== 'function')) return undefined;
      args[index] = { from: 'param', index, name: data, pipes: instances as PipeTransform[], metadata: { type: 'param', data, metatype: String } };
    } else if (pipes.length > 0) {
      return undefined;
    } else if (kind === String(RouteParamtypes.QUERY) && text) {
      args[index] = { from: 'query', index, name: data };
    } else if (kind === String(RouteParamtypes.BODY) && data === undefined && typeof metatype === 'function') {
      args[index] = { from: 'body', index, metatype };
    } else if (kind === String(RouteParamtypes.RESPONSE)) {
      args[index] = { from: 'reply', index };
    } else if (kind.endsWith(CUSTOM_ROUTE_ARGS_METADATA) && typeof factory === 'function') {
      args[index] = { from: 'custom', index, factory: factory as Extract<RouteArgument, { from: 'custom' }>['factory'], data };
    } else {
      return undefined;
    }
  }
  // Every parameter of the method is a decorated one (an undecorated one Nest passes as undefined: left to Nest).
  for (let i = 0; i < Math.max(metatypes.length, args.length); i++) if (args[i] === undefined) return undefined;
  return args;
}

/** The instance of a pipe class Nest passes the argument through (it made it for the controller's module); undefined if none. */
function nestPipe(nest: NestInstances, type: Type<PipeTransform>): PipeTransform | undefined {
  try {
    return nest.get(type, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * A path value through its pipes, as Nest passes it to the method; undefined when absent or
 * refused, so the request goes Nest's way and Nest answers the refusal.
 */
export function paramThroughPipes(value: unknown, arg: Extract<RouteArgument, { from: 'param' }>): unknown {
  if (typeof value !== 'string') return undefined;
  let result: unknown = value;
  try {
    for (const pipe of arg.pipes) result = pipe.transform(result, arg.metadata);
  } catch {
    return undefined;
  }
  // A pipe that answers a promise is not one a fast path can wait for synchronously: Nest's way.
  return result instanceof Promise ? undefined : result;
}
