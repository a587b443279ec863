import { describe, it } from 'node:test';
import { expect } from 'expect';
import { counterDelta, histogramQuantile, parseMetrics, Series, snapshotOf, stepOf } from './metrics';

const scrape = (lines: string[]) => `# HELP x\n# TYPE x histogram\n${lines.join('\n')}\n`;

/** A service's /metrics with `fast` requests under 10 ms, `slow` between 0.5 and 1 s, `errors` of them 5xx. */
function serviceText({ fast, slow, errors = 0 }: { fast: number; slow: number; errors?: number }): string {
  const total = fast + slow;
  const h = 'http_server_request_duration_seconds';
  return scrape([
    `${h}_bucket{le="0.01",method="GET",route="/a",status_class="2xx"} ${fast}`,
    `${h}_bucket{le="0.5",method="GET",route="/a",status_class="2xx"} ${fast}`,
    `${h}_bucket{le="1",method="GET",route="/a",status_class="2xx"} ${total - errors}`,
    `${h}_bucket{le="+Inf",method="GET",route="/a",status_class="2xx"} ${total - errors}`,
    `${h}_count{method="GET",route="/a",status_class="2xx"} ${total - errors}`,
    `${h}_bucket{le="0.01",method="GET",route="/a",status_class="5xx"} 0`,
    `${h}_bucket{le="0.5",method="GET",route="/a",status_class="5xx"} 0`,
    `${h}_bucket{le="1",method="GET",route="/a",status_class="5xx"} ${errors}`,
    `${h}_bucket{le="+Inf",method="GET",route="/a",status_class="5xx"} ${errors} # {trace_id="abc"} 0.7 1700000000`,
    `${h}_count{method="GET",route="/a",status_class="5xx"} ${errors}`,
    'orders_total{status="CONFIRMED",reason=""} 7',
    'orders_total{status="FAILED",reason="PAYMENT_FAILED"} 2',
    'process_start_time_seconds 1700000000',
    'nodejs_version_info{version="v22.13.0",major="22",minor="13",patch="0"} 1',
  ]);
}

describe('console metric maths', () => {
  it('parses only the families asked for, with labels, +Inf and exemplars', () => {
    const samples = parseMetrics(serviceText({ fast: 1, slow: 0 }), ['orders_total']);
    expect(samples).toEqual([
      { name: 'orders_total', labels: { status: 'CONFIRMED', reason: '' }, value: 7 },
      { name: 'orders_total', labels: { status: 'FAILED', reason: 'PAYMENT_FAILED' }, value: 2 },
    ]);
    const inf = parseMetrics(serviceText({ fast: 1, slow: 3, errors: 3 }), ['http_server']).filter(
      (sample) => sample.labels.le === '+Inf',
    );
    expect(inf.map((sample) => sample.value)).toEqual([1, 3]);
  });

  it('computes quantiles like histogram_quantile: interpolation inside the bucket, 0 as the first lower bound', () => {
    const buckets = new Map([
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Infinity, 100],
    ]);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.3);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.95);
    // A rank in the +Inf bucket answers the largest finite bound.
    expect(
      histogramQuantile(
        0.99,
        new Map([
          [1, 10],
          [Infinity, 100],
        ]),
      ),
    ).toBe(1);
    expect(
      histogramQuantile(
        0.5,
        new Map([
          [1, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeNull();
    expect(histogramQuantile(0.5, new Map([[1, 3]]))).toBeNull();
  });

  it('counts a counter that went down as reset: its whole value is the growth', () => {
    expect(counterDelta(10, 15)).toBe(5);
    expect(counterDelta(10, 4)).toBe(4);
  });

  it('turns two scrapes into rate, error share and p50/p99 of the step, summed over instances', () => {
    const a0 = snapshotOf(serviceText({ fast: 100, slow: 0 }), 0);
    const a1 = snapshotOf(serviceText({ fast: 180, slow: 20, errors: 10 }), 2000);
    const b0 = snapshotOf(serviceText({ fast: 0, slow: 0 }), 0);
    const b1 = snapshotOf(serviceText({ fast: 0, slow: 0 }), 2000);
    const step = stepOf([
      [a0, a1],
      [b0, b1],
    ])!;
    expect(step.t).toBe(2000);
    expect(step.rate).toBe(50); // 100 requests in 2 s
    expect(step.errorShare).toBeCloseTo(0.1);
    // 80 fast (<10 ms), 20 slow (0.5-1 s): the median is fast, the p99 deep in the slow bucket.
    expect(step.p50).toBeCloseTo(6.25);
    expect(step.p99).toBeCloseTo(975);
    expect(step.orders).toEqual({});
    expect(a1.startedAt).toBe(1700000000);
    expect(a1.nodeVersion).toBe('v22.13.0');
  });

  it('reports no latency and no error share for a step without requests, and the orders of the step', () => {
    const before = snapshotOf(serviceText({ fast: 5, slow: 0 }).replace(' 7\n', ' 3\n'), 0);
    const after = snapshotOf(serviceText({ fast: 5, slow: 0 }), 2000);
    const step = stepOf([[before, after]])!;
    expect(step).toMatchObject({ rate: 0, errorShare: null, p50: null, p99: null });
    expect(step.orders).toEqual({ 'CONFIRMED/': 4 });
    expect(stepOf([])).toBeNull();
  });

  it('keeps the newest points only', () => {
    const series = new Series<number>(3);
    for (let i = 0; i < 5; i++) series.push(i);
    expect(series.all()).toEqual([2, 3, 4]);
  });
});
