import { HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toCommandResponse, type CommandResponse } from './command-response';
import type { CommandOutcome } from '../command-handling/organization-stream';

export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

type CommandRoute = (...args: never[]) => Promise<CommandOutcome>;

/** A route CommandAnswer decorated: the command fast path (command-fast-path.ts) reads the rest from Nest's route metadata. */
export interface CommandAnswerRoute {
  readonly controller: Function;
  readonly key: string | symbol;
}

/** Every route decorated with CommandAnswer, as the classes are loaded. */
export const COMMAND_ANSWER_ROUTES: CommandAnswerRoute[] = [];

/**
 * The one place a command's outcome becomes HTTP: 201 for a route whose command creates
 * something (a replay of it too), else 200; the CommandResponse body; `idempotent-replayed:
 * true` on a replay. Refusals leave through the exception filter.
 *
 * It wraps the route's method instead of intercepting it: a Nest interceptor costs two
 * AsyncResource.bind and an rxjs chain per request (about 5% of a command's CPU in the
 * bench:commands profile, docs/benchmarks.md). The reply comes in as one more argument
 * (`@Res({ passthrough: true })`, after the route's own), so Nest still sends the body.
 */
export const CommandAnswer =
  (answer: 'created' | 'ok'): MethodDecorator =>
  (target, key, descriptor) => {
    const route = descriptor.value as unknown as CommandRoute;
    const replyAt = route.length;
    // A `then` rather than an await: one promise less per command (with the request context's
    // async hooks on, each await makes one); a route that throws still answers a rejection.
    function answered(this: unknown, ...args: unknown[]): Promise<CommandResponse> {
      let sent: Promise<CommandOutcome>;
      try {
        // The route ignores the reply after its own arguments.
        sent = route.apply(this, args as never[]);
      } catch (error) {
        return Promise.reject(error);
      }
      return sent.then((outcome) => {
        if (outcome.replayed) (args[replyAt] as FastifyReply).header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return toCommandResponse(outcome);
      });
    }
    // What the decorators below this one said of the route (OpenAPI, ...) stays with it.
    for (const metadataKey of Reflect.getMetadataKeys(route)) {
      Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, route), answered);
    }
    Object.defineProperty(answered, 'name', { value: route.name });
    (descriptor as TypedPropertyDescriptor<unknown>).value = answered;
    Res({ passthrough: true })(target, key, replyAt);
    HttpCode(answer === 'created' ? 201 : 200)(target, key, descriptor);
    COMMAND_ANSWER_ROUTES.push({ controller: target.constructor, key });
    return descriptor;
  };
