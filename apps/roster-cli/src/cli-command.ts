/** One subcommand of `npm run roster -- <name> ...`: a file under commands/, listed in main.ts. */
export interface CliCommand {
  readonly name: string;
  /** One line for `--help`, e.g. `token <userId> [--email e] [--superadmin]`. */
  readonly usage: string;
  readonly description: string;
  /** Returns the process exit code. Output goes to stdout; diagnostics to stderr. */
  run(args: readonly string[]): Promise<number>;
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

/** `--name value`, `--name=value` and bare `--flag`; `booleans` never take a value. */
export function parseArgs(args: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const name = arg.slice(2);
    const next = args[i + 1];
    if (!booleans.includes(name) && next !== undefined && !next.startsWith('--')) {
      flags.set(name, next);
      i++;
    } else {
      flags.set(name, true);
    }
  }
  return { positionals, flags };
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
