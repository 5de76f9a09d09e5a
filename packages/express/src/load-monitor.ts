import { type ELDHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * How loaded this process is: event-loop delay over the last sample interval (p99 of
 * `perf_hooks.monitorEventLoopDelay`, or how late the sampling tick itself ran, whichever is
 * larger) and the number of requests in progress.
 */
export class LoadMonitor {
  /** Event-loop delay (ms): per-interval p99, averaged over about `smoothingMs`. */
  eventLoopDelayMs = 0;
  /** Requests admitted and not yet finished. */
  inFlight = 0;
  readonly #histogram: ELDHistogram;
  readonly #resolutionMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onSample: (now: number) => void;
  readonly #sampleIntervalMs: number;
  /** Weight of the newest sample in the moving average (1 = no smoothing). */
  readonly #weight: number;
  #lastSampleAt = performance.now();

  constructor(
    sampleIntervalMs: number,
    resolutionMs: number,
    smoothingMs: number,
    onSample: (now: number) => void,
  ) {
    this.#weight = Math.min(1, sampleIntervalMs / smoothingMs);
    this.#resolutionMs = resolutionMs;
    this.#onSample = onSample;
    this.#sampleIntervalMs = sampleIntervalMs;
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
    // unref: measuring load must never keep a process alive.
    this.#timer = setInterval(() => this.#sample(), sampleIntervalMs).unref();
  }

  #sample(): void {
    const now = performance.now();
    // How late this tick itself ran. reset() makes the histogram drop its next interval, so
    // a block that ends right before a tick would otherwise go unseen.
    const lateMs = Math.max(0, now - this.#lastSampleAt - this.#sampleIntervalMs);
    this.#lastSampleAt = now;
    const histogram = this.#histogram;
    // The histogram records whole timer intervals; the resolution itself is not delay.
    const p99Ms = histogram.count > 0 ? histogram.percentile(99) / 1e6 - this.#resolutionMs : 0;
    const sample = Math.max(0, p99Ms, lateMs);
    // Exponentially weighted: one GC pause must not shed traffic, sustained delay must.
    this.eventLoopDelayMs += this.#weight * (sample - this.eventLoopDelayMs);
    histogram.reset();
    this.#onSample(now); // monotonic (performance.now), as the shedder's windows are
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
    // No longer measured: a delay frozen at its last value would shed (and fail health
    // checks) for good. In-flight requests are still counted.
    this.eventLoopDelayMs = 0;
  }
}
