export const DS: Record<'prometheus' | 'loki' | 'tempo', { type: string; uid: string }>;
export const DASHBOARDS: Record<string, Record<string, unknown>>;
/** File name → Prettier-formatted JSON, as infra/grafana/dashboards holds them. */
export function renderDashboards(): Promise<Record<string, string>>;
