import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';

/**
 * opossum's rolling `Status` appends every call's latency to an array in the current bucket,
 * even with `rollingPercentilesEnabled: false`, so its memory grows with traffic between
 * rotations. regionkit computes percentiles from its own fixed-size histogram, so it hands each
 * breaker this Status (opossum's documented `options.status` hook), which keeps the counts and
 * drops the samples.
 */
const probe = CircuitBreaker.newStatus({
  rotateBucketController: new EventEmitter(),
  enableSnapshots: false,
});
const Status = probe.constructor as new (options: StatusOptions) => OpossumStatus;
probe.shutdown();

interface StatusOptions {
  rollingCountTimeout: number;
  rollingCountBuckets: number;
  rollingPercentilesEnabled: boolean;
  enableSnapshots: boolean;
  rotateBucketController: EventEmitter;
}

interface OpossumStatus {
  readonly window: Array<Record<string, number>>;
  shutdown(): void;
}

class CountsOnlyStatus extends Status {
  /**
   * The bucket counts go to, cached between rotations: opossum's `window` getter returns a copy
   * of the whole window, and every attempt increments twice (fire, then its outcome).
   */
  #current: Record<string, number> | undefined;
  readonly #rotations: EventEmitter;
  readonly #forgetCurrent = () => {
    this.#current = undefined;
  };

  constructor(options: StatusOptions) {
    super(options);
    this.#rotations = options.rotateBucketController;
    // Forgetting (rather than reading the new bucket here) is right whether this listener runs
    // before or after opossum's own rotation: no increment can come between the two.
    this.#rotations.on('rotate', this.#forgetCurrent);
  }

  increment(property: string): void {
    this.#current ??= this.window[0];
    const bucket = this.#current;
    if (bucket) bucket[property] = (bucket[property] ?? 0) + 1;
  }

  override shutdown(): void {
    super.shutdown();
    this.#rotations.removeListener('rotate', this.#forgetCurrent);
  }
}

/** A breaker's rolling counts; `increment` adds one to a count of the current bucket. */
export interface CountingStatus extends OpossumStatus {
  increment(property: string): void;
}

export function countsOnlyStatus(options: StatusOptions): CountingStatus {
  return new CountsOnlyStatus(options);
}
