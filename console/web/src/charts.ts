/** Small SVG line charts: a few lines over the last 5 minutes, the newest value in the caption. */
export interface Line {
  name: string;
  /** CSS class giving its colour and dash (colour is never the only difference). */
  className: string;
  points: Array<{ t: number; v: number | null }>;
}

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 90;

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= value) ?? 10;
  return step * power;
}

export const formatValue = (value: number | null, unit: string): string => {
  if (value === null) return '–';
  if (unit === '%') return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)} %`;
  if (unit === 'ms')
    return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
};

/**
 * Draws (or redraws) a chart into `figure`: an SVG with one path per line, scaled to the window, and a caption
 * with each line's newest value, which is also the image's accessible name.
 */
export function drawChart(
  figure: HTMLElement,
  options: { title: string; unit: string; lines: Line[]; windowMs: number; now: number; fixedMax?: number },
): void {
  const { lines, windowMs, now, unit } = options;
  const values = lines
    .flatMap((line) => line.points.map((point) => point.v))
    .filter((v): v is number => v !== null);
  const max = options.fixedMax ?? niceMax(Math.max(0, ...values));
  const x = (t: number) => ((t - (now - windowMs)) / windowMs) * WIDTH;
  const y = (v: number) => HEIGHT - (Math.min(v, max) / max) * HEIGHT;
  const latest = lines.map((line) => {
    const last = [...line.points].reverse().find((point) => point.v !== null);
    return { line, value: last?.v ?? null };
  });
  const caption = latest.map(({ line, value }) => `${line.name} ${formatValue(value, unit)}`).join(', ');

  let svg = figure.querySelector('svg');
  if (!svg) {
    figure.replaceChildren();
    const heading = document.createElement('figcaption');
    figure.append(heading);
    svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    figure.append(svg);
    const axis = document.createElement('div');
    axis.className = 'axis';
    axis.setAttribute('aria-hidden', 'true');
    figure.append(axis);
  }
  const heading = figure.querySelector('figcaption')!;
  heading.replaceChildren();
  const title = document.createElement('span');
  title.className = 'chart-title';
  title.textContent = options.title;
  heading.append(title);
  for (const { line, value } of latest) {
    const item = document.createElement('span');
    item.className = `legend ${line.className}`;
    item.dataset.line = line.name;
    item.dataset.value = value === null ? '' : String(value);
    item.textContent = `${line.name} ${formatValue(value, unit)}`;
    heading.append(item);
  }
  svg.setAttribute('aria-label', `${options.title}: ${caption}`);
  svg.replaceChildren(
    ...[0.5, 1].map((share) => {
      const grid = document.createElementNS(SVG, 'line');
      grid.setAttribute('x1', '0');
      grid.setAttribute('x2', String(WIDTH));
      grid.setAttribute('y1', String(y(max * share)));
      grid.setAttribute('y2', String(y(max * share)));
      grid.setAttribute('class', 'grid');
      return grid;
    }),
    ...lines.map((line) => {
      const path = document.createElementNS(SVG, 'path');
      let d = '';
      let pen = false;
      for (const point of line.points) {
        if (point.v === null || point.t < now - windowMs) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${x(point.t).toFixed(1)},${y(point.v).toFixed(1)}`;
        pen = true;
      }
      path.setAttribute('d', d);
      path.setAttribute('class', `series ${line.className}`);
      path.setAttribute('vector-effect', 'non-scaling-stroke');
      return path;
    }),
  );
  figure.querySelector('.axis')!.textContent = `0 – ${formatValue(max, unit)} · 5 min ago → now`;
}
