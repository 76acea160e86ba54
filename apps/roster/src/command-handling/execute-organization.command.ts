import { Command } from '@nestjs/cqrs';
import type { CommandContext, OrganizationCommand } from '@roster/domain';
import type { CommandRequest } from '../http/command-request';
import type { CommandOutcome } from './organization-stream';

/**
 * The one command the bus carries: any organization command, with who sends it and when
 * (context) and what its request adds to the events' metadata. Ids the command creates
 * are already in `command.data`, so a retried decision is the same decision.
 */
export class ExecuteOrganizationCommand extends Command<CommandOutcome> {
  constructor(
    readonly command: OrganizationCommand,
    readonly context: CommandContext,
    readonly request: Pick<CommandRequest, 'commandId' | 'correlationId' | 'idempotencyKey' | 'fingerprint'>,
  ) {
    super();
  }
}
