import type { PlatformRole } from '@roster/domain';
import { signDevelopmentToken } from '../../../roster/src/auth/token-verifier';
import { loadRosterConfig } from '../../../roster/src/config/roster-config';
import { CliCommand, parseArgs, UsageError } from '../cli-command';

const ROLE_FLAGS: readonly PlatformRole[] = ['superadmin', 'auditor', 'service'];

/** Prints a bearer token signed with the service's secret (ROSTER_JWT_SECRET, or the development one unless ROSTER_DEV_AUTH=0). */
export const tokenCommand: CliCommand = {
  name: 'token',
  usage: 'token <userId> [--email e] [--superadmin|--auditor|--service] [--ttl 24h]',
  description: 'print a JWT for the configured or development secret',
  async run(args) {
    const { positionals, flags } = parseArgs(args, ROLE_FLAGS);
    const [userId, ...extra] = positionals;
    if (!userId || extra.length > 0) throw new UsageError('give exactly one user id');
    const known = new Set<string>(['email', 'ttl', ...ROLE_FLAGS]);
    for (const flag of flags.keys()) if (!known.has(flag)) throw new UsageError(`unknown option --${flag}`);
    const email = flags.get('email');
    const ttl = flags.get('ttl');
    if (email === true) throw new UsageError('--email needs a value');
    if (ttl === true) throw new UsageError('--ttl needs a value, e.g. 24h');
    if (ttl !== undefined && !/^\d+\s*(s|m|h|d|w)$/.test(ttl)) throw new UsageError('--ttl is a number and a unit: s, m, h, d or w');
    const roles = ROLE_FLAGS.filter((role) => flags.has(role));
    // A tool for development: without ROSTER_JWT_SECRET it signs with the development secret, as `npm start` verifies.
    const config = loadRosterConfig({ ROSTER_DEV_AUTH: '1', ...process.env }, 'tool');
    const token = await signDevelopmentToken(config, { userId, email, roles, ttl });
    process.stdout.write(`${token}\n`);
    return 0;
  },
};
