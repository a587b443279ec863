import { expect } from 'expect';
import { describe, it } from 'node:test';
import { exportsTraces } from './tracing';

describe('trace export switch', () => {
  it('exports only when an exporter or an OTLP endpoint is configured', () => {
    expect(exportsTraces({})).toBe(false);
    expect(exportsTraces({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://alloy:4318' })).toBe(true);
    expect(exportsTraces({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://alloy:4318/v1/traces' })).toBe(true);
    expect(
      exportsTraces({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://alloy:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBe(false);
    expect(exportsTraces({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });
});
