import { constants, createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { AuditKeyError, EXPORT_PROBLEM_EXIT_CODES, readAuditPublicKey, verifyAuditExport, type ExportVerification } from '@roster/audit';
import { CliCommand, parseArgs, UsageError } from '../cli-command';
import { flagValue, rejectUnknownFlags } from './audit-support';

function describe(result: ExportVerification): string {
  if (result.valid) {
    const m = result.manifest;
    return `VALID: ${m.count} events of organization ${m.organizationId} (revisions ${m.firstRevision}..${m.lastRevision}, positions ${m.firstPosition}..${m.lastPosition}), head ${m.headHash}, exported at ${m.exportedAt}, signed by key ${m.keyId}`;
  }
  const where = result.line !== undefined ? `line ${result.line}: ` : '';
  return `${result.problem.toUpperCase()}: ${where}${result.detail}`;
}

/** Reads a file, or says in one line why not (exit 1): no stack trace for a missing file. */
async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CannotRun(`cannot read the ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

class CannotRun extends Error {}

/**
 * Checks a signed export with nothing but the file and the public key: no store, no settings,
 * no service. Exit codes (docs/audit-export.md): 0 intact, 3 edited line, 4 removed line,
 * 5 truncated tail, 6 forged signature, 1 cannot run, 2 usage.
 */
export const verifyExportCommand: CliCommand = {
  name: 'verify-export',
  usage: 'verify-export <file> --public-key <pem file> [--json]',
  description: 'check a signed export: signature, every hash link, no gap, nothing missing at the end (exit 3 edited, 4 removed, 5 truncated, 6 forged)',
  async run(args) {
    const { positionals, flags } = parseArgs(args, ['json']);
    rejectUnknownFlags(flags, ['public-key', 'json']);
    if (positionals.length !== 1) throw new UsageError('give one export file');
    const keyFile = flagValue(flags, 'public-key');
    if (keyFile === undefined) throw new UsageError('give the public key (PEM, as GET /.well-known/roster-audit-key serves it) with --public-key');
    try {
      let publicKey;
      try {
        publicKey = readAuditPublicKey(await readText(keyFile, 'public key'));
      } catch (error) {
        if (error instanceof AuditKeyError) throw new CannotRun(`the public key ${keyFile} is ${error.message}`);
        throw error;
      }
      await access(positionals[0], constants.R_OK).catch((error: NodeJS.ErrnoException) => {
        throw new CannotRun(`cannot read the export file ${positionals[0]} (${error.code ?? 'error'})`);
      });
      // Streamed: a large export is never held in memory.
      const result = await verifyAuditExport(createReadStream(positionals[0]), publicKey);
      process.stdout.write(`${flags.has('json') ? JSON.stringify(result) : describe(result)}\n`);
      return result.valid ? 0 : EXPORT_PROBLEM_EXIT_CODES[result.problem];
    } catch (error) {
      if (error instanceof CannotRun) {
        process.stderr.write(`verify-export: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
