// Compiles TypeScript on require with SWC (decorator metadata included) for tests and dev tools.
// Used with --conditions=@food-delivery/source so workspace libraries resolve to their sources.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');

const swcrc = JSON.parse(readFileSync(join(__dirname, '..', '.swcrc'), 'utf8'));
delete swcrc.$schema;

addHook(
  (code, filename) => transformSync(code, { ...swcrc, filename, swcrc: false, sourceMaps: 'inline' }).code,
  {
    exts: ['.ts'],
    ignoreNodeModules: true,
  },
);
