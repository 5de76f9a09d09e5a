/**
 * `pnpm bench:profile [--rounds N] [--top K]`: where each http-suite subject's client CPU goes,
 * by layer (regionkit core, regionkit fetch, opossum, OpenTelemetry API, undici, Node.js, native
 * code, GC), measured the way `pnpm bench --suite http` measures throughput: every subject in
 * one process, interleaved rounds at concurrency 64, a full GC before each round.
 *
 * The V8 CPU profiler samples the whole run; each sample is charged to the subject whose round
 * was running. Instruction counts (`pnpm bench:instructions`) see one subject alone, fully
 * optimised; this sees the subjects as the throughput suite runs them, JIT tiers and all.
 * Samples are statistical: compare layers within one run, not figures between runs.
 */
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { measureSideBySide } from './load.js';
import { startServer, subjects } from './suites/http.js';

const CALLS = 6_000;
const WARMUP = 5_000;
/** µs between samples: fine enough for ~100 samples per 1,000 requests. */
const SAMPLING_INTERVAL_US = 200;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    top: { type: 'string', default: '15' },
  },
});

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface Profile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: CallFrame }>;
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Layers in the order the table shows them; the first matching test wins. */
const LAYERS: ReadonlyArray<readonly [string, (frame: CallFrame) => boolean]> = [
  ['regionkit core', (f) => f.url.includes('/packages/core/')],
  ['regionkit fetch', (f) => f.url.includes('/packages/fetch/')],
  ['opossum', (f) => f.url.includes('/opossum/')],
  ['otel api', (f) => f.url.includes('/@opentelemetry/')],
  ['undici', (f) => f.url.includes('/undici/')],
  ['node', (f) => f.url.startsWith('node:')],
  ['gc', (f) => f.functionName === '(garbage collector)'],
  // C++ reached from JavaScript (socket writes, string decoding, the wasm HTTP parser) and V8.
  ['native', (f) => f.url === '' || f.url.startsWith('wasm')],
  ['harness', () => true],
];

const windows: Array<{ name: string; startUs: number; endUs: number }> = [];
const session = new Session();
session.connect();
const { origin, child } = await startServer();
const list = subjects(origin);
let profile: Profile;
try {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await session.post('Profiler.start');
  await measureSideBySide(list, {
    suite: 'http',
    warmup: WARMUP,
    calls: { 64: CALLS },
    rounds: Number(values.rounds),
    onWindow: (name, startUs, endUs) => windows.push({ name, startUs, endUs }),
  });
  ({ profile } = (await session.post('Profiler.stop')) as { profile: Profile });
} finally {
  for (const s of list) await s.close();
  child.stdin?.end();
  child.kill();
  session.disconnect();
}

const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
/** µs of sampled CPU per subject, by layer and by function. */
const byLayer = new Map<string, Map<string, number>>();
const byFunction = new Map<string, Map<string, number>>();
const requests = new Map<string, number>();
for (const w of windows) requests.set(w.name, (requests.get(w.name) ?? 0) + CALLS);

let at = profile.startTime;
let current = 0; // windows are in time order, so the sample's window only moves forward
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  while (current < windows.length && (windows[current]?.endUs ?? 0) < at) current++;
  const window = windows[current];
  if (!window || at < window.startUs) continue; // between rounds: GC, warm-up, set-up
  const frame = frames.get(profile.samples[i] as number) as CallFrame;
  if (frame.functionName === '(idle)') continue;
  const delta = profile.timeDeltas[i + 1] ?? SAMPLING_INTERVAL_US;
  const layer = LAYERS.find(([, test]) => test(frame))?.[0] as string;
  add(byLayer, window.name, layer, delta);
  if (layer.startsWith('regionkit')) {
    const where = `${frame.url.replace(/^.*\/packages\//, '')}:${frame.lineNumber + 1}`;
    add(byFunction, window.name, `${frame.functionName || '(anonymous)'} ${where}`, delta);
  }
}

function add(table: Map<string, Map<string, number>>, row: string, key: string, us: number) {
  let cells = table.get(row);
  if (!cells) {
    cells = new Map();
    table.set(row, cells);
  }
  cells.set(key, (cells.get(key) ?? 0) + us);
}

/** µs per request, from µs summed over all of a subject's requests. */
const perRequest = (subject: string, us: number) => us / (requests.get(subject) ?? 1);

console.log(
  `\nclient CPU, µs per request by layer (sampled; c=64, ${values.rounds} interleaved rounds of ${CALLS}, full GC before each)`,
);
console.table(
  list.map((s) => {
    const cells = byLayer.get(s.name) ?? new Map<string, number>();
    const row: Record<string, string> = { subject: s.name };
    let total = 0;
    for (const [layer] of LAYERS) {
      const us = perRequest(s.name, cells.get(layer) ?? 0);
      total += us;
      row[layer] = us.toFixed(1);
    }
    row.total = total.toFixed(1);
    return row;
  }),
);

for (const subject of ['regionkit-request', 'regionkit-fetch']) {
  const cells = [...(byFunction.get(subject) ?? new Map<string, number>())];
  console.log(`\n${subject}: regionkit functions, µs per request (top ${values.top})`);
  for (const [name, us] of cells.sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`${perRequest(subject, us).toFixed(2).padStart(7)}  ${name}`);
  }
}
