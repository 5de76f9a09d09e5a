/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) with the
 * verdict, the summary table and time-series charts with the fault windows shaded. With a
 * baseline, both runs sit side by side on the same scales.
 */
import { describeFault } from '../faults.js';
import type { RunSummary } from '../metrics/summary.js';
import type { GameDaySummary } from '../run.js';
import {
  escapeXml as esc,
  legend,
  type Marker,
  niceMax,
  renderChart,
  type Series,
  type Shade,
} from './svg.js';

const REGION_COLORS = [
  '#2563eb',
  '#16a34a',
  '#d97706',
  '#9333ea',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#475569',
];
const RUN_COLORS = { regionkit: '#2563eb', naive: '#dc2626' } as const;

export function renderReport(summary: GameDaySummary): string {
  const runs: RunSummary[] = summary.baseline ? [summary, summary.baseline] : [summary];
  const regions = Object.keys(summary.byRegion);
  const color = (region: string) =>
    REGION_COLORS[regions.indexOf(region) % REGION_COLORS.length] as string;
  const durationS = Math.max(...runs.map((r) => r.timeline.length), 1);
  const shades: Shade[] = summary.faults.map((fault) => ({
    startS: fault.atS,
    endS: fault.atS + fault.forS,
    label: describeFault(fault),
  }));
  const width = runs.length > 1 ? 540 : 980;
  const height = 230;

  // Shared scales, so the two runs compare at a glance.
  const p99Max = niceMax(
    Math.max(...runs.flatMap((r) => r.timeline.map((p) => p.p99Ms ?? 0)), summary.deadlineMs * 0.1),
  );
  const arrivalsMax = niceMax(
    Math.max(...runs.flatMap((r) => r.timeline.map((p) => sum(Object.values(p.arrivals)))), 1),
  );

  const column = (run: RunSummary) => {
    const who = run.client === 'regionkit' ? 'regionkit' : 'naive baseline';
    const successSeries: Series[] = [
      {
        name: `${who}: success rate`,
        color: RUN_COLORS[run.client],
        values: run.timeline.map((p) => p.successRate),
      },
    ];
    const p99Series: Series[] = [
      {
        name: `${who}: p99`,
        color: RUN_COLORS[run.client],
        values: run.timeline.map((p) => p.p99Ms),
      },
      // The deadline only when it fits the scale: clamped to the top it would mislead.
      ...(run.deadlineMs <= p99Max
        ? [
            {
              name: 'deadline',
              color: '#6b7280',
              dashed: true,
              values: run.timeline.map(() => run.deadlineMs),
            },
          ]
        : []),
    ];
    const shareSeries: Series[] = regions.map((region) => ({
      name: region,
      color: color(region),
      values: run.timeline.map((p) =>
        p.succeeded ? (p.servedBy[region] ?? 0) / p.succeeded : null,
      ),
    }));
    const arrivalSeries: Series[] = [
      ...regions.map((region) => ({
        name: region,
        color: color(region),
        values: run.timeline.map((p) => p.arrivals[region] ?? 0),
      })),
      {
        name: 'calls started',
        color: '#111827',
        dashed: true,
        values: run.timeline.map((p) => p.calls),
      },
    ];
    const markers: Marker[] = run.breakerTransitions.map((t) => ({
      atS: t.tMs / 1000,
      color: color(t.region),
      filled: t.state.startsWith('open'),
      label: `${t.region} breaker ${t.state} at ${(t.tMs / 1000).toFixed(1)} s (client's view)`,
    }));
    const markerNote = markers.length
      ? `<p class="note">▼ breaker opened, ▽ half-open or closed, as the client reported it (colour = region).</p>`
      : '';
    const chart = (
      title: string,
      yMax: number,
      yFormat: (v: number) => string,
      series: Series[],
      stacked = false,
      note = '',
    ) =>
      `<figure>${renderChart({ title, width, height, durationS, yMax, yFormat, series, shades, stacked, markers: stacked ? markers : [] })}${legend(series)}${note}</figure>`;
    return `<section class="run">
<h2>${esc(who)} <span class="${run.pass ? 'pass' : 'fail'}">${run.pass ? 'PASS' : 'FAIL'}</span></h2>
${chart('Success rate per second (calls by start time)', 1, pctTick, successSeries)}
${chart('p99 latency per second (ms)', p99Max, (v) => `${Math.round(v)}`, p99Series)}
${chart('Traffic share: who answered the successful calls', 1, pctTick, shareSeries, true, markerNote)}
${chart('Attempts arriving at each region per second (load on the servers)', arrivalsMax, (v) => `${Math.round(v)}`, arrivalSeries)}
</section>`;
  };

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Game day: ${esc(summary.scenario)} — ${summary.pass ? 'PASS' : 'FAIL'}</title>
<style>${CSS}</style></head>
<body>
<header>
<h1>Game day: ${esc(summary.scenario)} <span class="${summary.pass ? 'pass' : 'fail'}">${summary.pass ? 'PASS' : 'FAIL'}</span></h1>
<p class="desc">${esc(summary.description)}</p>
<p class="meta">Local region <b>${esc(summary.local)}</b> · ${summary.rps} calls/s for ${summary.durationS} s over ${esc(summary.protocol)} · deadline ${summary.deadlineMs} ms per call · generated ${esc(summary.generatedAt)}</p>
${faultList(summary)}
${verdictBlock(summary)}
</header>
<main>
${keyFigures(runs)}
<div class="runs ${runs.length > 1 ? 'two' : 'one'}">${runs.map(column).join('\n')}</div>
<h2>Summary</h2>
${summaryTable(runs)}
${regionTable(runs, regions)}
<p class="foot">Numbers come from the regions' servers (attempts arriving, answers given, writes applied) and from the load generator (calls, outcomes, durations), not from the client library. Shaded: fault windows. Definitions: packages/gameday/README.md.</p>
</main>
</body></html>
`;
}

function faultList(summary: GameDaySummary): string {
  if (summary.faults.length === 0) return '<p class="meta">No faults injected.</p>';
  return `<ul class="faults">${summary.faults.map((f) => `<li>${esc(describeFault(f))}</li>`).join('')}</ul>`;
}

function verdictBlock(summary: GameDaySummary): string {
  const warnings = summary.harness.warnings.length
    ? `<div class="verdict warn"><ul>${summary.harness.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`
    : '';
  if (summary.violations.length === 0) {
    return `<p class="verdict pass">Every expectation met: ${esc(expectText(summary))}.</p>${warnings}`;
  }
  return `<div class="verdict fail"><p>Unmet expectations:</p><ul>${summary.violations
    .map((v) => `<li>${esc(v)}</li>`)
    .join('')}</ul></div>${warnings}`;
}

function expectText(summary: RunSummary): string {
  const entries = Object.entries(summary.expect);
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : 'none set';
}

/** The six numbers an SRE looks at first, one card each; the baseline's value underneath. */
function keyFigures(runs: readonly RunSummary[]): string {
  const figures: [string, (r: RunSummary) => string][] = [
    ['success rate', (r) => `${(r.successRate * 100).toFixed(2)}%`],
    ['p99 latency', (r) => `${Math.round(r.latencyMs.p99)} ms`],
    ['load amplification', (r) => `${r.loadAmplification.toFixed(2)}×`],
    ['duplicate writes', (r) => String(r.duplicateWrites)],
    [
      'time to shift',
      (r) =>
        r.shift.needed ? (r.timeToShiftMs === null ? 'never' : `${r.timeToShiftMs} ms`) : '—',
    ],
    [
      'time to recover',
      (r) =>
        r.shift.needed ? (r.timeToRecoverMs === null ? 'never' : `${r.timeToRecoverMs} ms`) : '—',
    ],
  ];
  const [main, baseline] = runs;
  if (!main) return '';
  return `<div class="cards">${figures
    .map(
      ([label, value]) =>
        `<div class="card"><div class="label">${esc(label)}</div><div class="value">${esc(value(main))}</div>${
          baseline ? `<div class="base">naive: ${esc(value(baseline))}</div>` : ''
        }</div>`,
    )
    .join('')}</div>`;
}

function summaryTable(runs: readonly RunSummary[]): string {
  const rows: [string, (r: RunSummary) => string][] = [
    [
      'verdict',
      (r) => `<span class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'PASS' : 'FAIL'}</span>`,
    ],
    ['successRate', (r) => `${(r.successRate * 100).toFixed(2)}%`],
    ['calls (requests)', (r) => `${r.requests} (${r.succeeded} ok, ${r.failed} failed)`],
    [
      'latency p50 / p99 / p99.9',
      (r) => `${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.p999} ms`,
    ],
    [
      'failed calls p50 / p99',
      (r) => (r.failedLatencyMs ? `${r.failedLatencyMs.p50} / ${r.failedLatencyMs.p99} ms` : '—'),
    ],
    ['serverRequests', (r) => String(r.serverRequests)],
    ['loadAmplification', (r) => r.loadAmplification.toFixed(3)],
    [
      'duplicateWrites',
      (r) =>
        `${r.duplicateWrites} (of ${r.writes.sent} writes; ${r.writes.replayed} resends deduplicated by key)`,
    ],
    [
      'timeToShiftMs',
      (r) =>
        shiftText(
          r.timeToShiftMs,
          r.shift.needed,
          r.shift.everywhere ? 'impossible: every region down' : 'never shifted',
        ),
    ],
    [
      'timeToRecoverMs',
      (r) => shiftText(r.timeToRecoverMs, r.shift.needed, 'not back within the run'),
    ],
    [
      'failures by reason',
      (r) =>
        esc(
          Object.entries(r.failureReasons)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || '—',
        ),
    ],
    ['breaker transitions (client)', (r) => esc(breakerText(r))],
    [
      'harness warnings',
      (r) => (r.harness.warnings.length ? r.harness.warnings.map(esc).join('<br>') : 'none'),
    ],
    [
      'unmet expectations',
      (r) => (r.violations.length ? r.violations.map(esc).join('<br>') : 'none'),
    ],
  ];
  const head = runs
    .map((r) => `<th>${r.client === 'regionkit' ? 'regionkit' : 'naive baseline'}</th>`)
    .join('');
  return `<table class="summary"><thead><tr><th></th>${head}</tr></thead><tbody>${rows
    .map(
      ([label, cell]) =>
        `<tr><th>${esc(label)}</th>${runs.map((r) => `<td>${cell(r)}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

function breakerText(run: RunSummary): string {
  if (run.client === 'naive') return '— (no breakers)';
  const shown = run.breakerTransitions.slice(0, 12);
  const text = shown.map((t) => `${t.region} ${t.state} ${(t.tMs / 1000).toFixed(1)} s`).join(', ');
  const more = run.breakerTransitions.length - shown.length;
  return (text || 'none') + (more > 0 ? `, and ${more} more` : '');
}

function shiftText(value: number | null, needed: boolean, missing: string): string {
  if (!needed) return '— (no shift needed)';
  return value === null ? esc(missing) : `${value} ms`;
}

function regionTable(runs: readonly RunSummary[], regions: readonly string[]): string {
  const header = runs
    .map((r) => `<th colspan="3">${r.client === 'regionkit' ? 'regionkit' : 'naive baseline'}</th>`)
    .join('');
  const sub = runs.map(() => '<th>served</th><th>share</th><th>arrivals (dropped)</th>').join('');
  const rows = regions
    .map((region) => {
      const cells = runs
        .map((r) => {
          const s = r.byRegion[region];
          if (!s) return '<td></td><td></td><td></td>';
          return `<td>${s.served}</td><td>${(s.share * 100).toFixed(1)}%</td><td>${s.arrivals} (${s.dropped})</td>`;
        })
        .join('');
      return `<tr><th>${esc(region)}${region === runs[0]?.local ? ' (local)' : ''}</th>${cells}</tr>`;
    })
    .join('');
  return `<h2>By region</h2><table class="regions"><thead><tr><th></th>${header}</tr><tr><th></th>${sub}</tr></thead><tbody>${rows}</tbody></table>`;
}

function pctTick(v: number): string {
  return `${Math.round(v * 100)}%`;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0;background:#f9fafb}
header,main{max-width:1120px;margin:0 auto;padding:16px 20px}
header{background:#fff;border-bottom:1px solid #e5e7eb;max-width:none;padding-left:max(20px,calc((100% - 1080px)/2));padding-right:max(20px,calc((100% - 1080px)/2))}
h1{font-size:22px;margin:4px 0}
h2{font-size:17px;margin:18px 0 8px}
.desc{margin:2px 0 6px;font-size:15px}
.meta{color:#4b5563;margin:2px 0}
.faults{margin:6px 0;padding-left:20px;color:#991b1b}
.pass{color:#15803d;font-weight:700}
.fail{color:#b91c1c;font-weight:700}
.verdict{margin:8px 0;padding:8px 12px;border-radius:6px}
.verdict.pass{background:#dcfce7;font-weight:600}
.verdict.fail{background:#fee2e2;color:#7f1d1d}
.verdict.warn{background:#fef3c7;color:#78350f}
.verdict p{margin:0}
.note{font-size:12px;color:#4b5563;margin:2px 0 0}
.verdict ul{margin:4px 0 0;padding-left:20px}
table{border-collapse:collapse;background:#fff;margin:8px 0 16px;width:100%}
th,td{border:1px solid #e5e7eb;padding:5px 10px;text-align:left;vertical-align:top}
thead th{background:#f3f4f6}
tbody th{font-weight:600;white-space:nowrap;width:1%}
.runs.two{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.run{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:4px 12px 8px}
figure{margin:8px 0 14px}
svg{max-width:100%;height:auto;display:block}
.chart-title{font-size:13px;font-weight:600;fill:#111827}
.tick{font-size:11px;fill:#4b5563}
.grid{stroke:#e5e7eb;stroke-width:1}
.axis{stroke:#9ca3af;stroke-width:1}
.fault{fill:#f87171;fill-opacity:.18}
.fault-edge{stroke:#dc2626;stroke-width:1;stroke-dasharray:3 3}
.legend{font-size:12px;color:#374151;display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:2px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-2px}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin:8px 0 14px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px}
.card .label{color:#4b5563;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:22px;font-weight:700;color:#1d4ed8}
.card .base{color:#b91c1c;font-size:13px}
.foot{color:#6b7280;font-size:12px}
`;
