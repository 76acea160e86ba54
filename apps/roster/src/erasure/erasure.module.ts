import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CommandHandlingModule } from '../command-handling/command-handling.module';
import { QueriesModule } from '../queries/queries.module';
import { ErasureController } from './erasure.controller';
import { ErasureService } from './erasure.service';

/** Personal data (RGPD): erasure of a person across organizations, and their data access. */
@Module({ imports: [AuthModule, CommandHandlingModule, QueriesModule], controllers: [ErasureController], providers: [ErasureService] })
export class ErasureModule {}
