import { Logger } from '@nestjs/common';
import { AuditSigner } from '@roster/audit';
import type { RosterConfig } from '../config/roster-config';
import { DEVELOPMENT_AUDIT_KEY_FILE, loadOrCreateDevelopmentAuditKey } from '../auth/development-secret';

/** Injection token: the AuditSigner, or null when no key is configured (exports and checkpoints are off). */
export const AUDIT_SIGNER = Symbol('AUDIT_SIGNER');

/** The configured key (ROSTER_AUDIT_SIGNING_KEY_FILE), the development one (ROSTER_DEV_AUTH=1), or none. */
export function loadAuditSigner(config: RosterConfig): AuditSigner | undefined {
  if (config.audit.signingKeyPem !== undefined) return AuditSigner.fromPem(config.audit.signingKeyPem);
  if (config.audit.developmentKey) return AuditSigner.fromPem(loadOrCreateDevelopmentAuditKey(config.dataDir));
  return undefined;
}

/** The service's signer, said at start-up: which key signs exports and checkpoints, or that none does. */
export function serviceAuditSigner(config: RosterConfig): AuditSigner | null {
  const signer = loadAuditSigner(config) ?? null;
  const logger = new Logger('Audit');
  if (!config.run.has('api')) return signer; // a worker process exports nothing: nothing to say
  if (!signer) {
    logger.warn('No ROSTER_AUDIT_SIGNING_KEY_FILE: signed exports answer 503 and no checkpoint is recorded');
  } else if (config.audit.signingKeyPem === undefined) {
    logger.warn(
      `ROSTER_DEV_AUTH=1: exports and checkpoints are signed with the DEVELOPMENT key in ${config.dataDir}/${DEVELOPMENT_AUDIT_KEY_FILE} ` +
        `(key ${signer.keyId}). Do not run this in production: set ROSTER_AUDIT_SIGNING_KEY_FILE.`,
    );
  } else {
    logger.log(`Signing exports and checkpoints with key ${signer.keyId} (ROSTER_AUDIT_SIGNING_KEY_FILE)`);
  }
  return signer;
}
