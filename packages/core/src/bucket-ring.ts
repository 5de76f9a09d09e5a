/**
 * The clock of a rolling window: which of `buckets` slices is current. Rotation happens lazily
 * when asked, clearing each slice it moves into, so windows need no timers.
 */
export class BucketRing {
  readonly buckets: number;
  readonly #bucketMs: number;
  readonly #clear: (bucket: number) => void;
  #head = 0;
  #headStart: number;

  constructor(windowMs: number, buckets: number, now: number, clear: (bucket: number) => void) {
    this.buckets = buckets;
    this.#bucketMs = windowMs / buckets;
    this.#clear = clear;
    this.#headStart = now;
  }

  /** Index of the bucket that `now` falls in, after clearing every bucket that expired. */
  current(now: number): number {
    // The wall clock stepped back (NTP, a resumed VM): the slices would not rotate again until
    // it caught up, so the window would stand still for as long as the step. Start afresh.
    if (now < this.#headStart - this.#bucketMs) this.reset(now);
    const steps = Math.floor((now - this.#headStart) / this.#bucketMs);
    if (steps > 0) {
      const expired = Math.min(steps, this.buckets);
      for (let i = 0; i < expired; i++) {
        this.#head = (this.#head + 1) % this.buckets;
        this.#clear(this.#head);
      }
      this.#headStart += steps * this.#bucketMs;
    }
    return this.#head;
  }

  reset(now: number): void {
    for (let b = 0; b < this.buckets; b++) this.#clear(b);
    this.#head = 0;
    this.#headStart = now;
  }
}
