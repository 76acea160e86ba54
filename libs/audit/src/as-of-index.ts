import { evolve, initialState, organizationStreamId, readRecordedEvent, type Membership, type OrganizationState } from '@roster/domain';
import type { EventStore, RecordedEvent } from '@roster/event-store';
import { LRUCache } from 'lru-cache';

/**
 * Answers "what did this organization look like at time T" without folding its whole
 * history each time. Per organization it keeps, in memory, a folded state every
 * `snapshotEvery` events (with the time reached at that point) and the state at the head;
 * it is built lazily on first use and extended incrementally from the last revision it saw.
 * The organizations held are an LRU cache bounded in snapshots (AS_OF_MAX_SNAPSHOTS).
 * A question then costs a binary search and a fold of at most `snapshotEvery` events read
 * from the store. States share structure (PersistentMap), so snapshots are cheap.
 * Every `membersEvery`-th snapshot also keeps the member list sorted by user id; the list
 * of any other point is merged from it in linear time, so an answer never sorts thousands
 * of members.
 *
 * Time of an event: the reader's `occurredAt` (readRecordedEvent). Clocks of several API
 * instances may disagree slightly, so the time line is the running maximum of those times
 * along the stream: "as of T" is the longest prefix of the stream whose time line is <= T.
 * The fold reads events and runs the domain's `evolve` as the command handler does.
 */

export interface FoldedPoint {
  readonly state: OrganizationState;
  /** Revision of the last event folded; -1 when none. */
  readonly revision: number;
  /** Time line (epoch ms) reached at that revision; -Infinity when none. */
  readonly time: number;
}

/** Members sorted by user id. */
export type SortedMembers = ReadonlyArray<readonly [userId: string, membership: Membership]>;

interface Snapshot extends FoldedPoint {
  /** Strings of the data of the events folded since the previous snapshot (see sortedMembers). */
  readonly touched: ReadonlySet<string>;
  /** On every `membersEvery`-th snapshot only. */
  readonly members?: SortedMembers;
}

interface Timeline {
  /** snapshots[0] is the empty state; then one every `snapshotEvery` events, in order. */
  readonly snapshots: Snapshot[];
  head: FoldedPoint;
  /** Strings of the data of the events folded since the last snapshot. */
  touched: Set<string>;
  /** Serialises catch-ups of one organization. */
  pending?: Promise<FoldedPoint>;
}

export interface AsOfIndexOptions {
  /** Events between two snapshots (default 100). */
  readonly snapshotEvery?: number;
  /** Snapshots between two stored sorted member lists (default 10). */
  readonly membersEvery?: number;
  /** Organizations kept in memory, least recently used dropped first (default 10,000). */
  readonly maxOrganizations?: number;
  /** Snapshots kept in memory over all organizations (default AS_OF_MAX_SNAPSHOTS); see there. */
  readonly maxSnapshots?: number;
  /**
   * The same streams with personal fields left sealed (PersonalDataEventStore.sealed), for
   * stateAt: what it answers (status, roles, departments, partnerships) holds no personal
   * data, and opening costs a key look-up and a decryption per personal field. Default: the store.
   */
  readonly sealedStore?: EventStore;
}

/**
 * The memory bound of an index (ROSTER_AS_OF_MAX_SNAPSHOTS), in snapshots over all the
 * organizations it holds, least recently used dropped first. bench:audit measures the heap
 * of one 100,000-event organization's index (index_heap_mb): about 64 MB for its 1,001
 * snapshots (shared states, the member lists every 10th, the ids each touched), so about
 * 64 KB a snapshot: 10,000 snapshots are about 640 MB and 1,000,000 events folded. An
 * organization larger than the whole bound is folded from zero on each question instead.
 */
export const AS_OF_MAX_SNAPSHOTS = 10_000;

/** Where an answer stands: the folded point, the stream's head, and the point's members sorted. */
export interface AsOfAnswer {
  readonly point: FoldedPoint;
  readonly head: FoldedPoint;
  readonly members: SortedMembers;
}

const EMPTY: Snapshot = { state: initialState, revision: -1, time: Number.NEGATIVE_INFINITY, touched: new Set(), members: [] };

/** Top-level strings of an event's data: the user ids a member change can name. */
function addTouched(touched: Set<string>, data: unknown): void {
  if (data === null || typeof data !== 'object') return;
  for (const value of Object.values(data)) if (typeof value === 'string') touched.add(value);
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The members of `next`, sorted, from the sorted members of an earlier point and the user
 * ids possibly added since (`touched`): a linear merge instead of a sort. Always correct:
 * every listed id is looked up in `next`, and if the count does not match (an addition
 * not in `touched`), it falls back to a full sort.
 */
export function sortedMembers(base: SortedMembers, next: OrganizationState, touched: Iterable<string>): SortedMembers {
  const members = next.members;
  const known = new Set<string>();
  const added: string[] = [];
  for (const id of touched) {
    if (members.has(id) && !known.has(id)) {
      known.add(id);
      added.push(id);
    }
  }
  added.sort(compareIds);
  const out: Array<readonly [string, Membership]> = [];
  let j = 0;
  for (const [id] of base) {
    if (known.has(id)) continue;
    const membership = members.get(id);
    if (membership === undefined) continue;
    while (j < added.length && added[j] < id) out.push([added[j], members.get(added[j++])!]);
    out.push([id, membership]);
  }
  while (j < added.length) out.push([added[j], members.get(added[j++])!]);
  if (out.length === members.size) return out;
  return [...members.entries()].sort(([a], [b]) => compareIds(a, b));
}

/** Folds one recorded event onto a point, read as every reader reads it. */
export function foldRecorded(point: FoldedPoint, recorded: RecordedEvent): FoldedPoint {
  const read = readRecordedEvent(recorded);
  return {
    state: read.event ? evolve(point.state, read.event, { occurredAt: read.occurredAt, command: read.command }) : point.state,
    revision: Number(recorded.revision),
    time: Math.max(point.time, read.time),
  };
}

export class AsOfIndex {
  private readonly snapshotEvery: number;
  private readonly membersEvery: number;
  /** Least recently used organizations dropped first, weighed by their snapshots. */
  private readonly timelines: LRUCache<string, Timeline>;
  private readonly sealedStore: EventStore;

  constructor(
    private readonly store: EventStore,
    options: AsOfIndexOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.membersEvery = options.membersEvery ?? 10;
    this.sealedStore = options.sealedStore ?? store;
    this.timelines = new LRUCache<string, Timeline>({
      max: options.maxOrganizations ?? 10_000,
      maxSize: options.maxSnapshots ?? AS_OF_MAX_SNAPSHOTS,
      sizeCalculation: (timeline) => timeline.snapshots.length,
    });
  }

  /** The organization's state at the head of its stream (revision -1: no such stream). */
  async current(organizationId: string): Promise<FoldedPoint> {
    return this.catchUp(this.timeline(organizationId), organizationId);
  }

  /** The state after the longest prefix of the stream whose time line is at or before `at`, with its members sorted. */
  async asOf(organizationId: string, at: Date): Promise<AsOfAnswer> {
    const { point, head, snapshots, from, touched } = await this.locate(organizationId, at);
    return { point, head, members: this.membersAt(snapshots, from, point.state, touched) };
  }

  /**
   * The same point as asOf, without the sorted member list, for questions that read no
   * personal data (the permission check at a past instant): the events folded past the
   * snapshot are read from `sealedStore`, so their personal fields may stay sealed.
   */
  async stateAt(organizationId: string, at: Date): Promise<FoldedPoint> {
    return (await this.locate(organizationId, at, this.sealedStore)).point;
  }

  /**
   * The point at `at`: the last snapshot at or before it (a binary search), folded forward
   * with at most `snapshotEvery` events read from the store; `touched` are the strings of
   * the events folded past snapshot `from`.
   */
  private async locate(organizationId: string, at: Date, store: EventStore = this.store): Promise<{ point: FoldedPoint; head: FoldedPoint; snapshots: readonly Snapshot[]; from: number; touched: Set<string> }> {
    const timeline = this.timeline(organizationId);
    const head = await this.catchUp(timeline, organizationId);
    const { snapshots } = timeline;
    const target = at.getTime();
    if (head.time <= target) return { point: head, head, snapshots, from: snapshots.length - 1, touched: timeline.touched };
    // Last snapshot at or before `target` (snapshots[0] always qualifies).
    let lo = 0;
    let hi = snapshots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (snapshots[mid].time <= target) lo = mid;
      else hi = mid - 1;
    }
    let point: FoldedPoint = snapshots[lo];
    const touched = new Set<string>();
    const stream = store.readStream(organizationStreamId(organizationId), {
      fromRevision: BigInt(point.revision + 1),
      maxCount: Math.min(this.snapshotEvery, head.revision - point.revision),
    });
    for await (const event of stream) {
      const next = foldRecorded(point, event);
      if (next.time > target) break;
      point = next;
      addTouched(touched, event.data);
    }
    return { point, head, snapshots, from: lo, touched };
  }

  /** Sorted members of a point folded from snapshot `index` with `touched` since: merged from the last stored list. */
  private membersAt(snapshots: readonly Snapshot[], index: number, state: OrganizationState, touched: Iterable<string>): SortedMembers {
    let from = index;
    while (snapshots[from].members === undefined) from--;
    const since: Iterable<string>[] = [touched];
    for (let i = from + 1; i <= index; i++) since.push(snapshots[i].touched);
    return sortedMembers(snapshots[from].members!, state, (function* () {
      for (const set of since) yield* set;
    })());
  }

  /** Drops what is cached for an organization (e.g. after verification found it altered). */
  forget(organizationId: string): void {
    this.timelines.delete(organizationId);
  }

  private timeline(organizationId: string): Timeline {
    let timeline = this.timelines.get(organizationId);
    if (!timeline) {
      timeline = { snapshots: [EMPTY], head: EMPTY, touched: new Set() };
      this.timelines.set(organizationId, timeline);
    }
    return timeline;
  }

  private catchUp(timeline: Timeline, organizationId: string): Promise<FoldedPoint> {
    // Chained: two callers never fold the same events twice into one timeline.
    const run = (timeline.pending ?? Promise.resolve(timeline.head)).then(() => this.extend(timeline, organizationId));
    timeline.pending = run.catch(() => timeline.head);
    return run;
  }

  private async extend(timeline: Timeline, organizationId: string): Promise<FoldedPoint> {
    let head = timeline.head;
    const stream = this.store.readStream(organizationStreamId(organizationId), { fromRevision: BigInt(head.revision + 1) });
    const { snapshots } = timeline;
    let sinceSnapshot = head.revision - snapshots[snapshots.length - 1].revision;
    for await (const event of stream) {
      head = foldRecorded(head, event);
      addTouched(timeline.touched, event.data);
      if (++sinceSnapshot >= this.snapshotEvery) {
        const touched = timeline.touched;
        const keepsMembers = snapshots.length % this.membersEvery === 0;
        const members = keepsMembers ? this.membersAt(snapshots, snapshots.length - 1, head.state, touched) : undefined;
        snapshots.push({ ...head, touched, ...(members ? { members } : {}) });
        timeline.touched = new Set();
        sinceSnapshot = 0;
      }
    }
    timeline.head = head;
    // Re-weighed by its snapshots now; the least recently used timelines go first when over the bound.
    if (this.timelines.peek(organizationId) === timeline) this.timelines.set(organizationId, timeline);
    return head;
  }
}
