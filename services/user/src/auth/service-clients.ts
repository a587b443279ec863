import { Scope } from '@food-delivery/auth';

/** What every service principal may do: confirm users, move stock directly (the spec's inventory API). */
const SERVICE_SCOPES: readonly Scope[] = [Scope.UsersValidate, Scope.InventoryWrite];

/** Clients with more: only the order service runs the reservation ledger. */
const EXTRA_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  'order-service': [Scope.ReservationsWrite, Scope.ReservationsRead],
};

/** The scopes a service client is granted. */
export function serviceClientScopes(clientId: string): Scope[] {
  return [...SERVICE_SCOPES, ...(EXTRA_SCOPES[clientId] ?? [])];
}

/**
 * The scopes a client-credentials request ends with: all it is granted, or the subset it asked for (RFC 6749
 * §3.3). null when it asked for a scope it is not granted.
 */
export function grantedScopes(clientId: string, requested: string | undefined): Scope[] | null {
  const granted = serviceClientScopes(clientId);
  if (requested === undefined || requested.trim() === '') return granted;
  const asked = requested.split(' ').filter(Boolean);
  return asked.every((scope) => (granted as string[]).includes(scope)) ? (asked as Scope[]) : null;
}

/** `id:secret,id:secret` → id → secret. */
export function parseServiceClients(value: string | undefined): Map<string, string> {
  return new Map(
    (value ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const separator = pair.indexOf(':');
        return [pair.slice(0, separator), pair.slice(separator + 1)] as [string, string];
      }),
  );
}
