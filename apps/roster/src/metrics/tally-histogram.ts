/** One series: its labels, and whether it is reported before its first observation. */
export interface TallySeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Left out of the scrape until observed (a kind of request most deployments never send). */
  readonly onceObserved?: boolean;
}

/** One line of the scrape, as prom-client's Registry formats a metric's `get()`. */
interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

/**
 * A histogram for a hot path, registered in a prom-client Registry like any metric: `observe`
 * only compares and adds into arrays made once (prom-client's own observe builds a label
 * object and a hash per call). The series and their labels are fixed at creation; the
 * scrape reads the tallies. `aggregator: 'sum'` lets prom-client's AggregatorRegistry add up the
 * processes of a cluster.
 */
export class TallyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array[];
  private readonly sums: Float64Array;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly series: readonly TallySeries[],
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = series.map(() => new Float64Array(upperBounds.length + 1));
    this.sums = new Float64Array(series.length);
  }

  /** `series`: the index of the series in `series`. */
  observe(series: number, seconds: number): void {
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++;
    this.counts[series][bucket] += 1;
    this.sums[series] += seconds;
  }

  /** Observations of one series so far (tests, and the counter beside it). */
  count(series: number): number {
    return this.counts[series].reduce((total, n) => total + n, 0);
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    this.series.forEach(({ labels, onceObserved }, series) => {
      if (onceObserved && this.count(series) === 0) return;
      const counts = this.counts[series];
      let cumulative = 0;
      this.upperBounds.forEach((bound, bucket) => {
        cumulative += counts[bucket];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
      });
      cumulative += counts[this.upperBounds.length];
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
      values.push({ metricName: `${this.name}_sum`, labels, value: this.sums[series] });
      values.push({ metricName: `${this.name}_count`, labels, value: cumulative });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const counts of this.counts) counts.fill(0);
    this.sums.fill(0);
  }
}
