import { expect } from 'expect';
import { describe, it } from 'node:test';
import { enginesNotCovered, nodeVersionProblem, statedEngines } from './node-version.mjs';

describe('Node version (package.json engines)', () => {
  it('states only what every locked dependency supports', () => {
    expect(enginesNotCovered()).toEqual([]);
    // The check can fail: the old `>=20` promised more than NestJS 12, nestjs-pino or cockatiel support.
    expect(enginesNotCovered('>=20')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^nestjs-pino@/), expect.stringMatching(/^cockatiel@/)]),
    );
  });

  it('accepts a supported Node, warns on Node 20.19+ (it runs there), and refuses older ones', () => {
    const range = statedEngines();
    expect(nodeVersionProblem('22.13.0', range)).toBeNull();
    expect(nodeVersionProblem('24.11.0', range)).toBeNull();
    expect(nodeVersionProblem('20.20.2', range)).toEqual({
      fatal: false,
      message: expect.stringMatching(/^warning: Node 20\.20\.2 is older than .*install Node 22 LTS\.$/),
    });
    expect(nodeVersionProblem('20.18.3', range)?.fatal).toBe(true);
  });
});
