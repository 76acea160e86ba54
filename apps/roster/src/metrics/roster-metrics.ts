import cluster from 'node:cluster';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { BatchObserver, EventStore, GroupCommitObserver } from '@roster/event-store';
import type { PermissionCheckObserver } from '@roster/read-models';
import { offerRegistryToCluster, scrapeCluster } from './cluster-scrape';
import { TallyHistogram, type TallySeries } from './tally-histogram';

/** How a command ended, as counted: appended, answered without appending, or not done. */
export type CommandEnd = 'accepted' | 'unchanged' | 'replayed' | 'refused' | 'conflict' | 'failed';

/** The catch-up workers whose positions and lag are reported. */
export type FollowedWorker = 'projection' | 'permission_index' | 'publisher';

/** Latencies of a request's work, from a tenth of a millisecond to ten seconds. */
const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The permission check answers from memory in microseconds; from MongoDB in milliseconds. */
const CHECK_BUCKETS = [0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
const COUNT_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const CHECK_OUTCOMES = ['allowed', 'denied'] as const;
/**
 * The check's series, by index: current checks (the hot path's two, unlabelled by kind as they
 * always were), then checks at a past instant (`kind="at"`, reported once there is one).
 */
const CHECK_SERIES: readonly TallySeries[] = [
  ...CHECK_OUTCOMES.map((outcome) => ({ labels: { outcome } })),
  ...CHECK_OUTCOMES.map((outcome) => ({ labels: { outcome, kind: 'at' }, onceObserved: true })),
];
const AT = CHECK_OUTCOMES.length;
const CHECKS_HELP = 'Permission checks answered, by outcome (allowed, denied); kind="at": checks at a past instant';
/** Lag in events is counted by reading, up to this many, where positions are not event numbers (EventStoreDB). */
const COUNTED_LAG_CAP = 10_000;

/**
 * The service's one Prometheus registry and everything reported into it. Adapters report
 * through the small observer functions below (the libraries define their types, and know
 * nothing of prom-client); the domain reports nothing. With ROSTER_METRICS=0 every observer
 * is undefined or returns at once, so nothing is timed or counted.
 *
 * Cluster: the registry is this process's own (not prom-client's global one), and every gauge
 * says how processes combine (`aggregator`). In an API worker of ROSTER_API_WORKERS > 1 the
 * registry is offered to the primary, and a scrape answers the whole cluster's metrics
 * (cluster-scrape.ts).
 */
export class RosterMetrics {
  readonly registry = new Registry();
  private readonly followed = new Map<FollowedWorker, () => bigint | undefined>();
  private store: { readonly store: EventStore; readonly positionsCountEvents: boolean } | undefined;

  private readonly commands = new Counter({
    name: 'roster_commands_total',
    help: 'Commands handled, by command type and outcome (accepted, unchanged, replayed, refused, conflict, failed); refusals and failures by code',
    labelNames: ['command', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  private readonly commandSeconds = new Histogram({
    name: 'roster_command_duration_seconds',
    help: 'Time from taking a command to its outcome (load, decide, append, retries), by command type and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly conflictRetries = new Counter({
    name: 'roster_command_conflict_retries_total',
    help: 'Commands decided again after another writer appended to their organization first, by command type',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });
  private readonly appendSeconds = new Histogram({
    name: 'roster_event_store_append_duration_seconds',
    help: "A command's append as it waits for it: until the event store has it durably",
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly commitSeconds = new Histogram({
    name: 'roster_event_store_group_commit_duration_seconds',
    help: "The embedded store's group commits: one transaction and its fsync, timed in the writer thread",
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly commitSize = new Histogram({
    name: 'roster_event_store_group_commit_appends',
    help: "Appends written together in one of the embedded store's group commits",
    buckets: COUNT_BUCKETS,
    registers: [this.registry],
  });
  private readonly cacheHits = new Counter({
    name: 'roster_state_cache_hits_total',
    help: "Commands whose organization's folded state was in memory",
    registers: [this.registry],
  });
  private readonly cacheMisses = new Counter({
    name: 'roster_state_cache_misses_total',
    help: "Commands whose organization's state was folded from the event store",
    registers: [this.registry],
  });
  private readonly batchSeconds = new Histogram({
    name: 'roster_worker_batch_duration_seconds',
    help: 'Catch-up batches: handling and checkpointing one batch, by worker (projection, permission_index, publisher)',
    labelNames: ['worker'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchEvents = new Counter({
    name: 'roster_worker_events_total',
    help: 'Events handled and checkpointed, by worker',
    labelNames: ['worker'] as const,
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'roster_rate_limit_refusals_total',
    help: 'Commands refused with 429 RATE_LIMIT.EXCEEDED (ROSTER_COMMAND_RATE)',
    registers: [this.registry],
  });
  private readonly checks = new TallyHistogram(
    'roster_permission_check_duration_seconds',
    'Permission checks: time to answer one check, by outcome (allowed, denied); kind="at": checks at a past instant',
    CHECK_SERIES,
    CHECK_BUCKETS,
  );

  /** Told of each group commit of the embedded store; undefined when metrics are off. */
  readonly groupCommit: GroupCommitObserver | undefined;
  /** Told of each permission answer; undefined when metrics are off (the check is then not timed). */
  readonly permissionCheck: PermissionCheckObserver | undefined;
  /** Told of each permission answer at a past instant (`at`); undefined when metrics are off. */
  readonly permissionCheckAt: PermissionCheckObserver | undefined;
  /** An API worker among several: scrapes answer for every worker (through the primary). */
  private readonly inCluster = cluster.isWorker;

  constructor(readonly enabled: boolean) {
    if (!enabled) return;
    this.groupCommit = (appends, seconds) => {
      this.commitSize.observe(appends);
      this.commitSeconds.observe(seconds);
    };
    const checks = this.checks;
    // Two series picked by index: no label object, no string built per check.
    this.permissionCheck = (allowed, seconds) => checks.observe(allowed ? 0 : 1, seconds);
    this.permissionCheckAt = (allowed, seconds) => checks.observe(allowed ? AT : AT + 1, seconds);
    // Not prom-client's classes: registered as they are (the Registry only calls get()).
    this.registry.registerMetric(this.checks as unknown as Metric);
    this.registry.registerMetric(this.checksCounter() as Metric);
    this.registerPositions();
    collectDefaultMetrics({ register: this.registry });
    if (this.inCluster) offerRegistryToCluster(this.registry);
  }

  /**
   * Prometheus's text format: the body and its content type. In a cluster, every worker's
   * metrics combined; rejects with ClusterScrapeTimeout when they do not all answer in time.
   */
  async scrape(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: this.inCluster ? await scrapeCluster() : await this.registry.metrics() };
  }

  commandEnded(command: string, end: CommandEnd, code: string | undefined, seconds: number): void {
    if (!this.enabled) return;
    this.commands.inc(code === undefined ? { command, outcome: end } : { command, outcome: end, code });
    this.commandSeconds.observe({ command, outcome: end }, seconds);
  }

  conflictRetried(command: string): void {
    if (this.enabled) this.conflictRetries.inc({ command });
  }

  stateCacheLookedUp(hit: boolean): void {
    if (this.enabled) (hit ? this.cacheHits : this.cacheMisses).inc();
  }

  appended(seconds: number): void {
    if (this.enabled) this.appendSeconds.observe(seconds);
  }

  rateLimitRefused(): void {
    if (this.enabled) this.rateLimited.inc();
  }

  /** The observer of one catch-up worker's batches; undefined when metrics are off. */
  batches(worker: FollowedWorker): BatchObserver | undefined {
    if (!this.enabled) return undefined;
    const seconds = this.batchSeconds.labels({ worker });
    const events = this.batchEvents.labels({ worker });
    return (count, duration) => {
      seconds.observe(duration);
      events.inc(count);
    };
  }

  /**
   * A worker whose position is reported at each scrape, with its lag behind the store's head
   * in events and in seconds (the age of the oldest event it has not handled; 0 when level).
   * `position` answers undefined while the worker does not run here.
   */
  follow(worker: FollowedWorker, position: () => bigint | undefined): void {
    this.followed.set(worker, position);
  }

  /** The store whose head the positions are compared with. `positionsCountEvents`: positions number the events one by one (SQLite). */
  followStore(store: EventStore, positionsCountEvents: boolean): void {
    this.store = { store, positionsCountEvents };
  }

  private checksCounter(): unknown {
    // Read from the histogram's counts: the check counts nothing twice.
    const checks = this.checks;
    return {
      name: 'roster_permission_checks_total',
      help: CHECKS_HELP,
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name: 'roster_permission_checks_total',
        help: CHECKS_HELP,
        type: 'counter',
        aggregator: 'sum',
        values: CHECK_SERIES.flatMap(({ labels, onceObserved }, series) => {
          const value = checks.count(series);
          return onceObserved && value === 0 ? [] : [{ labels, value }];
        }),
      }),
      reset: () => undefined,
    };
  }

  /** Gauges read at scrape time: nothing on the workers' path. */
  private registerPositions(): void {
    // The four are filled by one reading per scrape (the head read once), which each awaits before it answers.
    let reading: Promise<void> | undefined;
    const collect = (): Promise<void> => (reading ??= read().finally(() => (reading = undefined)));
    // Under node:cluster, `aggregator` says how processes combine: the furthest head, the slowest worker.
    const gauge = (name: string, help: string, aggregator: 'min' | 'max', labelNames: readonly string[] = ['worker']) =>
      new Gauge({ name, help, labelNames, aggregator, registers: [this.registry], collect });
    const head = gauge('roster_event_store_head_position', 'Position of the last event in the event store', 'max', []);
    const position = gauge('roster_worker_position', 'Position of the last event a catch-up worker handled and checkpointed, by worker', 'min');
    const lagEvents = gauge('roster_worker_lag_events', 'Events in the store that a worker has not handled yet', 'max');
    const lagSeconds = gauge('roster_worker_lag_seconds', 'Age of the oldest event a worker has not handled yet (0 when it is level with the store)', 'max');
    const read = async (): Promise<void> => {
      head.reset();
      position.reset();
      lagEvents.reset();
      lagSeconds.reset();
      const followed = this.store;
      if (!followed) return;
      const top = await followed.store.headPosition();
      head.set(Number(top));
      for (const [worker, at] of [...this.followed].map(([name, of]) => [name, of()] as const)) {
        if (at === undefined) continue;
        position.set({ worker }, Number(at));
        const lag = await lagOf(followed.store, followed.positionsCountEvents, at, top);
        lagEvents.set({ worker }, lag.events);
        lagSeconds.set({ worker }, lag.seconds);
      }
    };
  }
}

/** How far a worker at `at` is behind `head`. */
async function lagOf(store: EventStore, positionsCountEvents: boolean, at: bigint, head: bigint): Promise<{ events: number; seconds: number }> {
  if (at >= head) return { events: 0, seconds: 0 };
  let events = 0;
  let seconds = 0;
  for await (const event of store.readAll({ fromPosition: at, maxCount: positionsCountEvents ? 1 : COUNTED_LAG_CAP })) {
    if (events === 0) seconds = Math.max(0, (Date.now() - event.recordedAt.getTime()) / 1000);
    events += 1;
  }
  return { events: positionsCountEvents ? Number(head - at) : events, seconds };
}
