import { Module } from '@nestjs/common';
import { CommandSender } from './command-sender';
import { ExecuteOrganizationHandler } from './execute-organization.handler';

/** The generic command path; the feature controllers send ExecuteOrganizationCommand through CommandSender. */
@Module({
  providers: [ExecuteOrganizationHandler, CommandSender],
  exports: [ExecuteOrganizationHandler, CommandSender],
})
export class CommandHandlingModule {}
