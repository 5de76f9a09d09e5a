export interface WeightInputs {
  /** Calls in the window; the error rate only counts from `minRequests` on. */
  readonly requests: number;
  /** 0..1 */
  readonly errorRate: number;
  readonly p99Ms: number;
}

export interface WeightPolicy {
  readonly minRequests: number;
  readonly maxErrorRate: number;
  readonly p99MsPerPoint: number;
  readonly minWeight: number;
}

/**
 * `0` when the error rate is above `maxErrorRate` (and the window holds at least
 * `minRequests` calls, so one early failure cannot evict a region); otherwise
 * `max(minWeight, 100 − floor(p99Ms / p99MsPerPoint))`.
 */
export function regionWeight(inputs: WeightInputs, policy: WeightPolicy): number {
  if (inputs.requests >= policy.minRequests && inputs.errorRate > policy.maxErrorRate) return 0;
  return Math.max(policy.minWeight, 100 - Math.floor(inputs.p99Ms / policy.p99MsPerPoint));
}
