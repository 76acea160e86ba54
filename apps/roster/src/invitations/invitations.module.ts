import { Module } from '@nestjs/common';
import { CommandHandlingModule } from '../command-handling/command-handling.module';
import { InvitationsController } from './invitations.controller';

@Module({ imports: [CommandHandlingModule], controllers: [InvitationsController] })
export class InvitationsModule {}
