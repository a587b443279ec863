import { ALL_SCOPES, type Scope } from '@food-delivery/auth';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** One row of the README's "Who may call what" table. */
export interface OwnerRow {
  /** `METHOD /path` entries of the endpoint cell; `{knob}` stands for every chaos knob. */
  operations: string[];
  /** The scope of the "needs" cell, when it names one. */
  scope: Scope | null;
  /** Whether the gateway routes these endpoints ("yes…" in the gateway cell). */
  gateway: boolean;
}

/** Paths every service serves outside its OpenAPI document. */
export const UNDOCUMENTED_OPERATIONS = ['GET /docs', 'GET /redoc', 'GET /docs-json'];

/** The README's one table of owners, parsed (tests hold the services and the gateway to it). */
export function readOwnerTable(): OwnerRow[] {
  const readme = readFileSync(resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Who may call what\n'));
  if (!section) throw new Error('README.md has no "Who may call what" section');
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const operations = [...cells[1].matchAll(/`([A-Z]+ \/[^`]*)`/g)].map((match) => match[1]);
      const needs = /^`([a-z:_-]+)`$/.exec(cells[3])?.[1];
      const scope = needs && (ALL_SCOPES as readonly string[]).includes(needs) ? (needs as Scope) : null;
      return { operations, scope, gateway: cells[4].startsWith('yes') };
    });
}

/** Whether a table entry stands for an operation (`POST /chaos/{knob}` for every knob's own path). */
export function ownerEntryCovers(listed: string, operation: string): boolean {
  if (listed === operation) return true;
  const prefix = listed.endsWith('/{knob}') ? listed.slice(0, -'{knob}'.length) : null;
  return prefix !== null && operation.startsWith(prefix) && /^[a-z_]+$/.test(operation.slice(prefix.length));
}
