import { expect } from 'expect';
import { describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { renderOpenMetrics, wantsOpenMetrics } from './openmetrics';

function registry() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'test-service' });
  const orders = new Counter({
    name: 'orders_total',
    help: 'Orders "by" status\\reason',
    labelNames: ['status'],
    registers: [registry],
  });
  const stock = new Gauge({
    name: 'menu_stock',
    help: 'Stock',
    labelNames: ['menu_id'],
    registers: [registry],
  });
  // Label names typed as string: prom-client types exemplar labels as the metric's own label names.
  const latency = new Histogram<string>({
    name: 'latency_seconds',
    help: 'Latency',
    labelNames: ['route'],
    buckets: [0.1, 1],
    registers: [],
    enableExemplars: true,
  });
  registry.registerMetric(latency);
  orders.inc({ status: 'CONFIRMED' }, 2);
  stock.set({ menu_id: '1' }, 7);
  latency.observe({
    labels: { route: '/orders/:id' },
    value: 0.05,
    exemplarLabels: { trace_id: 'a'.repeat(32) },
  });
  latency.observe({
    labels: { route: '/orders/:id' },
    value: 3,
    exemplarLabels: { trace_id: 'b'.repeat(32) },
  });
  latency.observe({ labels: { route: '/orders/:id' }, value: 0.5, exemplarLabels: {} });
  return registry;
}

describe('OpenMetrics rendering', () => {
  it('names counter families without _total, samples with it, and ends with # EOF', async () => {
    const text = await renderOpenMetrics(registry());
    expect(text).toContain('# TYPE orders counter\n');
    expect(text).toContain('# HELP orders Orders \\"by\\" status\\\\reason\n');
    expect(text).toContain('orders_total{status="CONFIRMED",service="test-service"} 2\n');
    expect(text).toContain('menu_stock{menu_id="1",service="test-service"} 7\n');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
  });

  it('puts each exemplar on the bucket its value fell in, with a timestamp', async () => {
    const lines = (await renderOpenMetrics(registry())).split('\n');
    const bucket = (le: string) => lines.find((line) => line.startsWith(`latency_seconds_bucket{le="${le}"`));
    expect(bucket('0.1')).toMatch(
      new RegExp(
        `^latency_seconds_bucket\\{le="0\\.1",route="/orders/:id",service="test-service"\\} 1 # \\{trace_id="a{32}"\\} 0\\.05 \\d+\\.\\d{3}$`,
      ),
    );
    // 0.5 had no trace: the bucket keeps no exemplar rather than an empty one.
    expect(bucket('1')).toBe('latency_seconds_bucket{le="1",route="/orders/:id",service="test-service"} 2');
    expect(bucket('+Inf')).toMatch(/ 3 # \{trace_id="b{32}"\} 3 \d+\.\d{3}$/);
    expect(lines).toContain('latency_seconds_count{route="/orders/:id",service="test-service"} 3');
  });

  it('leaves the Prometheus text format untouched (prom-client would rename counters in place)', async () => {
    const reg = registry();
    await renderOpenMetrics(reg);
    const text = await reg.metrics();
    expect(text).toContain('# TYPE orders_total counter');
    expect(text).toContain('orders_total{status="CONFIRMED",service="test-service"} 2');
    expect(text).not.toContain('trace_id');
  });

  it('negotiates on the Accept header', () => {
    expect(wantsOpenMetrics(undefined)).toBe(false);
    expect(wantsOpenMetrics('text/plain;version=0.0.4;q=1,*/*;q=0.1')).toBe(false);
    expect(
      wantsOpenMetrics(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toBe(true);
    expect(wantsOpenMetrics('application/openmetrics-text;q=0')).toBe(false);
  });
});
