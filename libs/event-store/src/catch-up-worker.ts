import { CheckpointStore } from './checkpoint-store.port';
import { EventStore, RecordedEvent } from './event-store.port';

/** Structurally compatible with NestJS's Logger. */
export interface CatchUpWorkerLogger {
  log?(message: string): void;
  warn?(message: string): void;
  error(message: string, trace?: string): void;
}

export interface CatchUpWorkerOptions {
  /** Checkpoint name; one per projection or publisher. */
  readonly name: string;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  /** Handles a batch of events (all streams, in position order); must be idempotent. */
  handle(batch: readonly RecordedEvent[]): Promise<void>;
  readonly maxBatchSize?: number;
  readonly logger?: CatchUpWorkerLogger;
  /**
   * For a worker that may run only while it holds a lease (one copy at a time): checked before
   * each batch is handled; when false the batch is not handled and the worker backs off.
   */
  readonly holdsLease?: () => boolean;
  /** Told of each batch handled and checkpointed: its events and how long handling and checkpointing took (metrics). */
  readonly onBatch?: BatchObserver;
  /** Backoff after a failure: doubles from initialDelayMs up to maxDelayMs (defaults 100 ms, 30 s). */
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
}

export type BatchObserver = (events: number, seconds: number) => void;

const consoleLogger: CatchUpWorkerLogger = {
  warn: (message) => console.warn(message),
  error: (message, trace) => console.error(message, trace ?? ''),
};

/**
 * Runs a handler over every event of the store from its checkpoint on, then live.
 * Guarantees: batches are handled in position order; the checkpoint is saved only after
 * `handle` resolved (at least once delivery); after a failure (handler, checkpoint or store)
 * it waits with capped exponential backoff and resumes from the last saved checkpoint, so
 * no event is ever skipped. `stop()` lets the batch in progress finish and saves its checkpoint.
 */
export class CatchUpWorker {
  private current: bigint | undefined;
  private loaded = false;
  private running: Promise<void> | undefined;
  private stopping = false;
  private subscription: AbortController | undefined;
  private wakeSleep: (() => void) | undefined;
  private readonly waiters = new Set<{ target: bigint; resolve: (reached: boolean) => void }>();
  private readonly logger: CatchUpWorkerLogger;

  constructor(private readonly options: CatchUpWorkerOptions) {
    this.logger = options.logger ?? consoleLogger;
  }

  /** Position of the last event handled and checkpointed (0n before any). */
  get position(): bigint {
    return this.current ?? 0n;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Starts in the background from the saved checkpoint; resolves once the loop runs (not after catching up). */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopping = false;
    this.loaded = false;
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops after the batch in progress (its checkpoint included) and resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.subscription?.abort();
    this.wakeSleep?.();
    await this.running;
  }

  /** Read-your-writes: resolves true once every event up to `position` is handled, false after the timeout. */
  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        target: position,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private async run(): Promise<void> {
    const { name, store, checkpoints, handle, maxBatchSize } = this.options;
    let failures = 0;
    while (!this.stopping) {
      const controller = new AbortController();
      this.subscription = controller;
      try {
        if (!this.loaded) {
          this.current = await checkpoints.load(name);
          this.loaded = true;
        }
        for await (const batch of store.subscribeToAll({
          fromPosition: this.current,
          maxBatchSize,
          signal: controller.signal,
        })) {
          if (batch.length === 0) continue;
          // Another copy may be handling these events now: never without the lease.
          if (this.options.holdsLease && !this.options.holdsLease()) throw new Error('the lease is not held; not handling');
          const started = performance.now();
          await handle(batch);
          const last = batch[batch.length - 1].position;
          await checkpoints.save(name, last);
          this.options.onBatch?.(batch.length, (performance.now() - started) / 1000);
          this.advance(last);
          failures = 0;
          if (this.stopping) break;
        }
        if (!this.stopping) {
          // Only a closed store ends a subscription without an abort: nothing more will come.
          this.logger.warn?.(`Catch-up worker ${name}: the store ended the subscription; stopping`);
          break;
        }
      } catch (error) {
        if (this.stopping) break;
        failures += 1;
        const delay = this.backoff(failures);
        const err = error instanceof Error ? error : new Error(String(error));
        this.logger.error(
          `Catch-up worker ${name}: ${err.message}; retrying from position ${this.position} in ${delay} ms (failure ${failures})`,
          err.stack,
        );
        await this.sleep(delay);
      } finally {
        controller.abort();
      }
    }
    this.subscription = undefined;
  }

  private advance(position: bigint): void {
    this.current = position;
    for (const waiter of [...this.waiters]) {
      if (position >= waiter.target) waiter.resolve(true);
    }
  }

  private backoff(failures: number): number {
    const initial = this.options.retry?.initialDelayMs ?? 100;
    const max = this.options.retry?.maxDelayMs ?? 30_000;
    return Math.min(max, initial * 2 ** Math.min(failures - 1, 30));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    }).finally(() => {
      this.wakeSleep = undefined;
    });
  }
}
