import { Module } from '@nestjs/common';
import { CommandHandlingModule } from '../command-handling/command-handling.module';
import { JoinRequestsController } from './join-requests.controller';

@Module({ imports: [CommandHandlingModule], controllers: [JoinRequestsController] })
export class JoinRequestsModule {}
