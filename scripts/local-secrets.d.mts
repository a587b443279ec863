export const LOCAL_SECRETS: readonly string[];
export function parseEnvFile(text: string): Record<string, string>;
export function loadLocalSecrets(
  file: string,
  env?: Record<string, string | undefined>,
): { values: Record<string, string>; created: boolean; file: string };
export function embeddedPostgresPassword(file: string, env?: Record<string, string | undefined>): string;
