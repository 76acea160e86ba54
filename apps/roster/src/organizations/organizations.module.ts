import { Module } from '@nestjs/common';
import { CommandHandlingModule } from '../command-handling/command-handling.module';
import { OrganizationsController } from './organizations.controller';

@Module({ imports: [CommandHandlingModule], controllers: [OrganizationsController] })
export class OrganizationsModule {}
