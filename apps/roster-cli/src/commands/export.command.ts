import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { auditExportChunks, CheckpointLog, type ExportManifest } from '@roster/audit';
import { organizationStreamId } from '@roster/domain';
import { storedEvents } from '@roster/event-store';
import { loadAuditSigner } from '../../../roster/src/audit/audit-signing-key';
import { loadRosterConfig } from '../../../roster/src/config/roster-config';
import { CliCommand, parseArgs, UsageError } from '../cli-command';
import { CliFailure, flagValue, organizationIdArg, rejectUnknownFlags, withStore } from './audit-support';

/** Writes the signed export of one organization (docs/audit-export.md), as GET /organizations/:orgId/export does. */
export const exportCommand: CliCommand = {
  name: 'export',
  usage: 'export <orgId> --out <file>',
  description: "write the organization's signed export (events as stored, then a signed manifest); check it with verify-export",
  async run(args) {
    const { positionals, flags } = parseArgs(args);
    rejectUnknownFlags(flags, ['out']);
    if (positionals.length !== 1) throw new UsageError('give one organization id');
    const organizationId = organizationIdArg(positionals[0]);
    const out = flagValue(flags, 'out');
    if (out === undefined) throw new UsageError('give the file to write with --out');
    const config = loadRosterConfig(process.env, 'tool');
    const signer = loadAuditSigner(config);

    return withStore(async (store) => {
      if (!signer) throw new CliFailure('No signing key: set ROSTER_AUDIT_SIGNING_KEY_FILE (or ROSTER_DEV_AUTH=1 for the development key)');
      for await (const _first of storedEvents(store).readStream(organizationStreamId(organizationId), { maxCount: 1 })) {
        // Written beside the target, then renamed: a failed export never leaves a plausible file.
        const partial = `${out}.partial`;
        let manifest: ExportManifest | undefined;
        try {
          await pipeline(Readable.from(auditExportChunks(store, organizationId, signer, () => new Date(), (m) => (manifest = m))), createWriteStream(partial, { mode: 0o600 }));
          await rename(partial, out);
        } catch (error) {
          await rm(partial, { force: true });
          throw error;
        }
        // Every export is also a checkpoint of every chain's head.
        await new CheckpointLog(config.audit.checkpointFile).record(store, signer, () => new Date());
        process.stdout.write(`${organizationId}: ${manifest!.count} events (revisions ${manifest!.firstRevision}..${manifest!.lastRevision}, head ${manifest!.headHash}) exported to ${out}, signed by key ${signer.keyId}\n`);
        return 0;
      }
      throw new CliFailure(`Organization ${organizationId} does not exist (no events)`);
    });
  },
};
