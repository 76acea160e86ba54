import { evolve, initialState, organizationStreamId, type OrganizationState } from '@roster/domain';
import type { EventStore, RecordedEvent } from '@roster/event-store';
import { upcast } from './upcast';

/**
 * Answers "what did this organization look like at time T" without folding its whole
 * history each time. Per organization it keeps, in memory, a folded state every
 * `snapshotEvery` events (with the time reached at that point) and the state at the head;
 * it is built lazily on first use and extended incrementally from the last revision it saw.
 * A question then costs a binary search and a fold of at most `snapshotEvery` events read
 * from the store.
 *
 * Time of an event: metadata.occurredAt (recordedAt when absent). Clocks of several API
 * instances may disagree slightly, so the time line is the running maximum of those times
 * along the stream: "as of T" is the longest prefix of the stream whose time line is <= T.
 * The fold uses the domain's own `evolve` through `upcast`, as the command handler does.
 */

export interface FoldedPoint {
  readonly state: OrganizationState;
  /** Revision of the last event folded; -1 when none. */
  readonly revision: number;
  /** Time line (epoch ms) reached at that revision; -Infinity when none. */
  readonly time: number;
}

interface Timeline {
  /** snapshots[0] is the empty state; then one every `snapshotEvery` events, in order. */
  readonly snapshots: FoldedPoint[];
  head: FoldedPoint;
  /** Serialises catch-ups of one organization. */
  pending?: Promise<FoldedPoint>;
}

export interface AsOfIndexOptions {
  /** Events between two snapshots (default 1000). */
  readonly snapshotEvery?: number;
  /** Organizations kept in memory, least recently used dropped first (default 10,000). */
  readonly maxOrganizations?: number;
}

const EMPTY: FoldedPoint = { state: initialState, revision: -1, time: Number.NEGATIVE_INFINITY };

export function eventTime(event: RecordedEvent): number {
  const occurredAt = event.metadata.occurredAt;
  const ms = typeof occurredAt === 'string' ? Date.parse(occurredAt) : Number.NaN;
  return Number.isNaN(ms) ? event.recordedAt.getTime() : ms;
}

/** Folds one recorded event onto a point: upcast, then the service's evolve. */
export function foldRecorded(point: FoldedPoint, event: RecordedEvent): FoldedPoint {
  const current = upcast(event);
  const occurredAt = typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt.toISOString();
  return {
    state: evolve(point.state, current, { occurredAt }),
    revision: Number(event.revision),
    time: Math.max(point.time, eventTime(event)),
  };
}

export class AsOfIndex {
  private readonly snapshotEvery: number;
  private readonly maxOrganizations: number;
  /** Insertion order doubles as recency order (re-inserted on use). */
  private readonly timelines = new Map<string, Timeline>();

  constructor(
    private readonly store: EventStore,
    options: AsOfIndexOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 1000;
    this.maxOrganizations = options.maxOrganizations ?? 10_000;
  }

  /** The organization's state at the head of its stream (revision -1: no such stream). */
  async current(organizationId: string): Promise<FoldedPoint> {
    return this.catchUp(this.timeline(organizationId), organizationId);
  }

  /** The state after the longest prefix of the stream whose time line is at or before `at`. */
  async asOf(organizationId: string, at: Date): Promise<{ point: FoldedPoint; head: FoldedPoint }> {
    const timeline = this.timeline(organizationId);
    const head = await this.catchUp(timeline, organizationId);
    const target = at.getTime();
    if (head.time <= target) return { point: head, head };
    // Last snapshot at or before `target` (snapshots[0] always qualifies).
    const { snapshots } = timeline;
    let lo = 0;
    let hi = snapshots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (snapshots[mid].time <= target) lo = mid;
      else hi = mid - 1;
    }
    let point = snapshots[lo];
    const stream = this.store.readStream(organizationStreamId(organizationId), {
      fromRevision: BigInt(point.revision + 1),
      maxCount: Math.min(this.snapshotEvery, head.revision - point.revision),
    });
    for await (const event of stream) {
      if (Math.max(point.time, eventTime(event)) > target) break;
      point = foldRecorded(point, event);
    }
    return { point, head };
  }

  /** Drops what is cached for an organization (e.g. after verification found it altered). */
  forget(organizationId: string): void {
    this.timelines.delete(organizationId);
  }

  private timeline(organizationId: string): Timeline {
    let timeline = this.timelines.get(organizationId);
    if (timeline) {
      this.timelines.delete(organizationId);
    } else {
      timeline = { snapshots: [EMPTY], head: EMPTY };
      if (this.timelines.size >= this.maxOrganizations) {
        const oldest = this.timelines.keys().next().value;
        if (oldest !== undefined) this.timelines.delete(oldest);
      }
    }
    this.timelines.set(organizationId, timeline);
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
    let sinceSnapshot = head.revision - timeline.snapshots[timeline.snapshots.length - 1].revision;
    for await (const event of stream) {
      head = foldRecorded(head, event);
      if (++sinceSnapshot >= this.snapshotEvery) {
        timeline.snapshots.push(head);
        sinceSnapshot = 0;
      }
    }
    timeline.head = head;
    return head;
  }
}
