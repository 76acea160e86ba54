import { RequestMethod, type PipeTransform, type Type } from '@nestjs/common';
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
import type { Actor } from '@roster/domain';
import { actorOf } from '../auth/current-actor.decorator';
import { IS_PUBLIC } from '../auth/public.decorator';

/**
 * One GET route of a controller, called the way Nest would call it but without Nest's
 * guard/interceptor/pipe chain: the controller's own method, with its arguments taken from
 * the request as its decorators say (`@Param(name, ...pipes)` through the same pipes,
 * `@Query(name)`, `@CurrentActor()`).
 */
export interface FastRoute {
  /** The path as Nest registers it with Fastify (`request.routeOptions.url`), e.g. `/organizations/:orgId/members`. */
  readonly url: string;
  /** `Controller.method`, for messages. */
  readonly name: string;
  /**
   * The method's answer for this request, or undefined when the request is not one the fast
   * path takes as Nest would: a query parameter the method does not take, a repeated one (an
   * array, which the global ValidationPipe would join), or a path id its pipe refuses. The
   * promise rejects with whatever the method throws.
   */
  call(params: unknown, query: unknown, actor: Actor): Promise<unknown> | undefined;
}

/** How one argument of the method is taken from the request. */
type Argument =
  | { readonly from: 'param'; readonly name: string; readonly pipes: readonly PipeTransform[] }
  | { readonly from: 'query'; readonly name: string }
  | { readonly from: 'actor' };

/** Decorators asking Nest for something the fast path does not do: a route with any of them is left to Nest. */
const NOT_REPLAYED = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA, HTTP_CODE_METADATA, HEADERS_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA, VERSION_METADATA, IS_PUBLIC];

const trimSlashes = (path: string) => path.replace(/^\/+|\/+$/g, '');

/**
 * The GET routes of `controller` that a fast path can answer by calling the method itself,
 * read from the controller's own decorators, so the route table, the pipes and the arguments
 * are said once (on the controller). `handled`: the class-level interceptors the caller does
 * itself (e.g. MinPositionInterceptor's X-Min-Position and X-Read-Model-Position); a class
 * with any other enhancer has no fast routes, and a method with its own enhancer, status,
 * header, or an argument other than those above (a body, a whole query object, another
 * custom decorator, a non-string param or query) is left to Nest. `pipe` gives the instance
 * Nest uses for a pipe class (undefined: the route is left to Nest).
 */
export function fastGetRoutes(
  controller: object,
  handled: { readonly interceptors: readonly Type<unknown>[] },
  pipe: (type: Type<PipeTransform>) => PipeTransform | undefined,
): FastRoute[] {
  const type = controller.constructor as Type<unknown>;
  const base = Reflect.getMetadata(PATH_METADATA, type) as unknown;
  const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, type) ?? []) as unknown[];
  const classEnhanced = NOT_REPLAYED.some((key) => key !== INTERCEPTORS_METADATA && Reflect.getMetadata(key, type) !== undefined);
  if (typeof base !== 'string' || classEnhanced || interceptors.some((interceptor) => !handled.interceptors.includes(interceptor as Type<unknown>))) return [];
  const prototype = type.prototype as Record<string, unknown>;
  const routes: FastRoute[] = [];
  for (const key of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[key];
    if (key === 'constructor' || typeof method !== 'function') continue;
    const path = Reflect.getMetadata(PATH_METADATA, method) as unknown;
    if (Reflect.getMetadata(METHOD_METADATA, method) !== RequestMethod.GET || typeof path !== 'string') continue;
    if (NOT_REPLAYED.some((metadata) => Reflect.getMetadata(metadata, method) !== undefined)) continue;
    const args = argumentsOf(type, key, pipe);
    if (!args) continue;
    const url = `/${[base, path].map(trimSlashes).filter((part) => part !== '').join('/')}`;
    routes.push(fastRoute(url, `${type.name}.${key}`, (values) => (method as (...values: unknown[]) => unknown).apply(controller, values), args));
  }
  return routes;
}

/** The method's arguments by position, from its decorators; undefined if one is not of a kind the fast path takes. */
function argumentsOf(type: Type<unknown>, key: string, pipe: (type: Type<PipeTransform>) => PipeTransform | undefined): Argument[] | undefined {
  const metatypes = (Reflect.getMetadata('design:paramtypes', type.prototype, key) ?? []) as unknown[];
  const declared = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, key) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[]; factory?: unknown }>;
  const args: Argument[] = [];
  for (const [slot, { index, data, pipes = [], factory }] of Object.entries(declared)) {
    const kind = slot.slice(0, slot.lastIndexOf(':'));
    // The global ValidationPipe leaves a string param or query as it is (String(value)); other types it converts.
    const text = typeof data === 'string' && metatypes[index] === String;
    if (kind === String(RouteParamtypes.PARAM) && text) {
      const instances = pipes.map((p) => (typeof p === 'function' ? pipe(p as Type<PipeTransform>) : (p as PipeTransform)));
      if (instances.some((instance) => typeof instance?.transform !== 'function')) return undefined;
      args[index] = { from: 'param', name: data, pipes: instances as PipeTransform[] };
    } else if (kind === String(RouteParamtypes.QUERY) && text && pipes.length === 0) {
      args[index] = { from: 'query', name: data };
    } else if (kind.endsWith(CUSTOM_ROUTE_ARGS_METADATA) && factory === actorOf && pipes.length === 0) {
      args[index] = { from: 'actor' };
    } else {
      return undefined;
    }
  }
  // Every parameter of the method is a decorated one (an undecorated one Nest passes as undefined: left to Nest).
  for (let i = 0; i < metatypes.length; i++) if (args[i] === undefined) return undefined;
  return args;
}

function fastRoute(url: string, name: string, invoke: (values: unknown[]) => unknown, args: readonly Argument[]): FastRoute {
  const queryNames = new Set(args.flatMap((arg) => (arg.from === 'query' ? [arg.name] : [])));
  return {
    url,
    name,
    call(params, query, actor) {
      const given = (query ?? {}) as Record<string, unknown>;
      for (const key in given) if (!queryNames.has(key) || typeof given[key] !== 'string') return undefined;
      const values: unknown[] = [];
      for (const arg of args) {
        if (arg.from === 'actor') values.push(actor);
        else if (arg.from === 'query') values.push(given[arg.name]);
        else {
          const value = transformed((params as Record<string, unknown> | undefined)?.[arg.name], arg);
          if (value === undefined) return undefined;
          values.push(value);
        }
      }
      try {
        return Promise.resolve(invoke(values));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** A path id through its pipes, as Nest passes it; undefined when absent or refused (Nest then answers the refusal). */
function transformed(value: unknown, arg: Extract<Argument, { from: 'param' }>): unknown {
  if (typeof value !== 'string') return undefined;
  let result: unknown = value;
  try {
    for (const pipe of arg.pipes) result = pipe.transform(result, { type: 'param', data: arg.name, metatype: String });
  } catch {
    return undefined;
  }
  // A pipe that answers a promise is not one the fast path can wait for synchronously: Nest's way.
  return result instanceof Promise ? undefined : result;
}
