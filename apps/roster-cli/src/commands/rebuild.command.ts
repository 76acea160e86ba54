import { EmbeddedDocumentStore, MongoDocumentStore, ProjectionRunningError, rebuildReadModels, type DocumentStore } from '@roster/read-models';
import { loadRosterConfig } from '../../../roster/src/config/roster-config';
import { CliCommand, parseArgs, UsageError } from '../cli-command';
import { ProgressBar } from '../progress-bar';
import { flagValue, rejectUnknownFlags, withStore } from './audit-support';

/**
 * Drops the read models and rebuilds them from the event store with the live projection
 * code (--from 0, the default), or re-applies the events after a position over the
 * existing documents (--from N). It refuses (exit 1) while a projection worker holds the
 * write lease: stop the workers first. Without MONGODB_URL the
 * read models are embedded and rebuilt at every start of the service: the command then
 * only runs the projection in memory and reports what it would hold.
 */
export const rebuildCommand: CliCommand = {
  name: 'rebuild',
  usage: 'rebuild [--from <position>] [--json]',
  description: 'drop and rebuild the read models from the event store (stop the projection workers first)',
  async run(args) {
    const { positionals, flags } = parseArgs(args, ['json']);
    rejectUnknownFlags(flags, ['from', 'json']);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const fromText = flagValue(flags, 'from') ?? '0';
    if (!/^\d{1,20}$/.test(fromText)) throw new UsageError('--from must be a position (a whole number)');
    const from = BigInt(fromText);
    const config = loadRosterConfig(process.env, 'tool');

    return withStore(async (store) => {
      const documents: DocumentStore = config.mongo ? await MongoDocumentStore.connect(config.mongo) : new EmbeddedDocumentStore();
      try {
        const where = config.mongo ? `MongoDB ${config.mongo.database}` : 'memory (no MONGODB_URL: the service rebuilds its embedded read models at start)';
        process.stderr.write(`Rebuilding the read models in ${where} from position ${from}\n`);
        let bar: ProgressBar | undefined;
        let phase = '';
        const result = await rebuildReadModels({
          store,
          documents,
          from,
          onProgress: (progress) => {
            if (progress.phase !== phase) {
              bar?.done();
              phase = progress.phase;
              bar = new ProgressBar(phase === 'project' ? 'events' : 'documents', progress.total);
            }
            bar?.update(progress.done, progress.total);
          },
        });
        bar?.done();
        const seconds = result.elapsedMs / 1000;
        const summary = {
          events: result.events,
          documents: result.documents,
          position: result.position.toString(),
          seconds: Number(seconds.toFixed(3)),
          eventsPerSecond: Math.round(result.events / Math.max(seconds, 0.001)),
        };
        process.stdout.write(
          flags.has('json')
            ? `${JSON.stringify(summary)}\n`
            : `Rebuilt from ${summary.events} events (up to position ${summary.position}) into ${summary.documents} documents in ${summary.seconds} s (${summary.eventsPerSecond} events/s)\n`,
        );
        return 0;
      } catch (error) {
        if (!(error instanceof ProjectionRunningError)) throw error;
        process.stderr.write(`rebuild: ${error.message}\n`);
        return 1;
      } finally {
        await documents.close();
      }
    });
  },
};
