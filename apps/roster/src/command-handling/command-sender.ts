import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Actor, OrganizationCommand } from '@roster/domain';
import type { CommandRequest } from './execute-organization.command';
import { ExecuteOrganizationCommand } from './execute-organization.command';
import type { CommandOutcome } from './organization-stream';

/** What the controllers share: send a command on the bus and get its outcome (the route's CommandAnswer turns it into HTTP). */
@Injectable()
export class CommandSender {
  constructor(private readonly bus: CommandBus) {}

  send(command: OrganizationCommand, actor: Actor, request: CommandRequest): Promise<CommandOutcome> {
    // The command's time is taken once, here: a retried decision judges expiry the same way.
    return this.bus.execute(new ExecuteOrganizationCommand(command, { actor, now: new Date() }, request));
  }
}
