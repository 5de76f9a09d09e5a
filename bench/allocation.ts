/**
 * `pnpm bench:alloc`: bytes allocated per request by the http suite's `undici`,
 * `passthrough-interceptor` and `regionkit-request` subjects (client process, real loopback
 * server, concurrency 64).
 *
 * Throughput on this shared 2-core machine moves by ±7% between runs; allocation does not. The
 * script runs with a young generation large enough (64 MB semi-spaces, set by the package
 * script) that no GC runs while a round is measured, so the growth of the used heap over a round
 * is what the round allocated. A round during which a GC ran anyway is discarded.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { load } from './load.js';
import { startServer, subjects } from './suites/http.js';

const SUBJECTS = ['undici', 'passthrough-interceptor', 'regionkit-request'];
const WARMUP = 20_000;
/** Calls per round: ~20 MB at ~14 KB each, well inside one 64 MB semi-space. */
const CALLS = 1_500;
const ROUNDS = 5;

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) {
  console.error(
    'run through `pnpm bench:alloc` (it needs --expose-gc and a large young generation)',
  );
  process.exit(2);
}

/** Lets the event loop run past pending performance-entry callbacks. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

let gcs = 0;
const observer = new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });

const { origin, child } = await startServer();
const chosen = subjects(origin).filter((s) => SUBJECTS.includes(s.name));
const bytes = new Map<string, number[]>(chosen.map((s) => [s.name, []]));
try {
  for (const s of chosen) await load(() => s.call(), 64, WARMUP);
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of chosen) {
      collect();
      collect(); // the second pass frees what the first one's finalizers released
      await settle(); // the observer reports those two collections before the round starts
      const gcsBefore = gcs;
      const before = process.memoryUsage().heapUsed;
      await load(() => s.call(), 64, CALLS);
      const after = process.memoryUsage().heapUsed;
      await settle(); // and any collection during the round before it is judged
      if (gcs === gcsBefore) bytes.get(s.name)?.push((after - before) / CALLS);
    }
  }
} finally {
  observer.disconnect();
  child.kill();
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
console.log(
  `\nbytes allocated per request (median of the rounds with no GC, ${CALLS} requests each, c=64)`,
);
console.table(
  chosen.map((s) => {
    const measured = bytes.get(s.name) ?? [];
    return {
      subject: s.name,
      'bytes / req': Math.round(median(measured)),
      'rounds measured': `${measured.length} of ${ROUNDS}`,
    };
  }),
);
