import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { request } from './http-client';
import { createTestStack, type TestStack } from './service-harness';
import { startServiceProcess, type ServiceProcess } from './service-process';

describe('startServiceProcess', () => {
  let stack: TestStack;
  let user: ServiceProcess;

  before(async () => {
    stack = await createTestStack('svcproc');
  });
  after(async () => {
    await user?.kill();
    await stack.teardown();
  });

  it('runs a service from its sources as a real process, and SIGKILL ends it', async () => {
    user = await startServiceProcess('user', stack.baseEnv);
    const login = await request(`${user.url}/login`, { body: { username: 'user', password: 'pass' } });
    expect(login.status).toBe(200);
    await user.kill();
    expect(user.child.signalCode).toBe('SIGKILL');
    await expect(fetch(`${user.url}/health/live`)).rejects.toThrow();
  });
});
