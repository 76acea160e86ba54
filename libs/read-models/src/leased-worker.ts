import type { CatchUpWorker, CatchUpWorkerLogger } from '@roster/event-store';
import type { ProjectionLease } from './projection-lease';

export interface LeasedWorkerOptions {
  /** The worker; give it `holdsLease: () => lease.holds()` so it never handles a batch without the lease. */
  readonly worker: CatchUpWorker;
  readonly lease: ProjectionLease;
  /** What runs, for the log: "Read-model projection", "Kafka publisher". */
  readonly label: string;
  /** How long the lease lasts; the holder renews it every fifth of that. */
  readonly ttlMs: number;
  /** How often a copy standing by tries to take the lease over (default ttlMs / 5). */
  readonly retryMs?: number;
  readonly logger?: CatchUpWorkerLogger;
  /** Called after each attempt that did not get the lease. */
  readonly standingBy?: () => Promise<void>;
}

/**
 * Runs a catch-up worker in at most one of any number of copies at a time: the copy that holds
 * the lease runs it and renews the lease; the others stand by and take over within the lease's
 * time to live when it stops or dies. The worker resumes from the stored checkpoint.
 */
export class LeasedWorker {
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: LeasedWorkerOptions) {}

  /** True while this copy holds the lease and runs the worker. */
  get running(): boolean {
    return this.options.worker.isRunning;
  }

  /** The first attempt is awaited, so a lone copy runs the worker when start() resolves. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.attempt();
    this.loop = this.runLoop();
  }

  /** Stops the worker after its batch in progress, then gives the lease up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.options.worker.stop();
    if (this.options.lease.holds()) await this.options.lease.release().catch(() => undefined);
  }

  private async runLoop(): Promise<void> {
    const renewEveryMs = this.options.ttlMs / 5;
    const retryEveryMs = this.options.retryMs ?? renewEveryMs;
    while (!this.stopping) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.running ? renewEveryMs : retryEveryMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
      if (!this.stopping) await this.attempt();
    }
  }

  private async attempt(): Promise<void> {
    const { worker, lease, label, logger } = this.options;
    let held = false;
    try {
      held = await lease.acquire();
    } catch (error) {
      logger?.warn?.(`${label} lease: ${(error as Error).message}`);
    }
    if (held && !this.running && !this.stopping) {
      logger?.log?.(`${label}: this copy holds the lease and runs`);
      await worker.start();
    } else if (!held && this.running) {
      logger?.warn?.(`${label}: the lease was lost; this copy stops`);
      await worker.stop();
    } else if (!held) {
      await this.options.standingBy?.().catch(() => undefined);
    }
  }
}
