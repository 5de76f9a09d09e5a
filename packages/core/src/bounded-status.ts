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
  #current: Bucket | undefined;
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

  /** What opossum calls, once per breaker event, with the count's name. */
  increment(property: string): void {
    const bucket = this.#bucket();
    if (bucket) bucket[property] = (bucket[property] ?? 0) + 1;
  }

  countCall(fault: boolean): void {
    const bucket = this.#bucket();
    if (!bucket) return;
    // Named writes: `increment` with two names from one call site costs a polymorphic lookup
    // per count, on every attempt.
    bucket.fires++;
    if (fault) bucket.failures++;
    else bucket.successes++;
  }

  #bucket(): Bucket | undefined {
    this.#current ??= this.window[0] as Bucket | undefined;
    return this.#current;
  }

  override shutdown(): void {
    super.shutdown();
    this.#rotations.removeListener('rotate', this.#forgetCurrent);
  }
}

/** One bucket of opossum's rolling counts; opossum creates each with every count at 0. */
interface Bucket extends Record<string, number> {
  fires: number;
  successes: number;
  failures: number;
}

/** A breaker's rolling counts, written to the current bucket. */
export interface CountingStatus extends OpossumStatus {
  /** Adds one to the count named `property`. */
  increment(property: string): void;
  /** Counts one call (a fire) and its outcome, a success or a failure, as opossum would. */
  countCall(fault: boolean): void;
}

export function countsOnlyStatus(options: StatusOptions): CountingStatus {
  return new CountsOnlyStatus(options);
}
