/**
 * Fixed-size log-scale latency bins: 8 bins per doubling, so a percentile read from them is
 * within ~9% of the true value, and memory stays constant however much traffic flows.
 */
export const BINS_PER_DOUBLING = 8;
/** Enough bins for 2^18 ms (~4.4 minutes); slower attempts land in the last bin. */
export const BIN_COUNT = 18 * BINS_PER_DOUBLING + 1;

/** Whole-millisecond latencies below this are binned from a table. */
const TABLE_LIMIT_MS = 1024;

/**
 * Every attempt's latency is binned, and attempt latencies are `Date.now()` differences (whole
 * milliseconds, mostly small): a table lookup instead of a logarithm per attempt.
 */
const SMALL_BINS = Uint8Array.from({ length: TABLE_LIMIT_MS }, (_, ms) => computeBin(ms));

/** Bin 0 holds everything under 1 ms. */
export function binOf(latencyMs: number): number {
  if (latencyMs >= 0 && latencyMs < TABLE_LIMIT_MS && Number.isInteger(latencyMs)) {
    return SMALL_BINS[latencyMs] as number;
  }
  return computeBin(latencyMs);
}

function computeBin(latencyMs: number): number {
  if (!(latencyMs >= 1)) return 0;
  const bin = Math.floor(Math.log2(latencyMs) * BINS_PER_DOUBLING) + 1;
  return bin < BIN_COUNT ? bin : BIN_COUNT - 1;
}

/** Upper edge of a bin in ms: the value a percentile in that bin is reported as. */
export function binUpperMs(bin: number): number {
  return bin === 0 ? 1 : 2 ** (bin / BINS_PER_DOUBLING);
}

/** The q-quantile (0..1) of the counts in `bins[offset .. offset + BIN_COUNT)`; 0 when empty. */
export function quantileMs(bins: ArrayLike<number>, total: number, q: number): number {
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let bin = 0; bin < BIN_COUNT; bin++) {
    seen += bins[bin] ?? 0;
    if (seen >= rank) return binUpperMs(bin);
  }
  return binUpperMs(BIN_COUNT - 1);
}
