import { ORGANIZATION_STREAM_PREFIX, organizationStreamId } from '@roster/domain';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  AuditKeyError,
  checkpointHead,
  CheckpointLog,
  checkpointStreams,
  readAuditPublicKey,
  verifyAllStreams,
  verifyStream,
  type ChainVerification,
  type Checkpoint,
} from '@roster/audit';
import { loadAuditSigner } from '../../../roster/src/audit/audit-signing-key';
import { loadRosterConfig } from '../../../roster/src/config/roster-config';
import { CliCommand, parseArgs, UsageError } from '../cli-command';
import { ProgressBar } from '../progress-bar';
import { CliFailure, flagValue, organizationIdArg, rejectUnknownFlags, withStore } from './audit-support';

/** Exit code when a chain is broken: distinct from usage errors (2) and failures to run (1). */
export const VERIFY_FAILED_EXIT_CODE = 3;

const organizationOf = (streamId: string) => streamId.slice(ORGANIZATION_STREAM_PREFIX.length);

function describe(result: ChainVerification): string {
  const org = organizationOf(result.streamId);
  if (result.valid) return `${org}: ${result.events} events, chain intact`;
  const bad = result.firstInvalid!;
  return (
    `${org}: ${result.events} events, chain BROKEN at revision ${bad.revision} ` +
    `(position ${bad.position}, event ${bad.id}): ${bad.reason}; ${bad.detail}`
  );
}

/** The key checkpoints are trusted with: --public-key, else the configured (or development) signing key's; none: no checkpoint. */
async function checkpointKey(keyFile: string | undefined): Promise<KeyObject | undefined> {
  if (keyFile === undefined) return loadAuditSigner(loadRosterConfig(process.env, 'tool'))?.publicKey;
  try {
    return readAuditPublicKey(await readFile(keyFile, 'utf8'));
  } catch (error) {
    if (error instanceof AuditKeyError) throw new CliFailure(`The public key ${keyFile} is ${error.message}`);
    throw new CliFailure(`Cannot read the public key ${keyFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Re-computes the hash chain of one organization or all, from the service's own store, and
 * compares each with the last signed checkpoint whose signature holds (a removed tail).
 */
export const verifyCommand: CliCommand = {
  name: 'verify',
  usage: 'verify <orgId> | --all [--json] [--public-key <pem file>]',
  description: `re-compute hash chains, compare them with the last signed checkpoint, and name the first altered event (exit ${VERIFY_FAILED_EXIT_CODE} if any)`,
  async run(args) {
    const { positionals, flags } = parseArgs(args, ['all', 'json']);
    rejectUnknownFlags(flags, ['all', 'json', 'public-key']);
    const all = flags.has('all');
    if (all ? positionals.length > 0 : positionals.length !== 1) throw new UsageError('give one organization id, or --all');
    const organizationId = all ? undefined : organizationIdArg(positionals[0]);
    const json = flags.has('json');
    const keyFile = flagValue(flags, 'public-key');

    return withStore(async (store) => {
      const key = await checkpointKey(keyFile);
      const checkpoint: Checkpoint | undefined = key ? await new CheckpointLog(loadRosterConfig(process.env, 'tool').audit.checkpointFile).lastTrusted(key) : undefined;
      process.stderr.write(
        checkpoint
          ? `Compared with the signed checkpoint of ${checkpoint.createdAt} (position ${checkpoint.position})\n`
          : `No signed checkpoint to compare with${key ? '' : ' (no key: ROSTER_AUDIT_SIGNING_KEY_FILE or --public-key)'}: a removed tail cannot be seen\n`,
      );
      let results: ChainVerification[];
      if (organizationId === undefined) {
        const progress = new ProgressBar('verify', Number(await store.headPosition()));
        let read = 0;
        results = await verifyAllStreams(store, ORGANIZATION_STREAM_PREFIX, () => progress.update(++read), checkpointStreams(checkpoint));
        // Positions may have gaps: the last one read is the honest total.
        progress.update(read, read);
        progress.done();
      } else {
        const progress = new ProgressBar('verify');
        const head = checkpointHead(checkpoint, organizationId);
        const result = await verifyStream(store, organizationStreamId(organizationId), (n) => progress.update(n), head);
        progress.done();
        if (result.events === 0 && !head) throw new CliFailure(`Organization ${organizationId} does not exist (no events)`);
        results = [result];
      }
      const broken = results.filter((r) => !r.valid);
      if (json) {
        const summary = results.map(({ streamId, ...rest }) => ({ organizationId: organizationOf(streamId), ...rest }));
        process.stdout.write(`${JSON.stringify(organizationId ? summary[0] : { organizations: summary.length, broken: broken.length, results: summary })}\n`);
      } else if (organizationId === undefined) {
        for (const result of broken) process.stdout.write(`${describe(result)}\n`);
        const events = results.reduce((sum, r) => sum + r.events, 0);
        process.stdout.write(
          `${results.length} organizations, ${events} events: ${broken.length === 0 ? 'every chain intact' : `${broken.length} altered`}\n`,
        );
      } else {
        process.stdout.write(`${describe(results[0])}\n`);
      }
      return broken.length === 0 ? 0 : VERIFY_FAILED_EXIT_CODE;
    });
  },
};
