import { describe, it } from 'node:test';
import { expect } from 'expect';
import { isLocalHostHeader } from './server';

describe('console: the Host a local caller must name', () => {
  it('accepts loopback names with any port, refuses other names (a DNS name rebound to 127.0.0.1)', () => {
    for (const host of [
      'localhost:8090',
      'localhost',
      '127.0.0.1:8090',
      '127.1.2.3',
      '[::1]:8090',
      'app.localhost:8090',
    ])
      expect([host, isLocalHostHeader(host)]).toEqual([host, true]);
    for (const host of [
      undefined,
      '',
      'attacker.example:8090',
      '127.0.0.1.attacker.example',
      '10.0.0.1:8090',
      'localhost.attacker.example',
    ])
      expect([host, isLocalHostHeader(host)]).toEqual([host, false]);
  });
});
