import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { lockTimings, setSpanAttributes, withSpan } from './span-attributes';

describe('span helpers', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  before(() => trace.setGlobalTracerProvider(provider));
  after(() => provider.shutdown());

  it('records domain attributes, lock wait and hold on the span, and leaves 4xx outcomes un-failed', async () => {
    exporter.reset();
    await withSpan('inventory.reserve', { 'inventory.operation': 'reserve' }, (span) => {
      setSpanAttributes({ 'order.id': '42', 'menu.id': [1, 2], 'payment.outcome': undefined }, span);
      lockTimings.acquired(span, 3.14159);
      lockTimings.released(span, 12.5);
      return Promise.resolve();
    });
    const conflict = Object.assign(new Error('Not enough stock'), {
      code: 'INSUFFICIENT_STOCK',
      getStatus: () => 409,
    });
    await expect(withSpan('inventory.decrease', {}, () => Promise.reject(conflict))).rejects.toBe(conflict);
    await expect(withSpan('inventory.release', {}, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );

    const [reserve, decrease, release] = exporter.getFinishedSpans();
    expect(reserve.attributes).toMatchObject({
      'inventory.operation': 'reserve',
      'order.id': '42',
      'menu.id': [1, 2],
      'inventory.lock.wait_ms': 3.14,
      'inventory.lock.hold_ms': 12.5,
    });
    expect('payment.outcome' in reserve.attributes).toBe(false);
    expect(reserve.events.map((event) => event.name)).toEqual([
      'inventory.lock.acquired',
      'inventory.lock.released',
    ]);
    expect([decrease.status.code, decrease.attributes['error.code']]).toEqual([0, 'INSUFFICIENT_STOCK']);
    expect(release.status.code).toBe(2);
    expect(release.events.map((event) => event.name)).toEqual(['exception']);
  });
});
