import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError, type Actor, type OrganizationCommand } from '@roster/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@roster/event-store';
import type { CommandRequest } from './execute-organization.command';
import { ExecuteOrganizationCommand } from './execute-organization.command';
import { IdempotencyKeyReusedError } from './idempotency-key-reused.error';
import type { CommandOutcome } from './organization-stream';

/** How a command ended, as its log line says. */
export type CommandLogOutcome = 'accepted' | 'replayed' | 'refused' | 'conflict' | 'unavailable' | 'failed';

function failureOf(error: unknown): { outcome: CommandLogOutcome; code?: string } {
  if (error instanceof DomainError || error instanceof IdempotencyKeyReusedError) return { outcome: 'refused', code: error.code };
  if (error instanceof WrongExpectedRevisionError) return { outcome: 'conflict' };
  if (error instanceof EventStoreUnavailableError) return { outcome: 'unavailable', code: error.code };
  return { outcome: 'failed' };
}

/** What the controllers share: send a command on the bus and get its outcome (the route's CommandAnswer turns it into HTTP). */
@Injectable()
export class CommandSender {
  private readonly logger = new Logger('Commands');

  constructor(private readonly bus: CommandBus) {}

  send(command: OrganizationCommand, actor: Actor, request: CommandRequest): Promise<CommandOutcome> {
    // One line per command, with ids, type, outcome and code only: never the command's data (e-mail addresses, messages, reasons).
    const line = { message: 'command', organizationId: command.data.organizationId, commandType: command.type };
    const failed = (error: unknown): never => {
      this.logger.log({ ...line, ...failureOf(error) });
      throw error;
    };
    let executed: Promise<CommandOutcome>;
    try {
      // The command's time is taken once, here: a retried decision judges expiry the same way.
      executed = this.bus.execute(new ExecuteOrganizationCommand(command, { actor, now: new Date() }, request));
    } catch (error) {
      return Promise.reject(error).catch(failed);
    }
    // `then`, not await: one promise less per command (each await makes one with the request context's async hooks on).
    return executed.then((outcome) => {
      this.logger.log({ ...line, outcome: outcome.replayed ? 'replayed' : 'accepted', position: outcome.position?.toString() });
      return outcome;
    }, failed);
  }
}
