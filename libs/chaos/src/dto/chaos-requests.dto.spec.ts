import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  ProbeInventoryDelayDto as ChaosInventoryDelayDto,
  ProbePaymentFailDto as ChaosPaymentFailDto,
} from '../../test/probe-knobs';
import { ChaosDelayDto, ChaosErrorDto } from './chaos-requests.dto';

/** Nested bodies (match) report their problems on the children, as the global pipe flattens them. */
const messages = (error: ValidationError): string[] => [
  ...Object.values(error.constraints ?? {}),
  ...(error.children ?? []).flatMap(messages),
];

/** Same options as the global ValidationPipe (whitelist + forbidNonWhitelisted, no implicit conversion). */
function problems<T extends object>(dto: ClassConstructor<T>, body: object): string[] {
  const instance = plainToInstance(dto, body, { enableImplicitConversion: false });
  return validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  }).flatMap(messages);
}

describe('chaos request bounds', () => {
  it("accepts the spec's bodies and full bodies", () => {
    expect(problems(ChaosDelayDto, { delay_ms: 1500 })).toEqual([]);
    expect(problems(ChaosErrorDto, { enable: true })).toEqual([]);
    expect(problems(ChaosInventoryDelayDto, { delay_ms: 3000 })).toEqual([]);
    expect(problems(ChaosPaymentFailDto, { fail_percent: 30 })).toEqual([]);
    expect(
      problems(ChaosDelayDto, {
        delay_ms: 60000,
        jitter_ms: 60000,
        routes: Array.from({ length: 20 }, (_, i) => `/r${i}/**`),
        percent: 12.5,
        ttl_s: 86400,
        instance: 'user-service-2',
      }),
    ).toEqual([]);
    expect(problems(ChaosErrorDto, { enable: false, percent: 0, status: 599, ttl_s: 1 })).toEqual([]);
    expect(problems(ChaosDelayDto, { delay_ms: 0 })).toEqual([]);
    expect(problems(ChaosPaymentFailDto, { fail_percent: 100, match: { user_id: [42] } })).toEqual([]);
    expect(
      problems(ChaosInventoryDelayDto, { delay_ms: 1, match: { menu_id: [3, 4], user_id: [1] } }),
    ).toEqual([]);
  });

  const rejected: [string, ClassConstructor<object>, object, RegExp][] = [
    ['negative delay', ChaosDelayDto, { delay_ms: -1 }, /delay_ms must not be less than 0/],
    ['delay over 60 s', ChaosDelayDto, { delay_ms: 60001 }, /delay_ms must not be greater than 60000/],
    ['fractional delay', ChaosDelayDto, { delay_ms: 1.5 }, /delay_ms must be an integer/],
    ['delay as a string', ChaosDelayDto, { delay_ms: '1500' }, /delay_ms must be an integer/],
    ['missing delay', ChaosDelayDto, {}, /delay_ms/],
    ['jitter over 60 s', ChaosDelayDto, { delay_ms: 1, jitter_ms: 60001 }, /jitter_ms must not be greater/],
    [
      'percent over 100',
      ChaosDelayDto,
      { delay_ms: 1, percent: 101 },
      /percent must not be greater than 100/,
    ],
    ['negative percent', ChaosErrorDto, { enable: true, percent: -1 }, /percent must not be less than 0/],
    ['ttl 0', ChaosDelayDto, { delay_ms: 1, ttl_s: 0 }, /ttl_s must not be less than 1/],
    ['ttl over a day', ChaosDelayDto, { delay_ms: 1, ttl_s: 86401 }, /ttl_s must not be greater than 86400/],
    ['empty routes', ChaosDelayDto, { delay_ms: 1, routes: [] }, /at least one pattern/],
    [
      '21 routes',
      ChaosDelayDto,
      { delay_ms: 1, routes: Array.from({ length: 21 }, (_, i) => `/r${i}`) },
      /routes must contain no more than 20/,
    ],
    [
      'a relative route',
      ChaosDelayDto,
      { delay_ms: 1, routes: ['/ok', 'users'] },
      /start with "\/".*"users"/,
    ],
    ['a "**" inside a segment', ChaosErrorDto, { enable: true, routes: ['/a**'] }, /whole segment/],
    ['a route that is not a string', ChaosErrorDto, { enable: true, routes: [42] }, /must be a string/],
    ['routes as a string', ChaosErrorDto, { enable: true, routes: '/users' }, /routes must be an array/],
    ['a bad instance', ChaosDelayDto, { delay_ms: 1, instance: 'user 2' }, /instance must be 1-64 chars/],
    ['enable as a string', ChaosErrorDto, { enable: 'true' }, /enable must be a boolean/],
    ['status 499', ChaosErrorDto, { enable: true, status: 499 }, /status must not be less than 500/],
    ['status 600', ChaosErrorDto, { enable: true, status: 600 }, /status must not be greater than 599/],
    ['fail_percent 101', ChaosPaymentFailDto, { fail_percent: 101 }, /fail_percent must not be greater/],
    ['inventory delay too long', ChaosInventoryDelayDto, { delay_ms: 60001 }, /delay_ms must not be greater/],
    ['an unknown field', ChaosDelayDto, { delay_ms: 1, delay: 5 }, /property delay should not exist/],
    [
      'jitter on inventory_delay',
      ChaosInventoryDelayDto,
      { delay_ms: 1, jitter_ms: 5 },
      /jitter_ms should not exist/,
    ],
    [
      'an empty match list',
      ChaosPaymentFailDto,
      { fail_percent: 1, match: { user_id: [] } },
      /user_id must contain at least 1/,
    ],
    [
      'a match id as a string',
      ChaosPaymentFailDto,
      { fail_percent: 1, match: { menu_id: ['3'] } },
      /menu_id must be an integer/,
    ],
    [
      'a match id of 0',
      ChaosInventoryDelayDto,
      { delay_ms: 1, match: { menu_id: [0] } },
      /menu_id must not be less than 1/,
    ],
    [
      'an unknown match key',
      ChaosPaymentFailDto,
      { fail_percent: 1, match: { order_id: [1] } },
      /order_id should not exist/,
    ],
    ['match as a list', ChaosPaymentFailDto, { fail_percent: 1, match: [1] }, /match must be an object/],
  ];
  for (const [name, dto, body, message] of rejected) {
    it(`rejects ${name}`, () => {
      expect(problems(dto, body).join('; ')).toMatch(message);
    });
  }
});
