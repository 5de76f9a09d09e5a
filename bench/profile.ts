/**
 * `pnpm bench:profile [--rounds N] [--top K]`: where each http-suite subject's main-thread time
 * goes, by layer (regionkit core, regionkit fetch, opossum, OpenTelemetry API, undici, Node.js,
 * native code, GC), measured the way `pnpm bench --suite http` measures throughput at c=64:
 * every subject in one process, interleaved rounds, a full GC before each round.
 *
 * The V8 CPU profiler samples the main thread through the whole run; each sample is charged to
 * the subject whose round was running. Instruction counts (`pnpm bench:instructions`) see one
 * subject alone, fully optimised; this sees the subjects as the throughput suite runs them, JIT
 * tiers and all. The profiler's own cost stretches JavaScript-heavy code more than native code,
 * and samples are statistical: compare layers and subjects within one run, not between runs.
 */
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { measureSideBySide } from './load.js';
import { REQUESTS, ROUNDS, WARMUP, withSubjects } from './suites/http.js';

const CONCURRENCY = 64;
const CALLS = REQUESTS[CONCURRENCY];
/** µs between samples: several samples per request at the suite's rates. */
const SAMPLING_INTERVAL_US = 200;
/**
 * Longest time one sample stands for. The profiler sometimes samples late (a long native call,
 * a GC); a sample's share is the time until the next one, capped so that a late sample at the
 * end of a round cannot claim the forced GC that follows it.
 */
const MAX_SAMPLE_US = 2 * SAMPLING_INTERVAL_US;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: String(ROUNDS) },
    top: { type: 'string', default: '15' },
  },
});

if (!(globalThis as { gc?: unknown }).gc) {
  console.error('run through `pnpm bench:profile` (it needs --expose-gc, as the suite does)');
  process.exit(2);
}

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
interface Window {
  readonly name: string;
  readonly startUs: number;
  readonly endUs: number;
}

const LAYER_NAMES = [
  'regionkit core',
  'regionkit fetch',
  'opossum',
  'otel api',
  'undici',
  'other packages',
  'node',
  'gc',
  'native',
  'harness',
] as const;
type Layer = (typeof LAYER_NAMES)[number];

/** A package's code is its package's, wherever the package manager put it. */
function layerOf(frame: CallFrame): Layer {
  const { url, functionName } = frame;
  const installed = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(url)?.[1];
  if (installed === 'opossum') return 'opossum';
  if (installed?.startsWith('@opentelemetry/')) return 'otel api';
  if (installed === 'undici') return 'undici';
  if (installed === '@regionkit/core' || url.includes('/packages/core/')) return 'regionkit core';
  if (installed === '@regionkit/fetch' || url.includes('/packages/fetch/')) {
    return 'regionkit fetch';
  }
  if (installed) return 'other packages'; // p-retry (retries only), tsx
  if (url.startsWith('node:')) return 'node';
  if (functionName === '(garbage collector)') return 'gc';
  // C++ reached from JavaScript (socket writes, string decoding), the wasm HTTP parser, and
  // V8 itself outside any JavaScript function ('(program)').
  if (url === '' || url.startsWith('wasm')) return 'native';
  return 'harness';
}

const windows: Window[] = [];
const profile = await profileSuite();

/** µs of sampled main-thread time per subject, by layer and by regionkit function. */
const byLayer = new Map<string, Map<string, number>>();
const byFunction = new Map<string, Map<string, number>>();
const requests = new Map<string, number>();
for (const w of windows) requests.set(w.name, (requests.get(w.name) ?? 0) + CALLS);

const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const stamps = sampleTimes(profile);
let current = 0; // rounds ran one after another, so windows and samples share one time order
for (let i = 0; i < stamps.length; i++) {
  const { at, node } = stamps[i] as { at: number; node: number };
  while (current < windows.length && (windows[current] as Window).endUs <= at) current++;
  const window = windows[current];
  if (!window || at < window.startUs) continue; // between rounds: GC, warm-up, set-up
  const frame = frames.get(node) as CallFrame;
  if (frame.functionName === '(idle)') continue;
  const next = stamps[i + 1]?.at ?? window.endUs;
  const us = Math.max(0, Math.min(next, window.endUs, at + MAX_SAMPLE_US) - at);
  const layer = layerOf(frame);
  add(byLayer, window.name, layer, us);
  if (layer.startsWith('regionkit')) {
    const where = `${frame.url.replace(/^.*\/packages\//, '')}:${frame.lineNumber + 1}`;
    add(byFunction, window.name, `${frame.functionName || '(anonymous)'} ${where}`, us);
  }
}

/** µs per request, from µs summed over all of a subject's requests. */
const perRequest = (subject: string, us: number) => us / (requests.get(subject) ?? 1);

console.log(
  `\nmain-thread time, µs per request by layer (sampled under the profiler; c=${CONCURRENCY}, ` +
    `${values.rounds} interleaved rounds of ${CALLS}, full GC before each)`,
);
console.table(
  [...byLayer.keys()].map((subject) => {
    const cells = byLayer.get(subject) as Map<string, number>;
    const row: Record<string, string> = { subject };
    let total = 0;
    for (const layer of LAYER_NAMES) {
      const us = perRequest(subject, cells.get(layer) ?? 0);
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

/** Runs the suite's c=64 measurement under the profiler, recording each round's window. */
async function profileSuite(): Promise<Profile> {
  const session = new Session();
  session.connect();
  try {
    return await withSubjects(async (list) => {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
      await session.post('Profiler.start');
      await measureSideBySide(list, {
        suite: 'http',
        warmup: WARMUP,
        calls: { [CONCURRENCY]: CALLS },
        rounds: Number(values.rounds),
        onWindow: (name, startUs, endUs) => windows.push({ name, startUs, endUs }),
      });
      const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
      return profile;
    });
  } finally {
    session.disconnect();
  }
}

/** Each sample's time (µs, the profiler's clock) and node, in time order. */
function sampleTimes(p: Profile): Array<{ at: number; node: number }> {
  let at = p.startTime;
  const stamps = p.samples.map((node, i) => {
    at += p.timeDeltas[i] ?? 0;
    return { at, node };
  });
  // V8 can record a sample slightly out of order (a negative delta).
  return stamps.sort((a, b) => a.at - b.at);
}

function add(table: Map<string, Map<string, number>>, row: string, key: string, us: number) {
  let cells = table.get(row);
  if (!cells) {
    cells = new Map();
    table.set(row, cells);
  }
  cells.set(key, (cells.get(key) ?? 0) + us);
}
