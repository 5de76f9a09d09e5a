/** Nearest-rank percentile of an ascending array; `p` in 0..100. NaN for an empty array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // The epsilon keeps 99.9% of 6000 at rank 5994, not 5995 (0.999 × 6000 is 5994.000000000001).
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Rounds to 0.1 ms: finer is noise on a shared loopback. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function ascending(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}
