/**
 * Suite `core`: in-process cost of one call through @regionkit/core (routing + breaker + retry
 * loop + context) with an instant transport, side by side with a bare async call, opossum alone
 * and cockatiel's retry+breaker pipeline. Rows: { suite: 'core', name, nsPerCall } and, for
 * `regionkit`, heapDeltaMB: heap growth over 1M calls after a forced GC.
 */
import { createRegionalClient } from '@regionkit/core';
import {
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  wrap,
} from 'cockatiel';
import CircuitBreaker from 'opossum';
import type { BenchRow, BenchSuite } from '../row.js';

const CALLS = 200_000;
const ROUNDS = 5;
const HEAP_CALLS = 1_000_000;

type Subject = { name: string; call: () => Promise<unknown> };

const instant = async () => 1;

function subjects(): { list: Subject[]; close: () => void } {
  // opossum as most code uses it: its defaults, which include a 10 s timeout (one timer per call).
  const opossum = new CircuitBreaker(instant);
  const cockatiel = wrap(
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 5_000, breaker: new ConsecutiveBreaker(5) }),
  );
  const client = createRegionalClient({
    service: 'bench',
    localRegion: 'local',
    regions: [
      { name: 'local', rttMs: 1 },
      { name: 'near', rttMs: 20 },
      { name: 'far', rttMs: 80 },
    ],
  });
  return {
    list: [
      { name: 'bare', call: instant },
      { name: 'opossum', call: () => opossum.fire() },
      { name: 'cockatiel', call: () => cockatiel.execute(instant) },
      { name: 'regionkit', call: () => client.execute(instant, { idempotent: true }) },
    ],
    close: () => {
      opossum.shutdown();
      client.close();
    },
  };
}

/** Sequential awaits: per-call latency of the whole pipeline, including its promise hops. */
async function nsPerCall(call: () => Promise<unknown>, calls: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await call();
  return Number(process.hrtime.bigint() - start) / calls;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the bench with --expose-gc (pnpm bench does)');
  gc();
  gc();
}

export const coreSuite: BenchSuite = {
  description: `ns per call with an instant transport (median of ${ROUNDS} interleaved rounds of ${CALLS} calls)`,
  async run() {
    const { list, close } = subjects();
    for (const s of list) await nsPerCall(s.call, CALLS / 4); // warm up the JIT
    const samples = new Map<string, number[]>(list.map((s) => [s.name, []]));
    // Interleaved rounds, so machine noise spreads over every subject instead of one.
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of list) samples.get(s.name)?.push(await nsPerCall(s.call, CALLS));
    }
    const regionkit = list.find((s) => s.name === 'regionkit') as Subject;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    await nsPerCall(regionkit.call, HEAP_CALLS);
    collectGarbage();
    const heapDeltaMB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    close();
    const rows: BenchRow[] = list.map((s) => ({
      suite: 'core',
      name: s.name,
      nsPerCall: Math.round(median(samples.get(s.name) ?? [])),
      ...(s.name === 'regionkit' ? { heapDeltaMB: Number(heapDeltaMB.toFixed(2)) } : {}),
    }));
    const ns = (name: string) => rows.find((r) => r.name === name)?.nsPerCall as number;
    console.log(
      `regionkit / opossum = ${(ns('regionkit') / ns('opossum')).toFixed(2)}× (goal ≤ 2), ` +
        `regionkit / cockatiel = ${(ns('regionkit') / ns('cockatiel')).toFixed(2)}× (goal < 1)`,
    );
    return rows;
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
