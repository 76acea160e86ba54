import { Module } from '@nestjs/common';
import { CommandHandlingModule } from '../command-handling/command-handling.module';
import { MembersController } from './members.controller';

@Module({ imports: [CommandHandlingModule], controllers: [MembersController] })
export class MembersModule {}
