/**
 * Minimal SVG time-series charts for the report, drawn by hand so the page needs no script and
 * no network: lines (optionally dashed), stacked areas, shaded fault windows, axes with ticks.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  /** One value per second (index = second); null leaves a gap. */
  readonly values: readonly (number | null)[];
  readonly dashed?: boolean;
}

export interface Shade {
  readonly startS: number;
  readonly endS: number;
  readonly label: string;
}

/** A moment to mark on the chart, e.g. a breaker transition. */
export interface Marker {
  readonly atS: number;
  readonly color: string;
  /** Filled triangle when true (e.g. breaker opened), hollow otherwise. */
  readonly filled: boolean;
  readonly label: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly width: number;
  readonly height: number;
  /** Length of the x axis (s). */
  readonly durationS: number;
  readonly yMax: number;
  readonly yFormat: (value: number) => string;
  readonly series: readonly Series[];
  readonly shades: readonly Shade[];
  /** Stack the series as areas (shares that add up to yMax). */
  readonly stacked?: boolean;
  readonly markers?: readonly Marker[];
}

const PAD = { left: 52, right: 12, top: 26, bottom: 34 };

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A tick step from {1, 2, 5} × 10^n giving about `count` ticks. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/** A y maximum that lands on a tick, so the top gridline is labelled. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const step = niceStep(max, 4);
  return Math.ceil(max / step) * step;
}

export function renderChart(spec: ChartSpec): string {
  const { width, height, durationS, yMax } = spec;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (s: number) => PAD.left + (Math.min(s, durationS) / durationS) * plotW;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
    `<text x="${PAD.left}" y="16" class="chart-title">${escapeXml(spec.title)}</text>`,
  );
  const yStep = niceStep(yMax, 4);
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(y(v))}" y2="${f(y(v))}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${f(y(v) + 4)}" class="tick" text-anchor="end">${escapeXml(spec.yFormat(v))}</text>`,
    );
  }
  const xStep = niceStep(durationS, 6);
  for (let s = 0; s <= durationS + 1e-9; s += xStep) {
    parts.push(
      `<text x="${f(x(s))}" y="${PAD.top + plotH + 16}" class="tick" text-anchor="middle">${formatSeconds(s)}</text>`,
    );
  }
  parts.push(
    `<text x="${PAD.left + plotW}" y="${height - 4}" class="tick" text-anchor="end">seconds</text>`,
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" class="axis"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" class="axis"/>`,
  );
  parts.push(spec.stacked ? stackedAreas(spec, x, y) : lines(spec, x, y));
  // Fault windows go on top, translucent, so they show over stacked areas too.
  for (const shade of spec.shades) {
    const x0 = x(shade.startS);
    const x1 = x(shade.endS);
    parts.push(
      `<rect x="${f(x0)}" y="${PAD.top}" width="${f(Math.max(1, x1 - x0))}" height="${plotH}" class="fault"><title>${escapeXml(shade.label)}</title></rect>`,
      `<line x1="${f(x0)}" x2="${f(x0)}" y1="${PAD.top}" y2="${PAD.top + plotH}" class="fault-edge"/>`,
      `<line x1="${f(x1)}" x2="${f(x1)}" y1="${PAD.top}" y2="${PAD.top + plotH}" class="fault-edge"/>`,
    );
  }
  for (const marker of spec.markers ?? []) {
    const mx = x(marker.atS);
    const top = PAD.top;
    parts.push(
      `<g class="marker"><title>${escapeXml(marker.label)}</title>`,
      `<line x1="${f(mx)}" x2="${f(mx)}" y1="${top}" y2="${top + plotH}" stroke="${marker.color}" stroke-width="1" stroke-dasharray="1 3"/>`,
      `<polygon points="${f(mx - 5)},${top - 9} ${f(mx + 5)},${top - 9} ${f(mx)},${top - 1}" fill="${marker.filled ? marker.color : '#fff'}" stroke="${marker.color}" stroke-width="1.5"/></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Points sit in the middle of their second. */
function lines(spec: ChartSpec, x: (s: number) => number, y: (v: number) => number): string {
  return spec.series
    .map((series) => {
      const segments: string[] = [];
      let current: string[] = [];
      series.values.forEach((value, i) => {
        if (value === null || !Number.isFinite(value)) {
          if (current.length) segments.push(current.join(' '));
          current = [];
          return;
        }
        current.push(`${f(x(i + 0.5))},${f(y(value))}`);
      });
      if (current.length) segments.push(current.join(' '));
      const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
      return segments
        .map((points) =>
          points.includes(' ')
            ? `<polyline points="${points}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`
            : `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="2" fill="${series.color}"/>`,
        )
        .join('');
    })
    .join('');
}

function stackedAreas(spec: ChartSpec, x: (s: number) => number, y: (v: number) => number): string {
  const length = Math.max(...spec.series.map((s) => s.values.length), 0);
  const base = new Array<number>(length).fill(0);
  const out: string[] = [];
  for (const series of spec.series) {
    // Seconds without data (null) break the band; each run of data is one polygon.
    let run: number[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const top = run.map(
        (i) =>
          `${f(x(i))},${f(y(base[i] + (series.values[i] ?? 0)))} ${f(x(i + 1))},${f(y(base[i] + (series.values[i] ?? 0)))}`,
      );
      const bottom = [...run]
        .reverse()
        .map(
          (i) => `${f(x(i + 1))},${f(y(base[i] as number))} ${f(x(i))},${f(y(base[i] as number))}`,
        );
      out.push(
        `<polygon points="${[...top, ...bottom].join(' ')}" fill="${series.color}" fill-opacity="0.75" stroke="none"><title>${escapeXml(series.name)}</title></polygon>`,
      );
      run = [];
    };
    for (let i = 0; i < length; i++) {
      if (series.values[i] === null || series.values[i] === undefined) flush();
      else run.push(i);
    }
    flush();
    for (let i = 0; i < length; i++) base[i] = (base[i] as number) + (series.values[i] ?? 0);
  }
  return out.join('');
}

function f(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function formatSeconds(s: number): string {
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

/** A legend as HTML (outside the SVG, so it wraps). */
export function legend(series: readonly Series[]): string {
  return `<div class="legend">${series
    .map(
      (s) =>
        `<span><i style="background:${s.color}${s.dashed ? ';opacity:.55' : ''}"></i>${escapeXml(s.name)}</span>`,
    )
    .join('')}</div>`;
}
