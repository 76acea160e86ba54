import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ProblemException } from './problem';

/**
 * The methods each registered path answers, so that a known path asked with another method
 * (TRACE /health, QUERY /health) is a 405 with `Allow`, not a 404. Filled by Fastify's
 * onRoute hook while routes are registered; read only when no route matched.
 */
export class RouteMethods {
  private readonly routes: Array<{ readonly pattern: RegExp; readonly methods: readonly string[] }> = [];

  /** Records every route registered on `fastify` from now on. */
  static recordedOn(fastify: FastifyInstance): RouteMethods {
    const table = new RouteMethods();
    fastify.addHook('onRoute', (route) => table.add(route.method, route.url ?? route.path));
    return table;
  }

  add(method: string | readonly string[], url: string): void {
    // `:param` matches one path segment, `*` the rest of the path.
    const source = url
      .split(/(:[A-Za-z0-9_]+|\*)/)
      .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    this.routes.push({ pattern: new RegExp(`^${source}/?$`), methods: typeof method === 'string' ? [method] : method });
  }

  /** The methods some route answers at `url` (its path; a query string is ignored), sorted. */
  allowedAt(url: string): string[] {
    const path = url.split('?', 1)[0];
    const methods = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) route.methods.forEach((method) => methods.add(method));
    return [...methods].sort();
  }

  /** The 405 for `method` at `url`, or undefined when no route has that path. */
  methodNotAllowed(method: string, url: string): ProblemException | undefined {
    const allowed = this.allowedAt(url);
    if (allowed.length === 0 || allowed.includes(method)) return undefined;
    return new ProblemException(
      HttpStatus.METHOD_NOT_ALLOWED,
      'HTTP.METHOD_NOT_ALLOWED',
      `${method} is not supported here; use ${allowed.join(', ')}`,
      undefined,
      { Allow: allowed.join(', ') },
    );
  }
}
