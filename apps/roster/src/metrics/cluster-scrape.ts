import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * With ROSTER_API_WORKERS > 1 a scrape lands on whichever worker took the connection; that
 * worker asks the primary over the cluster's IPC channel, the primary gathers every worker's
 * registry with prom-client's AggregatorRegistry (each series summed, or combined as its
 * `aggregator` says) and sends the text back. With one worker there is no cluster and none of this runs.
 */

const REQUEST = 'roster:metrics-scrape';
const ANSWER = 'roster:metrics-scraped';
/** How long the primary waits for every worker's registry. */
export const CLUSTER_SCRAPE_TIMEOUT_MS = 2000;
/** The asking worker's own limit: the primary's, plus the way back. */
const WORKER_WAIT_MS = CLUSTER_SCRAPE_TIMEOUT_MS + 500;

interface ScrapeRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
}
interface ScrapeAnswer {
  readonly type: typeof ANSWER;
  readonly id: number;
  readonly body?: string;
  readonly error?: string;
}

/** The cluster did not answer in time (a worker busy, stopped or gone): the scrape answers 503. */
export class ClusterScrapeTimeout extends Error {
  constructor() {
    super('not every API worker answered the scrape in time');
  }
}

/** Waits at most `ms` for `promise`; rejects with ClusterScrapeTimeout past it. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClusterScrapeTimeout()), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * In the primary: answers the workers' scrape requests with the whole cluster's metrics.
 * `gather` and `events` are the cluster's own unless a test passes others.
 */
export function serveClusterScrapes(
  gather: () => Promise<string> = clusterGatherer(),
  events: Pick<typeof cluster, 'on'> = cluster,
  timeoutMs = CLUSTER_SCRAPE_TIMEOUT_MS,
): void {
  events.on('message', (worker: Worker, message: unknown) => {
    const request = message as Partial<ScrapeRequest> | null;
    if (request?.type !== REQUEST || typeof request.id !== 'number') return;
    const id = request.id;
    const reply = (answer: Omit<ScrapeAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id, ...answer } satisfies ScrapeAnswer);
    };
    within(gather(), timeoutMs).then(
      (body) => reply({ body }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/** prom-client's aggregation over every connected worker (it waits 5 s itself; serveClusterScrapes cuts it shorter). */
function clusterGatherer(): () => Promise<string> {
  const aggregator = new AggregatorRegistry();
  return () => aggregator.clusterMetrics();
}

/**
 * In a worker: `registry` is what the primary's AggregatorRegistry reads from this process
 * (constructing one adds prom-client's listener for the primary's requests).
 */
export function offerRegistryToCluster(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

let nextId = 0;
const waiting = new Map<number, (answer: ScrapeAnswer) => void>();
const listened = new WeakSet<object>();

/** This worker's side of the IPC channel to the primary (`process`). */
interface ScrapeChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: unknown): boolean;
}

/** In a worker: the whole cluster's metrics, from the primary. Rejects with ClusterScrapeTimeout when they do not come in time. */
export function scrapeCluster(channel: ScrapeChannel = process, waitMs = WORKER_WAIT_MS): Promise<string> {
  if (!listened.has(channel)) {
    listened.add(channel);
    channel.on('message', (message: unknown) => {
      const answer = message as Partial<ScrapeAnswer> | null;
      if (answer?.type !== ANSWER || typeof answer.id !== 'number') return;
      waiting.get(answer.id)?.(answer as ScrapeAnswer);
    });
  }
  const id = nextId++;
  const answered = new Promise<string>((resolve, reject) => {
    waiting.set(id, (answer) => {
      if (answer.body !== undefined) resolve(answer.body);
      else reject(answer.error === new ClusterScrapeTimeout().message ? new ClusterScrapeTimeout() : new Error(`cluster scrape failed: ${answer.error}`));
    });
    channel.send!({ type: REQUEST, id } satisfies ScrapeRequest);
  });
  return within(answered, waitMs).finally(() => waiting.delete(id));
}
