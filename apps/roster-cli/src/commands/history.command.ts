import { once } from 'node:events';
import { organizationStreamId } from '@roster/domain';
import type { EventStore } from '@roster/event-store';
import { parseHistoryQuery, readHistory, type HistoryEntry } from '@roster/audit';
import { CliCommand, parseArgs, UsageError } from '../cli-command';
import { asUsage, CliFailure, flagValue, organizationIdArg, rejectUnknownFlags, withStore } from './audit-support';

const FLAGS = ['from', 'to', 'type', 'actor', 'ndjson'];

const row = (revision: string, time: string, type: string, command: string, actor: string, why: string, data: string): string =>
  `${revision.padStart(8)}  ${time.padEnd(24)}  ${type.padEnd(26)}  ${command.padEnd(26)}  ${actor}  ${why}  ${data}`;

/** The table's first line: the columns of `line`. */
const HISTORY_HEADER = row('REVISION', 'TIME', 'TYPE', 'COMMAND', 'ACTOR', 'WHY', 'DATA');

/** The reason given (quoted; an erased one says so) and, for what an import recorded, where it came from; `-` when neither. */
function why(entry: HistoryEntry): string {
  const parts: string[] = [];
  if (entry.reason !== null) parts.push(typeof entry.reason === 'string' ? `reason=${JSON.stringify(entry.reason)}` : 'reason=(erased)');
  const source = entry.provenance;
  if (source) parts.push(`source=${source.system}:${JSON.stringify(source.id)}${source.since ? `@${source.since}` : ''}`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

function line(entry: HistoryEntry): string {
  const actor = (entry.actor as { userId?: string } | null)?.userId ?? '-';
  return row(String(entry.revision), entry.time, entry.type, entry.command ?? '-', actor, why(entry), JSON.stringify(entry.data));
}

async function hasEvents(store: EventStore, organizationId: string): Promise<boolean> {
  for await (const _event of store.readStream(organizationStreamId(organizationId), { maxCount: 1 })) return true;
  return false;
}

/** Writes with back-pressure: a long export into a slow pipe never piles up in memory. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

/** Prints an organization's events, filtered as GET /organizations/:id/history filters them. */
export const historyCommand: CliCommand = {
  name: 'history',
  usage: 'history <orgId> [--from ISO] [--to ISO] [--type T[,T...]] [--actor userId] [--ndjson]',
  description: "print an organization's events in order (a table, or NDJSON for export)",
  async run(args) {
    const { positionals, flags } = parseArgs(args, ['ndjson']);
    rejectUnknownFlags(flags, FLAGS);
    if (positionals.length !== 1) throw new UsageError('give exactly one organization id');
    const organizationId = organizationIdArg(positionals[0]);
    const query = asUsage(() =>
      parseHistoryQuery({ from: flagValue(flags, 'from'), to: flagValue(flags, 'to'), type: flagValue(flags, 'type'), actor: flagValue(flags, 'actor') }),
    );
    const ndjson = flags.has('ndjson');
    return withStore(async (store) => {
      // An unknown organization is told apart from a filter that matches nothing.
      if (!(await hasEvents(store, organizationId))) throw new CliFailure(`Organization ${organizationId} does not exist (no events)`);
      // `roster history ... | head` closes the pipe early: that is not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
      });
      // The id in words too: `npm run roster -- history <id>` shows it as *** in npm's banner.
      if (!ndjson) await write(`Organization ${organizationId}\n${HISTORY_HEADER}\n`);
      let count = 0;
      for await (const entry of readHistory(store, organizationId, query.filter)) {
        await write(ndjson ? `${JSON.stringify(entry)}\n` : `${line(entry)}\n`);
        count++;
      }
      if (!ndjson) process.stderr.write(`${count} events\n`);
      return 0;
    });
  },
};
