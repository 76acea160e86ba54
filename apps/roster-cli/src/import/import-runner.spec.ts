import type { AppendResult, EventStore, EventToAppend, RecordedEvent } from '@roster/event-store';
import { loadRosterConfig } from '../../../roster/src/config/roster-config';
import { importedOrganizationId } from '../../../roster/src/command-handling/service-ids';
import { runImport } from './import-runner';
import type { SourceRow } from './import-sources';

const row = (n: number): SourceRow => {
  const id = n.toString(16).padStart(24, '0');
  return {
    where: `data[${n}] (udata ${id})`,
    organization: {
      organizationId: importedOrganizationId('udata', id),
      source: { system: 'udata', id, since: null },
      name: `Organisation ${n}`,
      description: '',
      departments: [],
      members: [
        { userId: `admin-${n}`, role: 'admin', departmentId: null, since: null },
        { userId: `editor-${n}`, role: 'editor', departmentId: null, since: null },
      ],
    },
  };
};

/**
 * An empty store that groups its appends as SqliteEventStore does (what is queued in one turn
 * of the event loop is one group commit) and answers a group a few turns later, as a commit
 * that takes a while (its fsync), recording each
 * group's size and how many appends were waiting for an answer when it was handed over.
 */
class GroupingStore {
  readonly groups: { readonly size: number; readonly unanswered: number }[] = [];
  private queue: (() => void)[] = [];
  private unanswered = 0;
  private position = 0n;

  append(_streamId: string, events: readonly EventToAppend[]): Promise<AppendResult> {
    return new Promise((resolve) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push(() => {
        this.position += BigInt(events.length);
        resolve({ nextExpectedRevision: BigInt(events.length - 1), position: this.position });
      });
    });
  }

  async *readStream(): AsyncIterable<RecordedEvent> {}

  private flush(): void {
    const group = this.queue;
    this.queue = [];
    this.groups.push({ size: group.length, unanswered: this.unanswered });
    this.unanswered += group.length;
    const answer = (turns: number): void => {
      if (turns > 0) return void setImmediate(() => answer(turns - 1));
      this.unanswered -= group.length;
      for (const each of group) each();
    };
    answer(4);
  }
}

describe('runImport', () => {
  test('hands the store one half of the organizations in flight while the other is being committed', async () => {
    const store = new GroupingStore();
    const config = loadRosterConfig({ ROSTER_DATA_DIR: '/nonexistent' }, 'tool');
    const summary = await runImport(
      Array.from({ length: 40 }, (_, n) => row(n + 1)),
      { store: store as unknown as EventStore, config, actorId: 'roster-import', dryRun: false, concurrency: 8 },
    );
    expect(summary).toMatchObject({ created: 40, failed: 0, events: 120 });
    expect(store.groups.reduce((sum, group) => sum + group.size, 0)).toBe(40);
    // Never more than `concurrency` in flight, in groups of half of it...
    expect(Math.max(...store.groups.map((group) => group.size + group.unanswered))).toBeLessThanOrEqual(8);
    expect(Math.max(...store.groups.map((group) => group.size))).toBeLessThanOrEqual(4);
    // ...and after the first, each group is handed over while another is still unanswered.
    expect(store.groups.slice(1).every((group) => group.unanswered > 0)).toBe(true);
  });
});
