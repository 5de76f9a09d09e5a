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
