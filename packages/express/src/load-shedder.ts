import type { Priority } from '@regionkit/core';
import type { ResolvedShedding } from './config.js';
import { LoadMonitor } from './load-monitor.js';

const PRIORITIES: readonly Priority[] = ['sheddable', 'default', 'critical'];

export interface LoadSnapshot {
  readonly eventLoopDelayMs: number;
  readonly inFlight: number;
  /** max(eventLoopDelayMs / maxEventLoopDelayMs, inFlight / maxInFlight). */
  readonly pressure: number;
  /** Priorities being shed right now. */
  readonly shedding: readonly Priority[];
  /** Share of requests shed over the last window (0-1). */
  readonly shedRatio: number;
  readonly windowRequests: number;
}

/**
 * Edge load shedding by priority. Pressure is the larger of event-loop delay and in-flight
 * requests, each relative to its limit; a priority is shed while pressure is at or above its
 * level, so sheddable traffic goes first and critical traffic last.
 */
export class LoadShedder {
  readonly #config: ResolvedShedding;
  readonly #monitor: LoadMonitor;
  // Two windows: the shed share reads the current one plus the one before, so it never drops
  // to "no data" right after a rotation. Monotonic time: a wall-clock step back must not
  // freeze the window (and with it an unhealthy verdict).
  #windowStart = performance.now();
  #admitted = 0;
  #shed = 0;
  /** Shed requests of default or critical priority. */
  #shedAboveSheddable = 0;
  #previousAdmitted = 0;
  #previousShed = 0;
  #previousShedAboveSheddable = 0;

  constructor(config: ResolvedShedding) {
    this.#config = config;
    this.#monitor = new LoadMonitor(
      config.sampleIntervalMs,
      config.resolutionMs,
      config.smoothingMs,
      (now) => this.#rotate(now),
    );
  }

  pressure(): number {
    return Math.max(this.#delayPressure(), this.#monitor.inFlight / this.#config.maxInFlight);
  }

  /** Admits the request (counting it in flight until `release`) or says to shed it. */
  admit(priority: Priority): boolean {
    if (this.pressure() >= this.#config.levels[priority]) {
      this.#shed++;
      if (priority !== 'sheddable') this.#shedAboveSheddable++;
      return false;
    }
    this.#admitted++;
    this.#monitor.inFlight++;
    return true;
  }

  release(): void {
    this.#monitor.inFlight--;
  }

  get retryAfterSeconds(): number {
    return this.#config.retryAfterSeconds;
  }

  /**
   * Shedding heavily, or shedding more than sheddable traffic: steer traffic elsewhere. Judged
   * on the window's sheds and the smoothed event-loop delay, never on the in-flight count of
   * the moment: admission holds that count right at a level, so a load balancer polling it
   * would read a coin flip.
   */
  overloaded(): boolean {
    this.#rotate(performance.now());
    const { levels, minWindowRequests, unhealthyShedRatio } = this.#config;
    const { shed, total } = this.#window();
    const enough = total >= minWindowRequests;
    return (
      this.#delayPressure() >= levels.default ||
      (enough && this.#shedAboveSheddable + this.#previousShedAboveSheddable > 0) ||
      (enough &&
        shed > 0 && // a threshold of 0 means "any shedding", not "always"
        shed / total >= unhealthyShedRatio)
    );
  }

  snapshot(): LoadSnapshot {
    this.#rotate(performance.now());
    const pressure = this.pressure();
    const { shed, total } = this.#window();
    return {
      eventLoopDelayMs: round(this.#monitor.eventLoopDelayMs),
      inFlight: this.#monitor.inFlight,
      pressure: round(pressure),
      shedding: PRIORITIES.filter((p) => pressure >= this.#config.levels[p]),
      shedRatio: total === 0 ? 0 : round(shed / total),
      windowRequests: total,
    };
  }

  close(): void {
    this.#monitor.close();
  }

  #delayPressure(): number {
    return this.#monitor.eventLoopDelayMs / this.#config.maxEventLoopDelayMs;
  }

  /** Requests shed, and all requests, over the current window and the one before. */
  #window(): { shed: number; total: number } {
    const shed = this.#shed + this.#previousShed;
    return { shed, total: shed + this.#admitted + this.#previousAdmitted };
  }

  #rotate(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed < this.#config.windowMs) return;
    const skippedOne = elapsed >= 2 * this.#config.windowMs;
    this.#previousAdmitted = skippedOne ? 0 : this.#admitted;
    this.#previousShed = skippedOne ? 0 : this.#shed;
    this.#previousShedAboveSheddable = skippedOne ? 0 : this.#shedAboveSheddable;
    this.#admitted = 0;
    this.#shed = 0;
    this.#shedAboveSheddable = 0;
    this.#windowStart = now;
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
