// Which Node the project runs on. package.json `engines` states what the dependencies need (the intersection of
// their own `engines`, checked by node-version.spec.ts against package-lock.json). Node 20.19+ is older than
// that but does run everything (require(esm) is on by default from 20.19, which is what the ESM-only
// dependencies rely on; the whole test suite passes on 20.20.2): it gets a clear warning, not a refusal.
import { readFileSync } from 'node:fs';
import semver from 'semver';

const root = new URL('..', import.meta.url);
export const RUNS_FROM = '20.19.0';

export const statedEngines = () =>
  JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).engines?.node ?? '*';

/** Every package in package-lock.json whose `engines.node` does not cover all of `range`. */
export function enginesNotCovered(range = statedEngines()) {
  const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8'));
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path && entry.engines?.node && !entry.optional)
    .filter(([, entry]) => !semver.subset(range, entry.engines.node, { includePrerelease: false }))
    .map(
      ([path, entry]) => `${path.replace(/^.*node_modules\//, '')}@${entry.version} (${entry.engines.node})`,
    );
}

/** null when `version` satisfies the stated engines; else { fatal, message }. */
export function nodeVersionProblem(version = process.versions.node, range = statedEngines()) {
  if (semver.satisfies(version, range)) return null;
  if (semver.gte(version, RUNS_FROM)) {
    return {
      fatal: false,
      message:
        `warning: Node ${version} is older than the dependencies state (package.json engines: ${range}; ` +
        `NestJS 12, nestjs-pino, cockatiel, typeorm). It runs on Node ${RUNS_FROM}+, unsupported upstream: install Node 22 LTS.`,
    };
  }
  return {
    fatal: true,
    message: `Node ${version} is too old: the dependencies need Node ${range} (package.json engines); install Node 22 LTS.`,
  };
}
