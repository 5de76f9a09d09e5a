/**
 * What the regions observed, per second of the run: requests arriving (delivered or swallowed
 * by a blackhole) and answers given, by kind. Filled live by the world's observer.
 */
import { performance } from 'node:perf_hooks';
import type { AnswerKind } from '../world/region-faults.js';
import type { WorldObserver } from '../world/world.js';

export interface RegionSecond {
  /** Requests that reached the region in this second (delivered + dropped). */
  arrivals: number;
  /** Of those, swallowed by a blackhole or partition (never answered). */
  dropped: number;
  ok: number;
  error: number;
  throttled: number;
  rejected: number;
}

export interface RegionTotals extends RegionSecond {}

function emptySecond(): RegionSecond {
  return { arrivals: 0, dropped: 0, ok: 0, error: 0, throttled: 0, rejected: 0 };
}

export class RegionRecorder implements WorldObserver {
  /** Time zero (performance.now() clock); nothing is recorded before `start()` (warm-up). */
  #startedAt: number | undefined;
  readonly harnessErrors: string[] = [];
  readonly #seconds = new Map<string, RegionSecond[]>();
  readonly #totals = new Map<string, RegionTotals>();
  /** Arrivals and ok answers since the live view last asked. */
  #interval = new Map<string, { arrivals: number; ok: number }>();

  constructor(regions: readonly string[]) {
    for (const region of regions) {
      this.#seconds.set(region, []);
      this.#totals.set(region, emptySecond());
    }
  }

  /** Starts recording; `at` is the run's time zero. */
  start(at: number): void {
    this.#startedAt = at;
  }

  arrivals(region: string, count: number, delivered: boolean): void {
    const second = this.#second(region);
    const totals = this.#totals.get(region);
    if (!second || !totals) return;
    second.arrivals += count;
    totals.arrivals += count;
    this.#intervalOf(region).arrivals += count;
    if (!delivered) {
      second.dropped += count;
      totals.dropped += count;
    }
  }

  answered(region: string, kind: AnswerKind): void {
    const second = this.#second(region);
    const totals = this.#totals.get(region);
    if (!second || !totals) return;
    second[kind]++;
    totals[kind]++;
    if (kind === 'ok') this.#intervalOf(region).ok++;
  }

  /** What arrived and what was answered ok, per region, since the previous call. */
  takeInterval(): ReadonlyMap<string, { arrivals: number; ok: number }> {
    const interval = this.#interval;
    this.#interval = new Map();
    return interval;
  }

  #intervalOf(region: string): { arrivals: number; ok: number } {
    let counts = this.#interval.get(region);
    if (!counts) {
      counts = { arrivals: 0, ok: 0 };
      this.#interval.set(region, counts);
    }
    return counts;
  }

  harnessError(message: string): void {
    this.harnessErrors.push(message);
  }

  /** Per-second series of one region; seconds with nothing recorded are zeros. */
  series(region: string, seconds: number): RegionSecond[] {
    const recorded = this.#seconds.get(region) ?? [];
    return Array.from({ length: seconds }, (_, i) => recorded[i] ?? emptySecond());
  }

  totals(region: string): RegionTotals {
    return { ...(this.#totals.get(region) ?? emptySecond()) };
  }

  /** Sum of arrivals over every region: the attempts that reached any region. */
  get serverRequests(): number {
    let sum = 0;
    for (const totals of this.#totals.values()) sum += totals.arrivals;
    return sum;
  }

  #second(region: string): RegionSecond | undefined {
    const seconds = this.#seconds.get(region);
    if (!seconds || this.#startedAt === undefined) return undefined;
    const index = Math.max(0, Math.floor((performance.now() - this.#startedAt) / 1000));
    let second = seconds[index];
    if (!second) {
      second = emptySecond();
      seconds[index] = second;
    }
    return second;
  }
}
