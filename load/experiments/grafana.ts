/** Links from a report to the same time range in Grafana (dashboards and Explore), from/to in epoch ms. */
export interface GrafanaConfig {
  url: string;
  /** Dashboard uids to link (GRAFANA_DASHBOARDS, comma-separated). */
  dashboards: string[];
  datasources: { prometheus: string; loki: string; tempo: string };
}

export interface Link {
  label: string;
  href: string;
}

export function grafanaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GrafanaConfig {
  return {
    url: (env.GRAFANA_URL ?? 'http://localhost:3000').replace(/\/$/, ''),
    dashboards: (env.GRAFANA_DASHBOARDS ?? '')
      .split(',')
      .map((uid) => uid.trim())
      .filter(Boolean),
    datasources: {
      prometheus: env.GRAFANA_PROMETHEUS_UID ?? 'prometheus',
      loki: env.GRAFANA_LOKI_UID ?? 'loki',
      tempo: env.GRAFANA_TEMPO_UID ?? 'tempo',
    },
  };
}

function explore(
  config: GrafanaConfig,
  type: string,
  uid: string,
  query: Record<string, unknown>,
  from: number,
  to: number,
) {
  const panes = {
    a: {
      datasource: uid,
      queries: [{ refId: 'A', datasource: { type, uid }, ...query }],
      range: { from: String(from), to: String(to) },
    },
  };
  return `${config.url}/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}

/** The run's window, padded a little so the edges of the graphs show the system at rest. */
export function grafanaLinks(config: GrafanaConfig, fromMs: number, toMs: number, padMs = 15_000): Link[] {
  const from = Math.floor(fromMs - padMs);
  const to = Math.ceil(toMs + padMs);
  const { prometheus, loki, tempo } = config.datasources;
  return [
    ...config.dashboards.map((uid) => ({
      label: `Dashboard ${uid}`,
      href: `${config.url}/d/${encodeURIComponent(uid)}?orgId=1&from=${from}&to=${to}`,
    })),
    {
      label: 'Explore: orders by status and reason (Prometheus)',
      href: explore(
        config,
        'prometheus',
        prometheus,
        { expr: 'sum by (status, reason) (rate(orders_total[30s]))' },
        from,
        to,
      ),
    },
    {
      label: 'Explore: active chaos faults (Prometheus)',
      href: explore(
        config,
        'prometheus',
        prometheus,
        { expr: 'sum by (service, type) (chaos_active_faults)' },
        from,
        to,
      ),
    },
    {
      label: 'Explore: service logs (Loki)',
      href: explore(config, 'loki', loki, { expr: '{service_namespace="food-delivery"}' }, from, to),
    },
    {
      label: 'Explore: slow traces > 500 ms (Tempo)',
      href: explore(
        config,
        'tempo',
        tempo,
        {
          queryType: 'traceql',
          query: '{ resource.service.namespace = "food-delivery" && duration > 500ms }',
        },
        from,
        to,
      ),
    },
  ];
}
