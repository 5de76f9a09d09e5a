export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * "Full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * retry n waits a uniformly random time in [0, min(maxDelayMs, baseDelayMs · 2^(n-1))).
 * Spreading retries over the whole interval de-synchronises clients that failed together,
 * which p-retry's `randomize` (a 1–2× factor) does not.
 */
export function fullJitterDelayMs(
  retryNumber: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
  return Math.floor(random() * ceiling);
}
