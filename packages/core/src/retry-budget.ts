import { BucketRing } from './bucket-ring.js';

export interface RetryBudgetPolicy {
  readonly ratio: number;
  readonly minRetriesPerSecond: number;
  readonly windowMs: number;
}

/**
 * Client-wide retry budget in the style of Linkerd and Envoy: over the window, retries may be
 * at most `ratio` × first attempts plus a small floor. During a total outage the servers then
 * see at most ~(1 + ratio)× the calls the application made, instead of maxAttempts×.
 */
export class RetryBudget {
  readonly #policy: RetryBudgetPolicy;
  readonly #ring: BucketRing;
  readonly #calls: Float64Array;
  readonly #retries: Float64Array;

  constructor(policy: RetryBudgetPolicy, now: number) {
    this.#policy = policy;
    const buckets = 10;
    this.#calls = new Float64Array(buckets);
    this.#retries = new Float64Array(buckets);
    this.#ring = new BucketRing(policy.windowMs, buckets, now, (b) => {
      this.#calls[b] = 0;
      this.#retries[b] = 0;
    });
  }

  /** Counts a call's first attempt: each one earns `ratio` of a retry. */
  recordCall(now: number): void {
    const head = this.#ring.current(now);
    this.#calls[head] = (this.#calls[head] ?? 0) + 1;
  }

  /** Takes one retry from the budget; false (and nothing taken) when none is left. */
  tryAcquire(now: number): boolean {
    if (this.available(now) < 1) return false;
    const head = this.#ring.current(now);
    this.#retries[head] = (this.#retries[head] ?? 0) + 1;
    return true;
  }

  /** Retries still allowed in the current window (may be fractional). */
  available(now: number): number {
    this.#ring.current(now);
    let calls = 0;
    let retries = 0;
    for (let b = 0; b < this.#ring.buckets; b++) {
      calls += this.#calls[b] ?? 0;
      retries += this.#retries[b] ?? 0;
    }
    const floor = (this.#policy.minRetriesPerSecond * this.#policy.windowMs) / 1000;
    return Math.max(0, this.#policy.ratio * calls + floor - retries);
  }
}
