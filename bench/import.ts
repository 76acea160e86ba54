/**
 * `npm run bench:import`: `roster import` of a generated udata-shaped file (10,000
 * organizations, 100,000 memberships), with its baseline measured in the same run, printed
 * as ONE JSON line on stdout (progress goes to stderr).
 *
 * - Import: the file read and parsed, each organization through the import's one command
 *   path (load, decide, append with the expected revision) into a fresh embedded SQLite
 *   store behind the personal-data decorator, as `npm run roster -- import --from udata FILE`
 *   runs it: 64 organizations in flight, in two halves that take turns at the group commits.
 * - Baseline: the same events (decided and enveloped before the clock starts) appended raw
 *   to another fresh SqliteEventStore, one append per organization, with the same number of
 *   appends in flight, so both share the store's group commits alike; run before and after
 *   the import, its rate taken over both runs.
 * - The import's time includes reading and parsing the file: the baseline's does not.
 * - ratio_vs_append = imported_events_per_s / raw_append_events_per_s (target >= 0.5).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decide, initialState, organizationStreamId, type CommandContext } from '@roster/domain';
import { SqliteEventStore, type EventToAppend } from '@roster/event-store';
import { readSource } from '../apps/roster-cli/src/import/import-sources';
import { runImport } from '../apps/roster-cli/src/import/import-runner';
import { buildEventsToAppend } from '../apps/roster/src/command-handling/event-envelope';
import { emptyOrganizationStream } from '../apps/roster/src/command-handling/organization-stream';
import { loadRosterConfig } from '../apps/roster/src/config/roster-config';
import { openEventStore } from '../apps/roster/src/infrastructure/open-event-store';

const ORGANIZATIONS = 10_000;
const MEMBERSHIPS = 100_000;
const CONCURRENCY = 64;

const log = (message: string) => process.stderr.write(`[bench:import] ${message}\n`);
const hex = (n: number, width = 24) => n.toString(16).padStart(width, '0');

/** One page of udata's /api/1/organizations/ holding every organization, each field as udata serves it. */
function udataFile(): unknown {
  const perOrganization = MEMBERSHIPS / ORGANIZATIONS;
  const data = Array.from({ length: ORGANIZATIONS }, (_, o) => {
    const id = hex(o + 1);
    return {
      id,
      name: `Organisation ${o + 1}`,
      acronym: null,
      slug: `organisation-${o + 1}`,
      description: `Données ouvertes de l'organisation ${o + 1}.`,
      url: null,
      uri: `https://www.data.gouv.fr/api/1/organizations/${id}/`,
      page: `https://www.data.gouv.fr/fr/organizations/organisation-${o + 1}/`,
      logo: null,
      logo_thumbnail: null,
      badges: [],
      business_number_id: null,
      created_at: '2019-01-01T00:00:00+00:00',
      last_modified: '2024-01-01T00:00:00+00:00',
      deleted: null,
      extras: {},
      members: Array.from({ length: perOrganization }, (_, m) => {
        const user = hex((o * perOrganization + m) % 60_000 + 1, 24).replace(/^0/, 'u');
        return {
          role: m === 0 || m === 5 ? 'admin' : 'editor',
          since: '2020-02-02T10:00:00+00:00',
          label: m === 0 || m === 5 ? 'Administrateur' : 'Éditeur',
          user: { id: user, first_name: 'Prénom', last_name: 'Nom', slug: `user-${user}`, page: null, uri: null, avatar: null, avatar_thumbnail: null },
        };
      }),
      metrics: { datasets: 0, followers: 0, members: perOrganization, reuses: 0, views: 0 },
      class: 'Organization',
    };
  });
  return { data, facets: null, next_page: null, page: 1, page_size: ORGANIZATIONS, previous_page: null, total: ORGANIZATIONS };
}

async function importPhase(file: string, dataDir: string): Promise<{ events: number; seconds: number }> {
  const config = loadRosterConfig({ ROSTER_DATA_DIR: dataDir }, 'tool');
  // As the CLI opens it: the SQLite store behind the personal-data decorator.
  const store = await openEventStore(config);
  try {
    const started = process.hrtime.bigint();
    const rows = readSource('udata', JSON.parse(readFileSync(file, 'utf8')));
    const summary = await runImport(rows, { store, config, actorId: 'roster-import', dryRun: false, concurrency: CONCURRENCY });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (summary.failed > 0 || summary.created !== ORGANIZATIONS) throw new Error(`import: ${JSON.stringify(summary)}`);
    return { events: summary.events, seconds };
  } finally {
    await store.close();
  }
}

async function rawPhase(file: string, dataDir: string): Promise<{ events: number; seconds: number }> {
  const rows = readSource('udata', JSON.parse(readFileSync(file, 'utf8')));
  const context: CommandContext = { actor: { userId: 'roster-import', platformRoles: ['superadmin'] }, now: new Date() };
  const batches: Array<{ streamId: string; events: EventToAppend[] }> = rows.map((row) => {
    const organization = row.organization!;
    const command = { type: 'ImportOrganization' as const, data: organization };
    const streamId = organizationStreamId(organization.organizationId);
    const events = decide(command, initialState, context);
    const id = randomUUID();
    return { streamId, events: buildEventsToAppend(emptyOrganizationStream(streamId), events, command.type, context, { commandId: id, correlationId: id }) };
  });
  const store = new SqliteEventStore({ path: join(dataDir, 'events.sqlite') });
  try {
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches.length) {
          const batch = batches[next++];
          await store.append(batch.streamId, batch.events, 'no_stream');
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { events: batches.reduce((sum, batch) => sum + batch.events.length, 0), seconds };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-import-'));
  try {
    const file = join(dir, 'udata-organizations.json');
    writeFileSync(file, JSON.stringify(udataFile()));
    log(`generated ${ORGANIZATIONS} organizations, ${MEMBERSHIPS} memberships`);
    // Raw appends before and after the import: on a shared machine, the baseline is the mean of both.
    const before = await rawPhase(file, mkdtempSync(join(dir, 'raw-')));
    log(`raw appends: ${before.events} events in ${before.seconds.toFixed(2)} s`);
    const imported = await importPhase(file, mkdtempSync(join(dir, 'import-')));
    log(`import: ${imported.events} events in ${imported.seconds.toFixed(2)} s`);
    const after = await rawPhase(file, mkdtempSync(join(dir, 'raw-')));
    log(`raw appends: ${after.events} events in ${after.seconds.toFixed(2)} s`);
    const importedRate = imported.events / imported.seconds;
    const rawRate = (before.events + after.events) / (before.seconds + after.seconds);
    process.stdout.write(
      `${JSON.stringify({
        organizations: ORGANIZATIONS,
        memberships: MEMBERSHIPS,
        events: imported.events,
        import_seconds: Number(imported.seconds.toFixed(2)),
        imported_events_per_s: Math.round(importedRate),
        raw_append_events_per_s: Math.round(rawRate),
        ratio_vs_append: Number((importedRate / rawRate).toFixed(2)),
      })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
