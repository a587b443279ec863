export const COMPOSE_SECRETS: Record<string, string>;
export function generateComposeSecrets(): Record<string, string>;
export function generateKubernetesDevSecrets(): Record<string, string>;
export function parseEnvFile(text: string): Record<string, string>;
export function ensureEnvFile(
  path: string,
  generated: Record<string, string>,
  comments?: Record<string, string>,
  header?: string,
): string[];
export function freshSecret(): string;
export const TARGETS: Record<
  'compose' | 'kubernetes-dev',
  { path: string; generate: () => Record<string, string>; comments: Record<string, string>; reader: string }
>;
