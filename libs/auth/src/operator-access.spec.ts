import { expect } from 'expect';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decideOperatorAccess, isLoopbackAddress } from './operator-access';

const surface = {
  header: 'x-chaos-key',
  keyName: 'CHAOS_API_KEY',
  action: 'Changing faults',
  codes: { required: 'CHAOS_KEY_REQUIRED', invalid: 'CHAOS_KEY_INVALID' },
};
const keyDigest = createHash('sha256').update('the-key-0123').digest();
const facts = (more: Partial<Parameters<typeof decideOperatorAccess>[0]>) => ({
  peer: '203.0.113.9',
  trustedPeers: [],
  keyGiven: undefined,
  keyDigest,
  hasBearer: false,
  ...more,
});
const refusal = (decision: ReturnType<typeof decideOperatorAccess>) =>
  'refuse' in decision ? [decision.refuse.getStatus(), decision.refuse.code] : decision;

describe('decideOperatorAccess', () => {
  it('knows loopback in every spelling, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect([address, isLoopbackAddress(address)]).toEqual([address, true]);
    }
    for (const address of [
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '::2',
      '0.0.0.0',
      '128.0.0.1',
      undefined,
      'localhost',
    ]) {
      expect([address, isLoopbackAddress(address)]).toEqual([address, false]);
    }
  });

  it('lets local callers in without anything, and trusted peers too', () => {
    expect(decideOperatorAccess(facts({ peer: '127.0.0.1' }), surface)).toEqual({ grant: 'local' });
    expect(decideOperatorAccess(facts({ peer: '::1', keyDigest: null }), surface)).toEqual({
      grant: 'local',
    });
    expect(
      decideOperatorAccess(facts({ peer: '172.28.0.1', trustedPeers: ['172.28.0.1'] }), surface),
    ).toEqual({ grant: 'local' });
  });

  it('asks remote callers for the key or a token', () => {
    expect(refusal(decideOperatorAccess(facts({}), surface))).toEqual([401, 'CHAOS_KEY_REQUIRED']);
    expect(decideOperatorAccess(facts({ keyGiven: 'the-key-0123' }), surface)).toEqual({ grant: 'key' });
    expect(decideOperatorAccess(facts({ hasBearer: true }), surface)).toEqual({ verifyToken: true });
  });

  it('refuses a wrong key even with a token, and any key when none is configured', () => {
    expect(refusal(decideOperatorAccess(facts({ keyGiven: 'guess', hasBearer: true }), surface))).toEqual([
      401,
      'CHAOS_KEY_INVALID',
    ]);
    expect(refusal(decideOperatorAccess(facts({ keyGiven: '', keyDigest: null }), surface))).toEqual([
      401,
      'CHAOS_KEY_INVALID',
    ]);
  });
});
