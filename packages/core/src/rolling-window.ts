import { BucketRing } from './bucket-ring.js';
import { BIN_COUNT, binOf, quantileMs } from './latency-histogram.js';

export interface WindowTotals {
  readonly requests: number;
  readonly errors: number;
  readonly p99Ms: number;
}

/**
 * Outcome counts and a latency histogram over the last `windowMs`. Memory is fixed at
 * construction: traffic changes the counts, never the size.
 */
export class RollingWindow {
  readonly #ring: BucketRing;
  /** Per bucket: [requests, errors]. */
  readonly #counts: Uint32Array;
  /** Per bucket: BIN_COUNT latency bins. */
  readonly #latency: Uint32Array;

  constructor(windowMs: number, buckets: number, now: number) {
    this.#counts = new Uint32Array(buckets * 2);
    this.#latency = new Uint32Array(buckets * BIN_COUNT);
    this.#ring = new BucketRing(windowMs, buckets, now, (b) => {
      this.#counts.fill(0, b * 2, b * 2 + 2);
      this.#latency.fill(0, b * BIN_COUNT, (b + 1) * BIN_COUNT);
    });
  }

  record(failed: boolean, latencyMs: number, now: number): void {
    const head = this.#ring.current(now);
    this.#counts[head * 2] = (this.#counts[head * 2] ?? 0) + 1;
    if (failed) this.#counts[head * 2 + 1] = (this.#counts[head * 2 + 1] ?? 0) + 1;
    const bin = head * BIN_COUNT + binOf(latencyMs);
    this.#latency[bin] = (this.#latency[bin] ?? 0) + 1;
  }

  totals(now: number): WindowTotals {
    this.#ring.current(now);
    let requests = 0;
    let errors = 0;
    const merged = new Uint32Array(BIN_COUNT);
    for (let b = 0; b < this.#ring.buckets; b++) {
      requests += this.#counts[b * 2] ?? 0;
      errors += this.#counts[b * 2 + 1] ?? 0;
      const base = b * BIN_COUNT;
      for (let bin = 0; bin < BIN_COUNT; bin++) {
        merged[bin] = (merged[bin] ?? 0) + (this.#latency[base + bin] ?? 0);
      }
    }
    return { requests, errors, p99Ms: quantileMs(merged, requests, 0.99) };
  }

  reset(now: number): void {
    this.#ring.reset(now);
  }
}
