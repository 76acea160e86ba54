import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Actor, OrganizationCommand } from '@roster/domain';
import type { FastifyReply } from 'fastify';
import type { CommandRequest } from '../http/command-request';
import { toCommandResponse, type CommandResponse } from './command-response';
import { ExecuteOrganizationCommand } from './execute-organization.command';

/** What the controllers share: send a command on the bus, answer 201/200 with the CommandResponse. */
@Injectable()
export class CommandSender {
  constructor(private readonly bus: CommandBus) {}

  async send(command: OrganizationCommand, actor: Actor, request: CommandRequest, reply: FastifyReply): Promise<CommandResponse> {
    // The command's time is taken once, here: a retried decision judges expiry the same way.
    const outcome = await this.bus.execute(new ExecuteOrganizationCommand(command, { actor, now: new Date() }, request));
    reply.status(outcome.status);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return toCommandResponse(outcome);
  }
}
