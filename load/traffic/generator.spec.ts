import { expect } from 'expect';
import { describe, it } from 'node:test';
import type { HttpAnswer } from '../experiments/http';
import { OP } from '../experiments/workloads';
import { trafficEnv } from './env';
import { failureOf } from './generator';

const answer = (status: number, body?: unknown, error?: string): HttpAnswer => ({
  status,
  body,
  headers: {},
  latencyMs: 1,
  ...(error ? { error } : {}),
});

describe('failureOf: what fails a journey', () => {
  it('no answer, a 5xx or an unexpected 4xx, named by the error code', () => {
    expect(failureOf(OP.menus, answer(0, undefined, 'TIMEOUT'))).toBe('TIMEOUT');
    expect(failureOf(OP.menus, answer(503, { code: 'OVERLOADED' }))).toBe('OVERLOADED');
    expect(failureOf(OP.readOrder, answer(401, { code: 'TOKEN_INVALID' }))).toBe('TOKEN_INVALID');
    expect(failureOf(OP.menus, answer(502, '<html>'))).toBe('HTTP_502');
    expect(failureOf(OP.menus, answer(200, []))).toBeNull();
  });

  it('an order that did not go through, by its failure reason', () => {
    expect(failureOf(OP.order, answer(201, { id: 1, status: 'CONFIRMED' }))).toBeNull();
    // A recorded order answers 201 whatever became of it: the outcome is read from the order, not the status.
    expect(
      failureOf(
        OP.order,
        answer(201, { id: 2, status: 'FAILED', failure_reason: 'PAYMENT_FAILED', payment_status: 'failed' }),
      ),
    ).toBe('PAYMENT_FAILED');
    expect(
      failureOf(OP.order, answer(201, { id: 3, status: 'FAILED', failure_reason: 'OUT_OF_STOCK' })),
    ).toBe('OUT_OF_STOCK');
    expect(
      failureOf(
        OP.order,
        answer(504, {
          code: 'DEPENDENCY_TIMEOUT',
          order: { status: 'FAILED', failure_reason: 'RESERVATION_TIMEOUT' },
        }),
      ),
    ).toBe('DEPENDENCY_TIMEOUT');
  });

  it('calls that must be refused fail when they are not', () => {
    expect(failureOf(OP.cancelAgain, answer(409, { code: 'ORDER_NOT_CANCELLABLE' }))).toBeNull();
    expect(failureOf(OP.cancelAgain, answer(200, {}))).toBe('UNEXPECTED_200');
    expect(failureOf(OP.badOrder, answer(400, { code: 'VALIDATION_FAILED' }))).toBeNull();
    expect(failureOf(OP.badOrder, answer(201, {}))).toBe('UNEXPECTED_201');
    expect(failureOf(OP.badOrder, answer(500, { code: 'INTERNAL_ERROR' }))).toBe('INTERNAL_ERROR');
    expect(failureOf(OP.missingMenu, answer(404, { code: 'MENU_NOT_FOUND' }))).toBeNull();
    expect(failureOf(OP.wrongPassword, answer(401, { code: 'INVALID_CREDENTIALS' }))).toBeNull();
  });
});

describe('trafficEnv', () => {
  it('has working defaults and reads menu lists', () => {
    const env = trafficEnv({ TRAFFIC_MENUS: '1, 2,3', TRAFFIC_RATE: '7.5' });
    expect([env.TRAFFIC_MENUS, env.TRAFFIC_RATE, env.TRAFFIC_HOST, env.TRAFFIC_PORT]).toEqual([
      [1, 2, 3],
      7.5,
      '127.0.0.1',
      8089,
    ]);
  });

  it('fails fast with a readable message', () => {
    let message = '';
    try {
      trafficEnv({ TRAFFIC_RATE: '-1', TRAFFIC_MENUS: '1,x', USER_SERVICE_URL: 'nope' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration for traffic-generator/);
    for (const name of ['TRAFFIC_RATE', 'TRAFFIC_MENUS', 'USER_SERVICE_URL']) expect(message).toContain(name);
  });
});
