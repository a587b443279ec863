export const RUNS_FROM: string;
export function statedEngines(): string;
/** Every package in package-lock.json whose `engines.node` does not cover all of `range`. */
export function enginesNotCovered(range?: string): string[];
export function nodeVersionProblem(
  version?: string,
  range?: string,
): { fatal: boolean; message: string } | null;
