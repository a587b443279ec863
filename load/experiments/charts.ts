/** Inline SVG time charts for the report: no scripts, no external assets, readable when printed. */

export const esc = (text: unknown) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export interface Span {
  label: string;
  from: number;
  to: number;
}

export interface Band extends Span {
  ok: boolean;
}

export interface Marker {
  x: number;
  ok: boolean;
  label: string;
}

export interface LineSeries {
  name: string;
  color: string;
  /** [seconds, value]; NaN values break the line. */
  points: [number, number][];
  dashed?: boolean;
}

export interface BarStack {
  name: string;
  color: string;
  /** One value per second bucket. */
  values: number[];
}

export interface TimeChart {
  title: string;
  yLabel: string;
  xMax: number;
  phases: Span[];
  bands: Band[];
  markers?: Marker[];
  lines?: LineSeries[];
  bars?: BarStack[];
  yMax?: number;
  width?: number;
  height?: number;
}

const PHASE_FILL: Record<string, string> = {
  before: '#f4f8fb',
  during: '#fdf6ec',
  recovery: '#f7f3fb',
  after: '#f2f9f3',
};

/** A "nice" axis maximum and step (1, 2, 5 × 10^n). */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return { max: Math.ceil(max / step) * step, step };
}

const fmt = (value: number) =>
  value >= 1000
    ? `${Math.round(value / 100) / 10}k`
    : Number.isInteger(value)
      ? String(value)
      : value.toFixed(1);

export function renderTimeChart(chart: TimeChart): string {
  const width = chart.width ?? 960;
  const height = chart.height ?? 230;
  const m = { top: 30, right: 16, bottom: 30, left: 52 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xMax = Math.max(1, chart.xMax);
  let dataMax = chart.yMax ?? 0;
  if (chart.yMax === undefined) {
    for (const line of chart.lines ?? [])
      for (const [, y] of line.points) if (Number.isFinite(y)) dataMax = Math.max(dataMax, y);
    const buckets = Math.max(0, ...(chart.bars ?? []).map((stack) => stack.values.length));
    for (let i = 0; i < buckets; i += 1) {
      dataMax = Math.max(
        dataMax,
        (chart.bars ?? []).reduce((sum, stack) => sum + (stack.values[i] ?? 0), 0),
      );
    }
  }
  // Headroom at the top for the phase and fault labels.
  const { max: yMax, step } = niceScale(dataMax * 1.2);
  const x = (s: number) => m.left + (Math.min(Math.max(s, 0), xMax) / xMax) * plotW;
  const y = (v: number) => m.top + plotH - (Math.min(Math.max(v, 0), yMax) / yMax) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(chart.title)}">`,
    `<text x="${m.left}" y="16" class="ct">${esc(chart.title)}</text>`,
  );
  for (const phase of chart.phases) {
    parts.push(
      `<rect x="${x(phase.from)}" y="${m.top}" width="${Math.max(0, x(phase.to) - x(phase.from))}" height="${plotH}" fill="${PHASE_FILL[phase.label] ?? '#fafafa'}"/>`,
    );
  }
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
      `<text x="${m.left - 6}" y="${y(v) + 4}" class="yt">${fmt(Math.round(v * 100) / 100)}</text>`,
    );
  }
  const xStep = niceScale(xMax, 10).step;
  for (let s = 0; s <= xMax + 1e-9; s += xStep) {
    parts.push(`<text x="${x(s)}" y="${height - 12}" class="xt">${fmt(Math.round(s * 10) / 10)}s</text>`);
  }
  parts.push(
    `<text transform="translate(12 ${m.top + plotH / 2}) rotate(-90)" class="yl">${esc(chart.yLabel)}</text>`,
  );
  if (chart.bars?.length) {
    const buckets = Math.max(...chart.bars.map((stack) => stack.values.length));
    const bw = Math.max(1, (plotW / xMax) * 0.8);
    for (let i = 0; i < buckets; i += 1) {
      let base = 0;
      for (const stack of chart.bars) {
        const value = stack.values[i] ?? 0;
        if (value <= 0) continue;
        const top = y(base + value);
        parts.push(
          `<rect x="${x(i) + (plotW / xMax) * 0.1}" y="${top}" width="${bw}" height="${Math.max(0.5, y(base) - top)}" fill="${stack.color}"><title>${i}s ${esc(stack.name)}: ${value}</title></rect>`,
        );
        base += value;
      }
    }
  }
  for (const line of chart.lines ?? []) {
    let path = '';
    let pen = false;
    for (const [px, py] of line.points) {
      if (!Number.isFinite(py)) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`;
      pen = true;
    }
    if (path) {
      parts.push(
        `<path d="${path}" fill="none" stroke="${line.color}" stroke-width="1.8"${line.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(line.name)}</title></path>`,
      );
    }
  }
  // On top of the data: the fault bands (translucent) and the labels, so neither hides the other.
  chart.bands.forEach((band, index) => {
    const bx = x(band.from);
    const bw = Math.max(2, x(band.to) - bx);
    parts.push(
      `<rect x="${bx}" y="${m.top}" width="${bw}" height="${plotH}" fill="${band.ok ? '#f59e0b' : '#9ca3af'}" fill-opacity="0.13" stroke="${band.ok ? '#d97706' : '#6b7280'}" stroke-opacity="0.6" stroke-dasharray="3 2"><title>${esc(band.label)}</title></rect>`,
      `<text x="${bx + 3}" y="${m.top + 24 + (index % 3) * 12}" class="bl">${esc(band.label)}</text>`,
    );
  });
  for (const phase of chart.phases) {
    parts.push(
      `<line x1="${x(phase.from)}" x2="${x(phase.from)}" y1="${m.top}" y2="${m.top + plotH}" class="pb"/>`,
    );
    // A label only where it fits (a one-second recovery grace is a sliver on a long run).
    if (x(phase.to) - x(phase.from) > 55)
      parts.push(`<text x="${x(phase.from) + 4}" y="${m.top + 11}" class="pl">${esc(phase.label)}</text>`);
  }
  for (const marker of chart.markers ?? []) {
    parts.push(
      `<g><title>${esc(marker.label)}</title><circle cx="${x(marker.x)}" cy="${m.top + plotH - 6}" r="5" fill="${marker.ok ? '#16a34a' : '#dc2626'}"/>` +
        `<text x="${x(marker.x)}" y="${m.top + plotH - 3}" class="mk">${marker.ok ? '✓' : '✗'}</text></g>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#cbd5e1"/>`,
  );
  parts.push('</svg>');
  const legend = [...(chart.bars ?? []), ...(chart.lines ?? [])]
    .map((item) => `<span class="lg"><i style="background:${item.color}"></i>${esc(item.name)}</span>`)
    .join('');
  return `<figure class="chart">${parts.join('')}${legend ? `<figcaption>${legend}</figcaption>` : ''}</figure>`;
}

const PALETTE = [
  '#2563eb',
  '#f97316',
  '#8b5cf6',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#ca8a04',
  '#475569',
  '#dc2626',
  '#0d9488',
];
const FIXED: Record<string, string> = {
  CONFIRMED: '#16a34a',
  HIT: '#16a34a',
  MISS: '#94a3b8',
  CANCELLED: '#0891b2',
  PAYMENT_FAILED: '#f97316',
  OUT_OF_STOCK: '#8b5cf6',
  DROPPED: '#6b7280',
  TIMEOUT: '#7f1d1d',
};

/** A stable color per category, with fixed ones for the common outcomes. */
export function colorFor(name: string, index: number): string {
  return FIXED[name] ?? PALETTE[index % PALETTE.length];
}
