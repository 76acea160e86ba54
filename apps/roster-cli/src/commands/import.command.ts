import { readFileSync } from 'node:fs';
import { IMPORT_SYSTEMS, type ImportSystem } from '@roster/domain';
import { loadRosterConfig } from '../../../roster/src/config/roster-config';
import { CliCommand, parseArgs, UsageError } from '../cli-command';
import { describeEvent, runImport, type RowOutcome } from '../import/import-runner';
import { readSource, SourceFormatError, type SourceRow } from '../import/import-sources';
import { ProgressBar } from '../progress-bar';
import { CliFailure, flagValue, rejectUnknownFlags, withStore } from './audit-support';

/**
 * Records a running portal's organizations and members, read from its own API output
 * (README, "Adopting Roster"). Each organization is one append; a second run of the same
 * file appends nothing; a changed file appends what changed in the source since its last
 * import, never undoing what was done in Roster since. Exit code 1 when an organization
 * could not be imported (each is named on stderr), 0 otherwise.
 */
export const importCommand: CliCommand = {
  name: 'import',
  usage: 'import --from udata|ckan|data-fair <file> [--dry-run] [--actor <userId>]',
  description: "record a portal's organizations and members from its API output (again: only what changed)",
  async run(args) {
    const { positionals, flags } = parseArgs(args, ['dry-run']);
    rejectUnknownFlags(flags, ['from', 'dry-run', 'actor']);
    const system = flagValue(flags, 'from');
    if (system === undefined || !(IMPORT_SYSTEMS as readonly string[]).includes(system)) {
      throw new UsageError(`--from must be one of ${IMPORT_SYSTEMS.join(', ')}`);
    }
    if (positionals.length !== 1) throw new UsageError('give one file');
    const dryRun = flags.has('dry-run');
    const actorId = flagValue(flags, 'actor') ?? 'roster-import';
    const config = loadRosterConfig(process.env, 'tool');

    return withStore(
      async (store) => {
        const rows = readRows(system as ImportSystem, positionals[0]);
        const bar = new ProgressBar('organizations', rows.length);
        const summary = await runImport(rows, {
          store,
          config,
          actorId,
          dryRun,
          onOutcome: (outcome, done) => {
            report(outcome, dryRun);
            bar.update(done);
          },
        });
        bar.done();
        const seconds = (summary.elapsedMs / 1000).toFixed(1);
        process.stdout.write(
          `${dryRun ? 'Dry run, nothing appended: ' : ''}${rows.length} organizations from ${system}: ${summary.created} new, ${summary.updated} changed, ${summary.unchanged} unchanged, ${summary.skipped} skipped, ${summary.failed} failed; ${summary.events} events ${dryRun ? 'to append' : 'appended'} in ${seconds} s\n`,
        );
        return summary.failed > 0 ? 1 : 0;
      },
      { mayCreate: true },
    );
  },
};

function readRows(system: ImportSystem, path: string): SourceRow[] {
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliFailure(`Cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  try {
    return readSource(system, file);
  } catch (error) {
    if (error instanceof SourceFormatError) throw new CliFailure(`${path}: ${error.message}`);
    throw error;
  }
}

/** Failures on stderr, each naming its row; the changes of a dry run on stdout. */
function report(outcome: RowOutcome, dryRun: boolean): void {
  if (outcome.kind === 'failed') {
    process.stderr.write(`${outcome.row.where}: not imported: ${outcome.reason}\n`);
  } else if (dryRun && (outcome.kind === 'created' || outcome.kind === 'updated') && outcome.events) {
    process.stdout.write(`${outcome.row.where}: ${outcome.events.map(describeEvent).join('; ')}\n`);
  }
}
