export function upstreamServers(
  addresses: string[],
  options?: { maxFails?: number; failTimeout?: string },
): string;
export function gatewayVariables(overrides?: Record<string, string | undefined>): Record<string, string>;
export function renderGateway(overrides?: Record<string, string | undefined>): string;
