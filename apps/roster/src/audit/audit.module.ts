import { Module } from '@nestjs/common';
import { ROSTER_CONFIG } from '../config/roster-config';
import { QueriesModule } from '../queries/queries.module';
import { AUDIT_SIGNER, serviceAuditSigner } from './audit-signing-key';
import { AuditController, AuditKeyController } from './audit.controller';
import { AuditService } from './audit.service';
import { CheckpointService } from './checkpoint.service';

/** History, as-of, verify and signed export routes for auditors, superadmins and organization admins; the public audit key; checkpoints. */
@Module({
  imports: [QueriesModule],
  controllers: [AuditController, AuditKeyController],
  providers: [
    { provide: AUDIT_SIGNER, inject: [ROSTER_CONFIG], useFactory: serviceAuditSigner },
    CheckpointService,
    AuditService,
  ],
  exports: [AuditService],
})
export class AuditModule {}
