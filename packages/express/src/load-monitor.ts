import { type ELDHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * How loaded this process is: event-loop delay over the last sample interval (p99 of
 * `perf_hooks.monitorEventLoopDelay`, or how late the sampling tick itself ran, whichever is
 * larger) and the number of requests in progress.
 */
export class LoadMonitor {
  /** p99 event-loop delay of the last interval, beyond the sampling resolution (ms). */
  eventLoopDelayMs = 0;
  /** Requests admitted and not yet finished. */
  inFlight = 0;
  readonly #histogram: ELDHistogram;
  readonly #resolutionMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onSample: (now: number) => void;
  readonly #sampleIntervalMs: number;
  #lastSampleAt = performance.now();

  constructor(sampleIntervalMs: number, resolutionMs: number, onSample: (now: number) => void) {
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
    this.eventLoopDelayMs = Math.max(0, p99Ms, lateMs);
    histogram.reset();
    this.#onSample(Date.now());
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}
