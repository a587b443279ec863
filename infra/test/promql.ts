/** What the infra tests need to read PromQL and the exposition format, without a full parser. */

const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * Metric names a PromQL expression selects (Grafana variables allowed). Strings, label matchers, ranges, grouping
 * label lists and function names are not metric names.
 */
export function metricNames(expr: string): string[] {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?[A-Za-z_]\w*\}?/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of text.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const before = text[match.index - 1];
    if (before && /[0-9.]/.test(before)) continue; // the exponent of a number (1e3)
    if (/^\s*\(/.test(text.slice(match.index + name.length))) continue; // a function
    if (NOT_METRICS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  exemplar?: { labels: Record<string, string>; value: number };
}

const parseLabels = (text: string | undefined) =>
  Object.fromEntries(
    [...(text ?? '').matchAll(/([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
      m[1],
      m[2].replace(/\\(.)/g, '$1'),
    ]),
  );

/** Samples of the Prometheus text or OpenMetrics format (with exemplars). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*?)\})? (\S+)(?: # \{(.*?)\} (\S+)(?: \S+)?)?$/.exec(line);
    if (!match) throw new Error(`Unparsable exposition line: ${line}`);
    samples.push({
      name: match[1],
      labels: parseLabels(match[2]),
      value: Number(match[3]),
      ...(match[4] !== undefined
        ? { exemplar: { labels: parseLabels(match[4]), value: Number(match[5]) } }
        : {}),
    });
  }
  return samples;
}

/** Every series name a scrape can produce: sample names, plus each family's _bucket/_sum/_count/_total forms. */
export function exportedNames(text: string): Set<string> {
  const names = new Set(parseExposition(text).map((sample) => sample.name));
  for (const match of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    const [, family, type] = match;
    names.add(family);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(family + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(family + suffix);
  }
  return names;
}
