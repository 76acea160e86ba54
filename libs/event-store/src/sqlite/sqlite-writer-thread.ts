import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StoreHealth } from '../event-store.port';
import type { ToWriterMessage, WriterAppend, WriterData, WriterMessage, WriterResult } from './sqlite-writer';

export interface SqliteWriterThreadOptions extends WriterData {
  /** Deaths in a row, with no commit in between, after which the thread is not started again (default 3). */
  readonly maxRestarts?: number;
  /** The answers of one commit, and how long the thread took to commit them. */
  readonly onResults: (results: readonly WriterResult[], commitSeconds: number) => void;
  /** The thread died: the appends it had not answered, which the store settles from what the file holds. */
  readonly onDeath: (unanswered: readonly WriterAppend[], reason: string) => void;
}

/**
 * The main thread's side of the SQLite writer thread (sqlite-writer.worker.ts). If the thread
 * dies (an uncaught error, a native failure, terminate()), a new one is started at once: the
 * store first settles the appends the dead one had not answered from the file, so a restart
 * never reports a committed append as failed or the reverse. After `maxRestarts` deaths in a
 * row with no commit in between it stays down, and `health` says so (the process needs a restart).
 */
export class SqliteWriterThread {
  private worker!: Worker;
  private state: 'running' | 'restarting' | 'failed' | 'closing' | 'closed' = 'running';
  private readonly unanswered = new Map<number, WriterAppend>();
  private readonly maxRestarts: number;
  private deathsInARow = 0;
  private lastFailure: string | undefined;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;

  constructor(private readonly options: SqliteWriterThreadOptions) {
    this.maxRestarts = options.maxRestarts ?? 3;
    this.spawn();
  }

  /** Why appends cannot be written now, if they cannot. */
  get health(): StoreHealth {
    switch (this.state) {
      case 'running':
        return { writable: true };
      case 'restarting':
        return { writable: false, code: 'STORE.WRITER_STOPPED', detail: 'The event store writer thread stopped and is being restarted' };
      case 'failed':
        return {
          writable: false,
          code: 'STORE.WRITER_FAILED',
          detail: `The event store writer thread stopped ${this.deathsInARow} times in a row and is not restarted: restart the service`,
        };
      default:
        return { writable: false, code: 'STORE.CLOSED', detail: 'The event store is closed' };
    }
  }

  /** True once the thread died too often to be started again. */
  get gaveUp(): boolean {
    return this.state === 'failed';
  }

  /** Hands appends to the thread (a restarting thread takes them once it runs). */
  send(items: readonly WriterAppend[]): void {
    for (const item of items) this.unanswered.set(item.seq, item);
    // A thread with appends under way keeps the process alive; an idle one does not.
    if (this.unanswered.size === items.length) this.worker.ref();
    this.post({ kind: 'append', items });
  }

  /** Asks the thread to write what it has and close its connection; resolves once it has stopped. */
  async close(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return this.closedPromise;
    if (this.state === 'failed') {
      // No thread left to stop.
      this.state = 'closed';
      return;
    }
    this.state = 'closing';
    this.closedPromise = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    this.worker.ref();
    this.post({ kind: 'close' });
    await this.closedPromise;
  }

  private post(message: ToWriterMessage): void {
    this.worker.postMessage(message);
  }

  private spawn(): void {
    const workerData: WriterData = { path: this.options.path, busyTimeoutMs: this.options.busyTimeoutMs };
    const worker = new Worker(WRITER_ENTRY.filename, { workerData, execArgv: WRITER_ENTRY.execArgv });
    this.worker = worker;
    worker.on('message', (message: WriterMessage) => {
      if (worker !== this.worker) return;
      switch (message.kind) {
        case 'ready':
          if (this.state === 'restarting') this.state = 'running';
          break;
        case 'results':
          this.answered(message.results, message.commitSeconds);
          break;
        case 'failed':
          this.lastFailure = message.message;
          break;
        case 'closed':
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (error) => {
      if (worker === this.worker) this.lastFailure = error.message;
    });
    worker.on('exit', () => {
      if (worker === this.worker) this.exited();
    });
    worker.unref();
  }

  private answered(results: readonly WriterResult[], commitSeconds: number): void {
    for (const result of results) this.unanswered.delete(result.seq);
    if (results.some((result) => result.ok)) this.deathsInARow = 0;
    if (this.unanswered.size === 0) this.worker.unref();
    this.options.onResults(results, commitSeconds);
  }

  private exited(): void {
    if (this.state === 'closing') {
      this.state = 'closed';
      this.resolveClosed?.();
      return;
    }
    const lost = [...this.unanswered.values()];
    this.unanswered.clear();
    this.deathsInARow += 1;
    const reason = `the SQLite writer thread stopped${this.lastFailure ? ` (${this.lastFailure})` : ''}`;
    this.lastFailure = undefined;
    if (this.deathsInARow > this.maxRestarts) {
      this.state = 'failed';
    } else {
      this.state = 'restarting';
      this.spawn();
    }
    this.options.onDeath(lost, reason);
  }
}

/**
 * The thread's file: built (dist/, `npm run build`), the compiled JavaScript beside this module;
 * run from the TypeScript sources (ts-jest), the .ts file, transpiled by scripts/register-ts.js.
 */
const WRITER_ENTRY: { readonly filename: string; readonly execArgv?: string[] } = __filename.endsWith('.ts')
  ? {
      filename: join(__dirname, 'sqlite-writer.worker.ts'),
      execArgv: ['--require', join(__dirname, '..', '..', '..', '..', 'scripts', 'register-ts.js')],
    }
  : { filename: join(__dirname, 'sqlite-writer.worker.js') };
