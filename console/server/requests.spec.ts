import { describe, it } from 'node:test';
import { expect } from 'expect';
import { checkAgainstSchema, type JsonSchema } from '../shared/knob-schema';
import {
  ConsoleError,
  instanceParam,
  knobBody,
  knobName,
  MAX_BODY_BYTES,
  resultPath,
  serviceName,
  trafficMix,
  trafficRate,
} from './requests';

/** The shape of the delay knob's schema as `GET /chaos` publishes it. */
const DELAY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['delay_ms'],
  properties: {
    delay_ms: { type: 'number', minimum: 0, maximum: 60000 },
    percent: { type: 'number', minimum: 0, maximum: 100 },
    routes: { type: 'array', items: { type: 'string', maxLength: 8 }, nullable: true, maxItems: 2 },
    mode: { type: 'string', enum: ['fixed', 'jitter'] },
  },
};

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConsoleError)
      return { status: error.statusCode, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('accepted');
};

describe('console input validation', () => {
  it('checks knob bodies against the published schema: bounds, types, enums, unknown fields', () => {
    expect(checkAgainstSchema(DELAY, { delay_ms: 500, percent: 100, routes: null, mode: 'fixed' })).toEqual(
      [],
    );
    expect(checkAgainstSchema(DELAY, { delay_ms: 60001 })).toEqual(['delay_ms must be at most 60000']);
    expect(checkAgainstSchema(DELAY, { delay_ms: -1 })).toEqual(['delay_ms must be at least 0']);
    expect(checkAgainstSchema(DELAY, { delay_ms: '5' })).toEqual(['delay_ms must be number']);
    expect(checkAgainstSchema(DELAY, {})).toEqual(['delay_ms is required']);
    expect(checkAgainstSchema(DELAY, { delay_ms: 1, mode: 'slow' })).toEqual([
      'mode must be one of fixed, jitter',
    ]);
    expect(checkAgainstSchema(DELAY, { delay_ms: 1, extra: 1 })).toEqual(['extra is not a known field']);
    expect(checkAgainstSchema(DELAY, { delay_ms: 1, routes: ['/a', '/b', '/c'] })).toEqual([
      'routes must have at most 2 items',
    ]);
    expect(checkAgainstSchema(DELAY, { delay_ms: 1, routes: ['/toolong/x'] })).toEqual([
      'routes[0] must have at most 8 characters',
    ]);
    expect(checkAgainstSchema({ type: 'integer', maximum: 3 }, 1.5)).toEqual(['body must be integer']);
  });

  it('refuses a knob body that is not a small JSON object, or breaks the schema, before forwarding it', () => {
    expect(knobBody('{"delay_ms": 100}', DELAY)).toEqual({ delay_ms: 100 });
    expect(refusal(() => knobBody('{"delay_ms": 100000}', DELAY))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'delay_ms must be at most 60000',
    });
    expect(refusal(() => knobBody('not json', DELAY)).status).toBe(400);
    expect(refusal(() => knobBody('[1]', DELAY)).status).toBe(400);
    expect(refusal(() => knobBody(' '.repeat(MAX_BODY_BYTES + 1), DELAY)).status).toBe(413);
    expect(refusal(() => knobBody('{}', undefined))).toMatchObject({
      status: 404,
      code: 'CHAOS_KNOB_NOT_FOUND',
    });
  });

  it('accepts only known services and bounded knob and instance names', () => {
    expect(serviceName('user-service', ['user-service'])).toBe('user-service');
    expect(refusal(() => serviceName('admin', ['user-service'])).status).toBe(404);
    expect(knobName('delay')).toBe('delay');
    for (const bad of ['', 'Delay', '../x', 'a'.repeat(65), 'de lay'])
      expect(refusal(() => knobName(bad)).status).toBe(400);
    expect(instanceParam(null)).toBeNull();
    expect(instanceParam('user-service-2')).toBe('user-service-2');
    expect(refusal(() => instanceParam('a/b')).status).toBe(400);
    expect(refusal(() => instanceParam('x'.repeat(65))).status).toBe(400);
  });

  it('bounds the traffic rate and mix as the generator does', () => {
    expect(trafficRate('{"rate": 20}')).toEqual({ rate: 20 });
    expect(refusal(() => trafficRate('{"rate": 201}')).message).toBe('rate must be at most 200');
    expect(refusal(() => trafficRate('{"rate": "5"}')).status).toBe(400);
    expect(refusal(() => trafficRate('{"rate": 5, "x": 1}')).status).toBe(400);
    expect(trafficMix('{"mix": {"order": 50}}', ['order', 'browse'])).toEqual({ mix: { order: 50 } });
    expect(trafficMix('{"mix": {"order-cancel": 5, "bad-input": 0}}', ['order-cancel', 'bad-input'])).toEqual(
      {
        mix: { 'order-cancel': 5, 'bad-input': 0 },
      },
    );
    expect(refusal(() => trafficMix('{"mix": {"hack": 50}}', ['order'])).status).toBe(400);
    expect(refusal(() => trafficMix('{"mix": {"order": 1001}}', ['order'])).status).toBe(400);
    expect(refusal(() => trafficMix('{"mix": {}}', ['order'])).status).toBe(400);
  });

  it('serves only the files a run writes, never a path outside results/', () => {
    expect(resultPath('payment-failure-2026-12-07T03-00-00', 'report.html')).toEqual({
      run: 'payment-failure-2026-12-07T03-00-00',
      file: 'report.html',
    });
    for (const [run, file] of [
      ['..', 'report.html'],
      ['a..b', 'report.html'],
      ['run', '../../etc/passwd'],
      ['run', 'logs/../../x.log'],
      ['.hidden', 'summary.json'],
    ])
      expect(refusal(() => resultPath(run, file)).status).toBe(404);
  });
});
