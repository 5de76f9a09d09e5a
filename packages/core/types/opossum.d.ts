// opossum 10 ships no types and @types/opossum describes v8; this declares only what
// @regionkit/core uses, checked against opossum 10's lib/circuit.js.
declare module 'opossum' {
  import type { EventEmitter } from 'node:events';

  interface CircuitBreakerOptions {
    timeout?: number | false;
    resetTimeout?: number;
    rollingCountTimeout?: number;
    rollingCountBuckets?: number;
    errorThresholdPercentage?: number;
    volumeThreshold?: number;
    rollingPercentilesEnabled?: boolean;
    enableSnapshots?: boolean;
    rotateBucketController?: EventEmitter;
    name?: string;
    /** A Status instance (see `newStatus`) to keep the rolling counts in. */
    status?: unknown;
  }

  class CircuitBreaker<A extends unknown[] = unknown[], R = unknown> extends EventEmitter {
    constructor(action: (...args: A) => Promise<R>, options?: CircuitBreakerOptions);
    fire(...args: A): Promise<R>;
    readonly opened: boolean;
    readonly halfOpen: boolean;
    readonly closed: boolean;
    readonly pendingClose: boolean;
    open(): void;
    close(): void;
    shutdown(): void;
    /** A new rolling-window Status, as opossum would create for itself. */
    static newStatus(options: Omit<CircuitBreakerOptions, 'status'>): { shutdown(): void };
  }

  export default CircuitBreaker;
}
