import { parseIsoTime } from '@roster/domain';
import { AsOfIndex, asOfView } from '@roster/audit';
import { CliCommand, parseArgs, UsageError } from '../cli-command';
import { asUsage, CliFailure, organizationIdArg, rejectUnknownFlags, withStore } from './audit-support';

/** Prints the organization's state at a time as JSON, folded exactly as GET /organizations/:id/as-of does. */
export const asOfCommand: CliCommand = {
  name: 'as-of',
  usage: 'as-of <orgId> <ISO time>',
  description: "print an organization's state (profile, departments, members with their department and default dataset role, partners, pending invitations and requests) at a time",
  async run(args) {
    const { positionals, flags } = parseArgs(args);
    rejectUnknownFlags(flags, []);
    if (positionals.length !== 2) throw new UsageError('give an organization id and an ISO 8601 time');
    const organizationId = organizationIdArg(positionals[0]);
    const at = asUsage(() => parseIsoTime(positionals[1], 'the time'));
    return withStore(async (store) => {
      const index = new AsOfIndex(store);
      const answer = await index.asOf(organizationId, at);
      if (answer.head.revision < 0) throw new CliFailure(`Organization ${organizationId} does not exist (no events)`);
      process.stdout.write(`${JSON.stringify(asOfView(organizationId, at, answer), null, 2)}\n`);
      return 0;
    });
  },
};
