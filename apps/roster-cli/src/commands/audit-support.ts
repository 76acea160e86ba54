import { existsSync } from 'node:fs';
import { DomainError, serviceId } from '@roster/domain';
import type { EventStore } from '@roster/event-store';
import { loadRosterConfig } from '../../../roster/src/config/roster-config';
import { openEventStore } from '../../../roster/src/infrastructure/open-event-store';
import { UsageError } from '../cli-command';

/** What history, as-of and verify share: the service's store, and its input rules as usage errors. */

/** A failure that is not the caller's typing: printed as one line, exit code 1, no stack. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

export interface StoreOptions {
  /** Writing tools (import) start a portal's store; readers refuse a missing one. */
  readonly mayCreate?: boolean;
}

/**
 * The event store the service is configured with (same environment variables). An SQLite
 * file that does not exist is an error for a reader: opening it would create an empty store.
 */
export async function openConfiguredStore(options: StoreOptions = {}): Promise<EventStore> {
  const config = loadRosterConfig(process.env, 'tool');
  if (config.eventStore.kind === 'sqlite' && !options.mayCreate && !existsSync(config.eventStore.path)) {
    throw new CliFailure(`No event store at ${config.eventStore.path} (set ROSTER_DATA_DIR to the service's data directory)`);
  }
  return openEventStore(config);
}

/** The organization id as the HTTP routes accept it (a UUID), else a usage error. */
export function organizationIdArg(value: string | undefined): string {
  if (value === undefined) throw new UsageError('give an organization id');
  return asUsage(() => serviceId(value));
}

/** Runs input parsing shared with the HTTP routes; its refusals become usage errors. */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DomainError) throw new UsageError(error.message);
    throw error;
  }
}

/** Reports a CliFailure as one line and exit code 1; closes the store in every case. */
export async function withStore(run: (store: EventStore) => Promise<number>, options: StoreOptions = {}): Promise<number> {
  let store: EventStore | undefined;
  try {
    store = await openConfiguredStore(options);
    return await run(store);
  } catch (error) {
    if (error instanceof CliFailure) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store?.close();
  }
}

/** Only a flag with a value, or undefined; `--from` alone is a usage error. */
export function flagValue(flags: Map<string, string | true>, name: string): string | undefined {
  const value = flags.get(name);
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

export function rejectUnknownFlags(flags: Map<string, string | true>, known: readonly string[]): void {
  for (const flag of flags.keys()) if (!known.includes(flag)) throw new UsageError(`unknown option --${flag}`);
}
