/**
 * Progress of a long run on stderr, so stdout stays clean for results. On a terminal: one
 * bar redrawn in place (count/total, percentage, rate); elsewhere (CI logs, pipes): a plain
 * line every `intervalMs`. Nothing is printed for runs shorter than the first interval.
 */
export interface ProgressOptions {
  readonly total?: number;
  readonly stream?: NodeJS.WriteStream;
  /** Default: 100 ms on a terminal, 2 s otherwise. */
  readonly intervalMs?: number;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly started = Date.now();
  private lastDraw: number;
  private count = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private total?: number,
    options: Omit<ProgressOptions, 'total'> = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.intervalMs = options.intervalMs ?? (this.tty ? 100 : 2000);
    this.lastDraw = this.started;
  }

  /** Sets the running count; cheap enough to call for every item. */
  update(count: number, total?: number): void {
    this.count = count;
    if (total !== undefined) this.total = total;
    const now = Date.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(now);
  }

  /** Final state: the bar (if one was drawn) ends its line. */
  done(): void {
    if (this.drawn) {
      this.draw(Date.now());
      if (this.tty) this.stream.write('\n');
    }
  }

  private draw(now: number): void {
    this.drawn = true;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = Math.round(this.count / seconds).toLocaleString('en-US');
    const total = this.total !== undefined && this.total > 0 ? this.total : undefined;
    const counts = total !== undefined ? `${this.count.toLocaleString('en-US')}/${total.toLocaleString('en-US')}` : this.count.toLocaleString('en-US');
    const percent = total !== undefined ? Math.min(100, Math.floor((this.count / total) * 100)) : undefined;
    if (!this.tty) {
      this.stream.write(`${this.label}: ${counts}${percent !== undefined ? ` (${percent}%)` : ''}, ${rate}/s\n`);
      return;
    }
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 60));
    const filled = percent !== undefined ? Math.round((percent / 100) * width) : 0;
    const bar = percent !== undefined ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ` : '';
    this.stream.write(`\r\x1b[2K${this.label} ${bar}${counts} ${rate}/s`);
  }
}
