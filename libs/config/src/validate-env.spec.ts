import { expect } from 'expect';
import { describe, it } from 'node:test';
import { BaseEnv } from './base-env';
import { EnvValidationError, validateEnv } from './validate-env';

describe('validateEnv', () => {
  it('applies defaults and converts strings to numbers and booleans', () => {
    const env = validateEnv(BaseEnv, { PORT: '8001', REDIS_REQUIRED: 'false', DATABASE_POOL_MAX: '' }, 'svc');
    expect(env.PORT).toBe(8001);
    expect(env.REDIS_REQUIRED).toBe(false);
    expect(env.DATABASE_POOL_MAX).toBe(10); // empty string counts as unset
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/food_delivery');
    expect(env.redisEnabled).toBe(true);
  });

  it('treats REDIS_URL=off as Redis disabled', () => {
    expect(validateEnv(BaseEnv, { REDIS_URL: 'off' }).redisEnabled).toBe(false);
  });

  it('fails with one readable line per bad variable, naming the value it got', () => {
    let error: unknown;
    try {
      validateEnv(
        BaseEnv,
        { PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DATABASE_POOL_MAX: '5000' },
        'user-service',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    const message = (error as Error).message;
    expect(message.split('\n')[0]).toBe('Invalid configuration for user-service:');
    expect(message).toMatch(/- PORT: .*integer.*\(got "eighty"\)/);
    expect(message).toMatch(/- DATABASE_URL: DATABASE_URL must be a postgres:\/\/ URL \(got "mysql:\/\/x"\)/);
    expect(message).toMatch(/- LOG_LEVEL: .*\(got "loud"\)/);
    expect(message).toMatch(/- DATABASE_POOL_MAX: .*not be greater than 200/);
    expect((error as EnvValidationError).problems).toHaveLength(4);
  });

  it('listens on loopback unless HOST says otherwise', () => {
    const env = validateEnv(BaseEnv, {});
    expect([env.HOST, env.MANAGEMENT_HOST, env.listensOnLoopbackOnly]).toEqual([
      '127.0.0.1',
      '127.0.0.1',
      true,
    ]);
    expect(validateEnv(BaseEnv, { HOST: '' }).HOST).toBe('127.0.0.1');
  });

  it('refuses production beyond loopback with chaos on and no CHAOS_API_KEY, the management listener too', () => {
    const production = { NODE_ENV: 'production' };
    const starting = (env: Record<string, string>) => () =>
      validateEnv(BaseEnv, { ...production, ...env }, 'svc');
    expect(starting({ HOST: '0.0.0.0' })).toThrow(
      /CHAOS_API_KEY: required in production when the service listens beyond loopback \(HOST=0\.0\.0\.0\)/,
    );
    // /chaos is served on the management listener too: a pod's MANAGEMENT_HOST=0.0.0.0 exposes it.
    expect(starting({ MANAGEMENT_PORT: '9090', MANAGEMENT_HOST: '0.0.0.0' })).toThrow(
      /beyond loopback \(MANAGEMENT_HOST=0\.0\.0\.0\)/,
    );
    const fine: Record<string, string>[] = [
      {},
      { HOST: '127.0.0.1', MANAGEMENT_HOST: '0.0.0.0' }, // no MANAGEMENT_PORT: no such listener
      { HOST: '0.0.0.0', CHAOS_API_KEY: 'a-chaos-key-0123' },
      { HOST: '0.0.0.0', CHAOS_ENABLED: 'false' },
    ];
    for (const env of fine) expect(starting(env)).not.toThrow();
    expect(() => validateEnv(BaseEnv, { HOST: '0.0.0.0' })).not.toThrow(); // outside production the rule does not apply
  });
});
