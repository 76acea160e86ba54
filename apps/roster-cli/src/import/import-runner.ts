import { randomUUID } from 'node:crypto';
import { decide, DomainError, organizationStreamId, type CommandContext, type OrganizationCommand, type OrganizationEvent } from '@roster/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError, type EventStore } from '@roster/event-store';
import { ExecuteOrganizationCommand } from '../../../roster/src/command-handling/execute-organization.command';
import { ExecuteOrganizationHandler } from '../../../roster/src/command-handling/execute-organization.handler';
import type { RosterConfig } from '../../../roster/src/config/roster-config';
import type { SourceRow } from './import-sources';

/** What one organization of the file came to. */
export type RowOutcome =
  /** `appended`: events appended (a dry run: to append); `events`: what a dry run would append. */
  | { readonly kind: 'created' | 'updated'; readonly row: SourceRow; readonly appended: number; readonly events?: readonly OrganizationEvent[] }
  | { readonly kind: 'unchanged'; readonly row: SourceRow }
  | { readonly kind: 'skipped'; readonly row: SourceRow; readonly reason: string }
  | { readonly kind: 'failed'; readonly row: SourceRow; readonly reason: string };

export interface ImportOptions {
  readonly store: EventStore;
  readonly config: RosterConfig;
  /** Who the events name as their actor (a superadmin). */
  readonly actorId: string;
  /** Decide and report, append nothing. */
  readonly dryRun: boolean;
  /** Organizations in flight at once (default 64, as bench:import): two halves, each one group commit, take turns. */
  readonly concurrency?: number;
  readonly onOutcome?: (outcome: RowOutcome, done: number) => void;
}

export interface ImportSummary {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly events: number;
  readonly elapsedMs: number;
}

/**
 * Imports each organization through the service's one command path (load, decide, append
 * with the expected revision, retry on a conflict), so it works on every store and with
 * the service running beside it. One organization, one append; a refused one appends
 * nothing and the others go on. A dry run decides on the same fold and appends nothing.
 */
export async function runImport(rows: readonly SourceRow[], options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const concurrency = Math.max(1, options.concurrency ?? 64);
  // Each organization is visited once: a state cache the size of the service's would only
  // keep thousands of folds alive for the garbage collector to walk.
  const handler = new ExecuteOrganizationHandler(options.store, { ...options.config, stateCacheSize: Math.min(options.config.stateCacheSize, concurrency * 4) });
  const correlationId = randomUUID();
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, events: 0 };
  let done = 0;

  const importOne = async (row: SourceRow): Promise<RowOutcome> => {
    if (row.skipped !== undefined) return { kind: 'skipped', row, reason: row.skipped };
    if (row.organization === undefined) return { kind: 'failed', row, reason: row.error ?? 'cannot be read' };
    const command: OrganizationCommand = { type: 'ImportOrganization', data: row.organization };
    const context: CommandContext = { actor: { userId: options.actorId, platformRoles: ['superadmin'] }, now: new Date() };
    try {
      const before = await handler.load(organizationStreamId(row.organization.organizationId));
      const kind = before.state.status === 'none' ? 'created' : 'updated';
      if (options.dryRun) {
        // The decision the command would take on the same fold, appended nowhere.
        const events = decide(command, before.state, context);
        return events.length === 0 ? { kind: 'unchanged', row } : { kind, row, appended: events.length, events };
      }
      const outcome = await handler.execute(new ExecuteOrganizationCommand(command, context, { commandId: randomUUID(), correlationId }));
      const appended = Number(outcome.revision - before.revision);
      return appended === 0 ? { kind: 'unchanged', row } : { kind, row, appended };
    } catch (error) {
      if (error instanceof DomainError || error instanceof WrongExpectedRevisionError || error instanceof EventStoreUnavailableError) {
        return { kind: 'failed', row, reason: error.message };
      }
      throw error;
    }
  };

  const settle = (outcome: RowOutcome): void => {
    counts[outcome.kind] += 1;
    if (outcome.kind === 'created' || outcome.kind === 'updated') counts.events += outcome.appended;
    done += 1;
    options.onOutcome?.(outcome, done);
  };
  // Two halves of `concurrency` take turns: one half is loaded, decided and hashed while the
  // store's writer thread commits the other, so both threads work at once. All in lockstep,
  // each waited for the other (bench:import: the main thread idle 2.8 s of 5.8 s).
  const half = Math.ceil(concurrency / 2);
  let previous: Promise<unknown> = Promise.resolve();
  for (let start = 0; start < rows.length; start += half) {
    const chunk = Promise.all(rows.slice(start, start + half).map(async (row) => settle(await importOne(row))));
    // The store sends what was queued in one turn of the event loop as one group commit: let
    // this half go out on its own before the other is prepared (a turn, then the next one).
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    await previous;
    previous = chunk;
  }
  await previous;
  await handler.drain();
  return { ...counts, elapsedMs: Date.now() - started };
}

/** One line per event, for the dry run and the report: what it changes, never personal data. */
export function describeEvent(event: OrganizationEvent): string {
  switch (event.type) {
    case 'OrganizationImported':
      return `create "${event.data.name}" (${event.data.source.system} ${event.data.source.id})`;
    case 'MemberImported':
      return `add ${event.data.userId} as ${event.data.role}${event.data.departmentId ? ` in ${event.data.departmentId}` : ''}`;
    case 'MemberRoleChanged':
      return `change ${event.data.userId} from ${event.data.from} to ${event.data.to}`;
    case 'MemberRemoved':
      return `remove ${event.data.userId} (${event.data.role})`;
    case 'MemberDepartmentChanged':
      return `move ${event.data.userId} from ${event.data.from ?? 'organization-wide'} to ${event.data.to ?? 'organization-wide'}`;
    case 'DepartmentAdded':
      return `add department ${event.data.departmentId} "${event.data.name}"`;
    case 'DepartmentRenamed':
      return `rename department ${event.data.departmentId} to "${event.data.to}"`;
    case 'OrganizationProfileUpdated':
      return `update the profile (${Object.keys(event.data).filter((key) => key !== 'organizationId').join(', ')})`;
    default:
      return event.type;
  }
}
