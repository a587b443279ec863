#!/usr/bin/env node
// Regenerates architecture.svg (repo root) from docs/architecture.dot with Graphviz compiled to WebAssembly
// (@hpcc-js/wasm-graphviz): the same picture on every machine, no system Graphviz or fonts needed.
// Usage: npm run architecture   |   node scripts/render-architecture.mjs [output.svg]
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = process.argv[2] ?? `${root}architecture.svg`;
const graphviz = await Graphviz.load();
writeFileSync(output, graphviz.dot(readFileSync(`${root}docs/architecture.dot`, 'utf8'), 'svg'));
