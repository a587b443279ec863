import type { ServiceName } from './model';

/** Where the load and the control calls go. */
export interface Target {
  /** `gateway`: the API calls go through the NGINX gateway's /api/... routes; `direct`: to each service. */
  mode: 'direct' | 'gateway';
  /** The load's entry point (gateway or order service). */
  baseUrl: string;
  /** Each service's own URL: chaos knobs (never exposed by the gateway), audits, admin, readiness. */
  services: Record<ServiceName, string>;
  chaosKey?: string;
  adminKey?: string;
}

/** The API paths of the spec, through the gateway or directly. */
export function apiOf(target: Target) {
  const gw = target.mode === 'gateway' ? target.baseUrl.replace(/\/$/, '') : null;
  const user = gw ? `${gw}/api/users` : target.services.user;
  const restaurant = gw ? `${gw}/api/restaurants` : target.services.restaurant;
  const orders = gw ? `${gw}/api/orders` : `${target.services.order}/orders`;
  return {
    signup: `${user}/signup`,
    login: `${user}/login`,
    menus: `${restaurant}/menus`,
    menu: (id: number) => `${restaurant}/menus/${id}`,
    orders,
    order: (id: number) => `${orders}/${id}`,
    cancel: (id: number) => `${orders}/${id}/cancel`,
    orderAudit: `${target.services.order}/orders/audit`,
    inventoryAudit: `${target.services.restaurant}/inventory/audit`,
    stockReset: `${target.services.restaurant}/admin/stock/reset`,
    chaos: (service: ServiceName) => `${target.services[service]}/chaos`,
  };
}

export type Api = ReturnType<typeof apiOf>;

/** Whether a URL is the gateway (its own `/health` says so). */
export async function isGateway(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/$/, '')}/health`, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json()) as { service?: string };
    return body?.service === 'gateway';
  } catch {
    return false;
  }
}

export function describeTarget(target: Target): string {
  return target.mode === 'gateway'
    ? `gateway ${target.baseUrl} (chaos via ${Object.values(target.services).join(', ')})`
    : `services ${target.services.user}, ${target.services.restaurant}, ${target.services.order}`;
}
