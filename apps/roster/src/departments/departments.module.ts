import { Module } from '@nestjs/common';
import { CommandHandlingModule } from '../command-handling/command-handling.module';
import { DepartmentsController } from './departments.controller';

@Module({ imports: [CommandHandlingModule], controllers: [DepartmentsController] })
export class DepartmentsModule {}
