/** Load-driving helpers shared by the network benchmark suites (http, grpc). */

/** Runs `total` calls with `concurrency` workers; returns elapsed ms and each call's latency. */
export async function load(
  call: () => Promise<unknown>,
  concurrency: number,
  total: number,
): Promise<{ elapsedMs: number; latencies: Float64Array }> {
  const latencies = new Float64Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const started = performance.now();
      await call();
      latencies[i] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { elapsedMs: performance.now() - started, latencies };
}

export function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A forced GC between measurements, when the bench runs with --expose-gc. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The monotonic clock in µs, as the V8 CPU profiler stamps its samples. */
function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface LoadSubject {
  readonly name: string;
  call(): Promise<unknown>;
}

export interface SideBySidePlan {
  readonly suite: string;
  /** Calls per subject before measuring: JIT, pools, keep-alive connections. */
  readonly warmup: number;
  /** Calls per subject and round, by concurrency. */
  readonly calls: Readonly<Record<number, number>>;
  readonly rounds: number;
  /** Told each measured window: subject, start and end (µs, the V8 profiler's clock). */
  readonly onWindow?: (name: string, startUs: number, endUs: number) => void;
}

/**
 * Measures every subject at every concurrency in interleaved rounds, each round in a rotated
 * order, so machine noise and any after-effect of the previous subject spread over every
 * subject instead of one. Rows: { suite, name, concurrency, reqPerSec, p50Ms, p99Ms }.
 */
export async function measureSideBySide(
  subjects: readonly LoadSubject[],
  plan: SideBySidePlan,
): Promise<
  Array<{
    suite: string;
    name: string;
    concurrency: number;
    reqPerSec: number;
    p50Ms: number;
    p99Ms: number;
  }>
> {
  for (const s of subjects) await load(() => s.call(), 16, plan.warmup);
  const rows = [];
  for (const [concurrencyKey, total] of Object.entries(plan.calls)) {
    const concurrency = Number(concurrencyKey);
    const elapsed = new Map(subjects.map((s) => [s.name, 0]));
    const samples = new Map(subjects.map((s) => [s.name, [] as Float64Array[]]));
    for (let round = 0; round < plan.rounds; round++) {
      const shift = round % subjects.length;
      for (const s of [...subjects.slice(shift), ...subjects.slice(0, shift)]) {
        collectGarbage();
        const startUs = monotonicMicros();
        const result = await load(() => s.call(), concurrency, total);
        plan.onWindow?.(s.name, startUs, monotonicMicros());
        elapsed.set(s.name, (elapsed.get(s.name) ?? 0) + result.elapsedMs);
        samples.get(s.name)?.push(result.latencies);
      }
    }
    for (const s of subjects) {
      const all = samples.get(s.name) ?? [];
      const sorted = new Float64Array(all.reduce((n, a) => n + a.length, 0));
      let offset = 0;
      for (const a of all) {
        sorted.set(a, offset);
        offset += a.length;
      }
      sorted.sort();
      rows.push({
        suite: plan.suite,
        name: s.name,
        concurrency,
        reqPerSec: Math.round((sorted.length / (elapsed.get(s.name) ?? 1)) * 1000),
        p50Ms: Number(percentile(sorted, 50).toFixed(3)),
        p99Ms: Number(percentile(sorted, 99).toFixed(3)),
      });
    }
  }
  return rows;
}
