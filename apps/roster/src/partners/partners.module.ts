import { Module } from '@nestjs/common';
import { CommandHandlingModule } from '../command-handling/command-handling.module';
import { PartnersController } from './partners.controller';

@Module({ imports: [CommandHandlingModule], controllers: [PartnersController] })
export class PartnersModule {}
