/**
 * What the regions observed, per second of the run: requests arriving (delivered or swallowed
 * by a blackhole) and answers given, by kind. Filled live by the world's observer, inside the
 * world's process; shipped to the runner as a plain snapshot at the end.
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

/** Everything recorded, as plain data (crosses the process boundary as is). */
export interface RecorderSnapshot {
  readonly seconds: Record<string, RegionSecond[]>;
  readonly totals: Record<string, RegionSecond>;
  readonly harnessErrors: string[];
}

/** Arrivals and ok answers per region over one live-view interval. */
export type IntervalCounts = Record<string, { arrivals: number; ok: number }>;

function emptySecond(): RegionSecond {
  return { arrivals: 0, dropped: 0, ok: 0, error: 0, throttled: 0, rejected: 0 };
}

export class RegionRecorder implements WorldObserver {
  readonly #data: RecorderSnapshot;
  /** Time zero (performance.now() clock); nothing is recorded before `start()` (warm-up). */
  #startedAt: number | undefined;
  #interval: IntervalCounts = {};

  constructor(regions: readonly string[], data?: RecorderSnapshot) {
    this.#data = data ?? {
      seconds: Object.fromEntries(regions.map((r) => [r, []])),
      totals: Object.fromEntries(regions.map((r) => [r, emptySecond()])),
      harnessErrors: [],
    };
  }

  /** A read-only recorder over a snapshot taken elsewhere. */
  static fromSnapshot(snapshot: RecorderSnapshot): RegionRecorder {
    return new RegionRecorder(Object.keys(snapshot.totals), snapshot);
  }

  /** Starts recording; `at` is the run's time zero on this process's performance.now() clock. */
  start(at: number): void {
    this.#startedAt = at;
  }

  arrivals(region: string, count: number, delivered: boolean): void {
    const second = this.#second(region);
    const totals = this.#data.totals[region];
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
    const totals = this.#data.totals[region];
    if (!second || !totals) return;
    second[kind]++;
    totals[kind]++;
    if (kind === 'ok') this.#intervalOf(region).ok++;
  }

  harnessError(message: string): void {
    this.#data.harnessErrors.push(message);
  }

  get harnessErrors(): readonly string[] {
    return this.#data.harnessErrors;
  }

  /** What arrived and what was answered ok, per region, since the previous call. */
  takeInterval(): IntervalCounts {
    const interval = this.#interval;
    this.#interval = {};
    return interval;
  }

  /** Per-second series of one region; seconds with nothing recorded are zeros. */
  series(region: string, seconds: number): RegionSecond[] {
    const recorded = this.#data.seconds[region] ?? [];
    return Array.from({ length: seconds }, (_, i) => recorded[i] ?? emptySecond());
  }

  totals(region: string): RegionSecond {
    return { ...(this.#data.totals[region] ?? emptySecond()) };
  }

  /** Sum of arrivals over every region: the attempts that reached any region. */
  get serverRequests(): number {
    let sum = 0;
    for (const totals of Object.values(this.#data.totals)) sum += totals.arrivals;
    return sum;
  }

  snapshot(): RecorderSnapshot {
    return this.#data;
  }

  #intervalOf(region: string): { arrivals: number; ok: number } {
    let counts = this.#interval[region];
    if (!counts) {
      counts = { arrivals: 0, ok: 0 };
      this.#interval[region] = counts;
    }
    return counts;
  }

  #second(region: string): RegionSecond | undefined {
    const seconds = this.#data.seconds[region];
    if (!seconds || this.#startedAt === undefined) return undefined;
    const index = Math.max(0, Math.floor((performance.now() - this.#startedAt) / 1000));
    let second = seconds[index];
    if (!second) {
      // Fill gaps so the array stays dense (it is serialised as JSON-like data).
      for (let i = seconds.length; i < index; i++) seconds[i] = emptySecond();
      second = emptySecond();
      seconds[index] = second;
    }
    return second;
  }
}
