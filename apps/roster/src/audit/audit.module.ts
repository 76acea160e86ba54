import { Module } from '@nestjs/common';
import { QueriesModule } from '../queries/queries.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** History, as-of and verify routes for auditors, superadmins and organization admins. */
@Module({
  imports: [QueriesModule],
  controllers: [AuditController],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
