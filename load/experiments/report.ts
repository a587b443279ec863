/** The self-contained HTML report: verdict, hypothesis, charts with the chaos timeline, checks, stats, links. */
import { colorFor, esc, renderTimeChart, type Band, type Marker, type Span } from './charts';
import type { ProbeResult } from './hypothesis';
import { JUDGED_PHASES, type Phase } from './model';
import type { Schedule } from './schedule';
import type { Summary } from './summary';
import { failureLabel, perSecond, type Sample, type WindowStats } from './stats';
import { OP } from './workloads';

const PHASES: Phase[] = ['before', 'during', 'recovery', 'after'];
const STATUS_CLASS: Record<string, string> = {
  passed: 'ok',
  failed: 'bad',
  skipped: 'skip',
  held: 'ok',
  violated: 'bad',
};

const num = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function table(headers: string[], rows: string[][], className = ''): string {
  if (!rows.length) return '<p class="muted">none</p>';
  return (
    `<table class="${className}"><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

function probeCell(result: ProbeResult | undefined): string {
  if (!result) return '<span class="muted">–</span>';
  const detail = result.detail ? `<div class="detail">${esc(result.detail)}</div>` : '';
  return (
    `<div class="${STATUS_CLASS[result.status]}"><b>${esc(result.status)}</b> ${esc(result.observed)}</div>` +
    `<div class="muted">allowed ${esc(result.tolerance || '–')}</div>${detail}`
  );
}

function totals(samples: readonly Sample[], key: (s: Sample) => string | null): [string, number][] {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    const value = key(sample);
    if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Per phase counts of a category, e.g. outcomes of POST /orders. */
function phaseTable(samples: readonly Sample[], key: (s: Sample) => string | null): string {
  const all = totals(samples, key);
  const rows = all.map(([name, total]) => [
    esc(name),
    ...PHASES.map((phase) => String(samples.filter((s) => s.phase === phase && key(s) === name).length)),
    String(total),
  ]);
  return table(['', ...PHASES, 'total'], rows, 'num');
}

function opsTable(stats: Record<string, WindowStats>): string {
  const rows = Object.entries(stats).map(([op, s]) => [
    esc(op),
    String(s.count),
    num(s.rate, 1),
    num(s.latency.p50),
    num(s.latency.p90),
    num(s.latency.p99),
    num(s.latency.max),
    `${s.errors} (${num(s.errorRate * 100, 1)}%)`,
    String(s.dropped),
    esc(
      Object.entries(s.statuses)
        .map(([status, n]) => `${status === '0' ? 'no answer' : status}×${n}`)
        .join(' '),
    ),
    esc(
      Object.entries(s.outcomes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([o, n]) => `${o}×${n}`)
        .join(' '),
    ),
  ]);
  return table(
    [
      'operation',
      'count',
      'per s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'errors',
      'dropped',
      'statuses',
      'outcomes',
    ],
    rows,
    'num',
  );
}

export function renderReport(summary: Summary, samples: readonly Sample[], schedule: Schedule): string {
  const xMax = Math.max(schedule.endMs, ...samples.map((s) => s.t)) / 1000;
  const buckets = perSecond(samples, xMax);
  const phases: Span[] = PHASES.map((phase) => ({
    label: phase,
    from: summary.run.phases[phase][0] / 1000,
    to: summary.run.phases[phase][1] / 1000,
  })).filter((span) => span.to > span.from);
  const bands: Band[] = summary.faults.map((fault) => ({
    label: fault.name,
    from: fault.startMs / 1000,
    to: (fault.endMs ?? fault.startMs) / 1000,
    ok: fault.ok,
  }));
  const markers: Marker[] = summary.checks.map((check) => ({
    x: check.tMs / 1000,
    ok: check.ok,
    label: `${seconds(check.tMs)} ${check.phase} ${check.probe}: ${check.detail}`,
  }));
  const base = { xMax, phases, bands };

  // Target rate as a step line over the phases.
  const targetLine: [number, number][] = [];
  for (const span of phases) {
    const judged = span.label === 'recovery' ? 'after' : (span.label as 'before' | 'during' | 'after');
    const rate = summary.run.streams.reduce((sum, stream) => sum + stream.rates[judged], 0);
    targetLine.push([span.from, rate], [span.to, rate]);
  }

  const charts: string[] = [];
  charts.push(
    renderTimeChart({
      ...base,
      title: 'Throughput: calls started per second, by result',
      yLabel: 'calls / s',
      bars: [
        { name: 'answered (not 5xx)', color: '#22c55e', values: buckets.map((b) => b.ok) },
        { name: 'errors (5xx, timeout, network)', color: '#ef4444', values: buckets.map((b) => b.errors) },
        { name: 'dropped (too many in flight)', color: '#6b7280', values: buckets.map((b) => b.dropped) },
      ],
      lines: [
        { name: 'arrivals scheduled / s (all streams)', color: '#0f172a', points: targetLine, dashed: true },
      ],
    }),
  );
  charts.push(
    renderTimeChart({
      ...base,
      markers,
      title: 'Latency percentiles per second (by start time) · ● invariant and readiness checks',
      yLabel: 'ms',
      lines: [
        { name: 'p50', color: '#2563eb', points: buckets.map((b) => [b.second + 0.5, b.p50]) },
        { name: 'p90', color: '#f59e0b', points: buckets.map((b) => [b.second + 0.5, b.p90]) },
        { name: 'p99', color: '#dc2626', points: buckets.map((b) => [b.second + 0.5, b.p99]) },
      ],
    }),
  );
  const failureNames = totals(samples, (s) =>
    s.status < 200 || s.status >= 300 ? failureLabel(s) : null,
  ).map(([n]) => n);
  charts.push(
    renderTimeChart({
      ...base,
      title: 'Non-2xx answers per second, by status and error code',
      yLabel: 'answers / s',
      bars: failureNames.map((name, index) => ({
        name,
        color:
          name.startsWith('5') || !/^\d/.test(name)
            ? colorFor(name, index + 8)
            : colorFor(name.split(' ')[1] ?? name, index),
        values: buckets.map((b) => b.failures[name] ?? 0),
      })),
    }),
  );
  const orders = samples.filter((s) => s.op === OP.order);
  if (orders.length) {
    const orderBuckets = perSecond(orders, xMax);
    const outcomes = totals(orders, (s) => s.outcome || s.code || String(s.status)).map(([n]) => n);
    charts.push(
      renderTimeChart({
        ...base,
        title: 'Orders (POST /orders) per second, by outcome',
        yLabel: 'orders / s',
        bars: outcomes.map((name, index) => ({
          name,
          color: colorFor(name, index),
          values: orderBuckets.map((b) => b.outcomes[name] ?? (name === 'DROPPED' ? b.dropped : 0)),
        })),
      }),
    );
  }
  const cached = samples.filter((s) => s.outcome === 'HIT' || s.outcome === 'MISS');
  if (cached.length) {
    const cacheBuckets = perSecond(cached, xMax);
    charts.push(
      renderTimeChart({
        ...base,
        title: 'Cache (X-Cache) of GET calls per second',
        yLabel: 'reads / s',
        bars: ['HIT', 'MISS'].map((name, index) => ({
          name,
          color: colorFor(name, index),
          values: cacheBuckets.map((b) => b.outcomes[name] ?? 0),
        })),
      }),
    );
  }

  const verdict = summary.verdict;
  const hypothesisRows = summary.experiment.hypothesis
    ? [...new Set(summary.probes.map((p) => p.probe))].map((name) => {
        const mine = summary.probes.filter((p) => p.probe === name);
        return [
          `<b>${esc(name)}</b><div class="muted">${esc(mine[0]?.type ?? '')}</div>`,
          ...JUDGED_PHASES.map((phase) => probeCell(mine.find((p) => p.phase === phase))),
        ];
      })
    : [];

  const timelineRows = summary.timeline.map((event) => [
    seconds(event.tMs),
    esc(event.kind),
    `<span class="${event.ok ? '' : 'bad'}">${esc(event.name)}</span>`,
    event.ok ? '✓' : '<span class="bad">✗</span>',
    event.durationMs !== undefined ? `${event.durationMs} ms` : '',
    esc(event.detail ?? ''),
  ]);
  const checkRows = summary.checks.map((check) => [
    seconds(check.tMs),
    esc(check.phase),
    esc(check.probe),
    check.ok ? '<span class="ok">✓ ok</span>' : '<span class="bad">✗ failed</span>',
    esc(check.detail),
  ]);
  const phaseSections = PHASES.filter((phase) => summary.phases[phase]).map((phase) => {
    const stats = summary.phases[phase];
    if (!stats) return '';
    const [from, to] = stats.window;
    return `<h3>${esc(phase)} <span class="muted">${seconds(from)} – ${seconds(to)}</span></h3>${opsTable(stats.ops)}`;
  });
  const audit = summary.audit as {
    orders?: Record<string, number>;
    ok?: boolean;
    settled?: boolean;
    violations?: { message: string }[];
  } | null;
  const verdictClass = verdict.passed ? 'ok' : 'bad';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(summary.experiment.name)} — ${esc(verdict.status)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#0f172a;margin:0 auto;max-width:1000px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}h3{font-size:14px;margin:16px 0 6px}
.muted{color:#64748b;font-size:12px}.ok{color:#15803d}.bad{color:#b91c1c}.skip{color:#64748b}
.badge{display:inline-block;padding:4px 12px;border-radius:999px;font-weight:700;color:#fff;background:#15803d}.badge.bad{background:#b91c1c}
.chip{display:inline-block;margin:4px 6px 0 0;padding:2px 10px;border-radius:6px;background:#f1f5f9}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:12.5px}th,td{border-bottom:1px solid #e2e8f0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f8fafc;font-weight:600}table.num td{font-variant-numeric:tabular-nums}.detail{color:#475569;font-size:11.5px;max-width:280px;overflow-wrap:anywhere}
figure.chart{margin:8px 0 18px}figcaption{font-size:12px;color:#334155}.lg{margin-right:14px;white-space:nowrap}.lg i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px;vertical-align:-1px}
svg text{font:10.5px system-ui,sans-serif;fill:#334155}svg .ct{font-size:12.5px;font-weight:600;fill:#0f172a}svg .pl{fill:#64748b;font-size:10px;text-transform:uppercase}svg .bl{fill:#92400e;font-size:10px}
svg .xt{text-anchor:middle}svg .yt{text-anchor:end}svg .yl{text-anchor:middle}svg .grid{stroke:#e2e8f0}svg .pb{stroke:#94a3b8;stroke-dasharray:2 3}svg .mk{fill:#fff;font-size:8px;text-anchor:middle}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}dt{color:#64748b}dd{margin:0}
ul.reasons li{color:#b91c1c}
</style></head><body>
<p class="muted">food-delivery experiment${summary.experiment.specScenario ? ` · spec scenario ${summary.experiment.specScenario}` : ''}</p>
<h1>${esc(summary.experiment.title)}</h1>
<p><span class="badge ${verdictClass}">${esc(verdict.status.toUpperCase())}</span>
${JUDGED_PHASES.map((phase) => `<span class="chip ${STATUS_CLASS[verdict.phases[phase]] ?? 'skip'}">${phase}: ${esc(verdict.phases[phase])}</span>`).join('')}</p>
${verdict.reasons.length ? `<ul class="reasons">${verdict.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
${summary.experiment.description ? `<p>${esc(summary.experiment.description)}</p>` : ''}
<dl>
<dt>experiment</dt><dd>${esc(summary.experiment.name)}</dd>
<dt>ran</dt><dd>${esc(summary.run.startedAt)} → ${esc(summary.run.endedAt)} (duration scale ${summary.run.durationScale}, rate scale ${summary.run.rateScale})</dd>
<dt>target</dt><dd>${esc(summary.run.target)}</dd>
${summary.run.stack ? `<dt>stack</dt><dd>${esc(summary.run.stack)}</dd>` : ''}
<dt>load</dt><dd>${summary.run.streams.map((s) => `${esc(s.name)} (${esc(s.work)}): ${s.rates.before} → ${s.rates.during} → ${s.rates.after} /s`).join('<br>')}</dd>
<dt>generator</dt><dd>${summary.run.generator.started} arrivals, ${summary.run.generator.dropped} dropped (max ${summary.run.generator.maxInFlight} in flight), start lag p99 ${summary.run.generator.lagP99Ms} ms</dd>
${summary.run.stockReset ? '' : '<dt>stock</dt><dd class="bad">not reset (no admin key): stock-dependent probes skipped</dd>'}
</dl>

<h2>Steady-state hypothesis: ${esc(summary.experiment.hypothesis)}</h2>
${table(['probe', 'before', 'during', 'after'], hypothesisRows)}

<h2>Over time</h2>
<p class="muted">Shaded columns are the phases; dashed orange bands are the injected faults (from injection to rollback).</p>
${charts.join('\n')}

<h2>Chaos timeline</h2>
${table(['t', 'kind', 'action', '', 'took', 'detail'], timelineRows)}

<h2>Invariant and readiness checks</h2>
${table(['t', 'phase', 'probe', 'result', 'detail'], checkRows)}
${
  audit
    ? `<p>Last <code>GET /orders/audit</code>: ${audit.ok ? '<span class="ok">ok</span>' : '<span class="bad">violations</span>'}, ${audit.settled ? 'settled' : 'not settled'} · orders ${esc(
        Object.entries(audit.orders ?? {})
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      )}${(audit.violations ?? []).length ? `<br>${(audit.violations ?? []).map((v) => esc(v.message)).join('<br>')}` : ''}</p>`
    : ''
}

<h2>Orders by outcome</h2>
${phaseTable(orders, (s) => s.outcome || s.code || null)}

<h2>Errors by code</h2>
<p class="muted">Every answer that was not 2xx (a declined payment or a sold-out menu is a 201 FAILED order, counted under "Orders by outcome", not here).</p>
${phaseTable(samples, (s) => (s.status < 200 || s.status >= 300 ? `${s.op} · ${failureLabel(s)}` : null))}

<h2>Per phase</h2>
<p class="muted">Samples belong to the phase in which they started; latencies in ms over answered calls.</p>
${phaseSections.join('\n')}

<h2>Grafana</h2>
<p class="muted">Same time range (${esc(new Date(summary.grafana.from).toISOString())} → ${esc(new Date(summary.grafana.to).toISOString())}, padded 15 s).</p>
<ul>${summary.grafana.links.map((link) => `<li><a href="${esc(link.href)}">${esc(link.label)}</a></li>`).join('')}</ul>

<h2>Files</h2>
<ul>${Object.entries(summary.files)
    .map(
      ([name, file]) =>
        `<li><a href="${esc(file)}">${esc(file)}</a> <span class="muted">${esc(name)}</span></li>`,
    )
    .join('')}</ul>
</body></html>
`;
}
