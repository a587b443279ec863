import { register, type Registry } from 'prom-client';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** True when the Accept header lists OpenMetrics with a non-zero quality (Prometheus does, preferring it). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((item) => item.trim().toLowerCase());
    if (type !== 'application/openmetrics-text') return false;
    const q = params.find((param) => param.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  metricName?: string;
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp?: number } | null;
}

interface MetricData {
  name: string;
  help: string;
  type: string;
  values?: Sample[];
}

const escape = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

const number = (value: number) =>
  Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value);

function labelText(labels: Record<string, string | number>): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escape(String(value))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/**
 * The registry in the OpenMetrics 1.0 text format, with exemplars. prom-client can render OpenMetrics only by
 * switching its registry's content type, which renames its counters in place and breaks the plain format for
 * every later scrape; so this renders from the metrics' values instead, leaving the registry untouched.
 */
export async function renderOpenMetrics(registry: Registry = register): Promise<string> {
  const defaults = (registry as unknown as { _defaultLabels?: Record<string, string> })._defaultLabels ?? {};
  const families = await Promise.all(
    registry.getMetricsAsArray().map(async (metric) => {
      const data = await (metric as unknown as { get(): Promise<MetricData> }).get();
      // OpenMetrics names a counter family without `_total` and its sample with it.
      const family = data.type === 'counter' ? data.name.replace(/_total$/, '') : data.name;
      const lines = [`# HELP ${family} ${escape(data.help)}`, `# TYPE ${family} ${data.type}`];
      for (const sample of data.values ?? []) {
        const name = data.type === 'counter' ? `${family}_total` : (sample.metricName ?? data.name);
        // Own labels first, then the defaults they do not override: the same order as the Prometheus format.
        const labels = { ...sample.labels, ...defaults, ...sample.labels };
        let line = `${name}${labelText(labels)} ${number(sample.value)}`;
        const exemplar = sample.exemplar;
        if (exemplar && exemplar.value !== null && Object.keys(exemplar.labelSet ?? {}).length > 0) {
          line += ` # ${labelText(exemplar.labelSet)} ${number(exemplar.value)}`;
          if (exemplar.timestamp) line += ` ${exemplar.timestamp.toFixed(3)}`;
        }
        lines.push(line);
      }
      return lines.join('\n');
    }),
  );
  return `${families.join('\n')}\n# EOF\n`;
}
