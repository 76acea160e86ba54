import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { RosterMetrics } from './roster-metrics';
import { TallyHistogram } from './tally-histogram';

describe('TallyHistogram', () => {
  it('reads as a Prometheus histogram: cumulative buckets, +Inf, sum and count per series', async () => {
    const histogram = new TallyHistogram('t_seconds', 'test', [{ labels: { outcome: 'allowed' } }, { labels: { outcome: 'denied' } }], [0.001, 0.01]);
    histogram.observe(0, 0.0005);
    histogram.observe(0, 0.001); // on a bound: counted in it (le)
    histogram.observe(0, 0.005);
    histogram.observe(1, 1);
    const { values, type } = await histogram.get();
    expect(type).toBe('histogram');
    const of = (name: string, outcome: string, le?: string | number) =>
      values.find((v) => v.metricName === name && v.labels.outcome === outcome && v.labels.le === le)?.value;
    expect([of('t_seconds_bucket', 'allowed', 0.001), of('t_seconds_bucket', 'allowed', 0.01), of('t_seconds_bucket', 'allowed', '+Inf')]).toEqual([2, 3, 3]);
    expect([of('t_seconds_bucket', 'denied', 0.01), of('t_seconds_bucket', 'denied', '+Inf'), of('t_seconds_count', 'denied')]).toEqual([0, 1, 1]);
    expect(of('t_seconds_sum', 'allowed')).toBeCloseTo(0.0065);
    expect([histogram.count(0), histogram.count(1)]).toEqual([3, 1]);
  });
});

describe('RosterMetrics', () => {
  it('registers the tallied permission check in its registry, in the text format a parser reads', async () => {
    const metrics = new RosterMetrics(true);
    metrics.permissionCheck!(true, 0.000002);
    metrics.permissionCheck!(false, 0.00002);
    metrics.permissionCheck!(false, 0.00002);
    const { body } = await metrics.scrape();
    const checks = parsePrometheusTextFormat(body).find((family) => family.name === 'roster_permission_checks_total')!;
    expect(checks.type).toBe('COUNTER');
    expect(checks.metrics.map((m) => [m.labels?.outcome, m.value])).toEqual([
      ['allowed', '1'],
      ['denied', '2'],
    ]);
  });

  it('counts checks at a past instant under the same families with kind="at", shown once there is one', async () => {
    const metrics = new RosterMetrics(true);
    metrics.permissionCheck!(true, 0.000002);
    const families = async () => parsePrometheusTextFormat((await metrics.scrape()).body);
    const series = async (name: string) => (await families()).find((family) => family.name === name)!.metrics.map((m) => m.labels);
    expect(await series('roster_permission_checks_total')).toEqual([{ outcome: 'allowed' }, { outcome: 'denied' }]);
    metrics.permissionCheckAt!(false, 0.001);
    metrics.permissionCheckAt!(false, 0.002);
    const checks = (await families()).find((family) => family.name === 'roster_permission_checks_total')!;
    expect(checks.metrics.map((m) => [m.labels, m.value])).toEqual([
      [{ outcome: 'allowed' }, '1'],
      [{ outcome: 'denied' }, '0'],
      [{ outcome: 'denied', kind: 'at' }, '2'],
    ]);
    const { body } = await metrics.scrape();
    expect(body).toContain('roster_permission_check_duration_seconds_count{outcome="allowed"} 1\n');
    expect(body).toContain('roster_permission_check_duration_seconds_count{outcome="denied",kind="at"} 2\n');
    expect(body).not.toContain('roster_permission_check_duration_seconds_count{outcome="allowed",kind="at"}');
  });

  it('turned off, gives the adapters no observers and counts nothing', async () => {
    const metrics = new RosterMetrics(false);
    expect(metrics.groupCommit).toBeUndefined();
    expect(metrics.permissionCheck).toBeUndefined();
    expect(metrics.permissionCheckAt).toBeUndefined();
    expect(metrics.batches('projection')).toBeUndefined();
    metrics.commandEnded('CreateOrganization', 'accepted', undefined, 0.01);
    metrics.rateLimitRefused();
    expect((await metrics.scrape()).body).not.toMatch(/^roster_commands_total\{/m);
    expect((await metrics.scrape()).body).not.toContain('process_cpu');
  });
});
