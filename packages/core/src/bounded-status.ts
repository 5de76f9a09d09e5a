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
  increment(property: string): void {
    const bucket = this.window[0];
    if (bucket) bucket[property] = (bucket[property] ?? 0) + 1;
  }
}

export function countsOnlyStatus(options: StatusOptions): OpossumStatus {
  return new CountsOnlyStatus(options);
}
