/**
 * Turns what the load generator and the regions observed into the numbers of summary.json.
 * Nothing here asks the client library how it did.
 */
import { GAMEDAY_DEFAULTS } from '../defaults.js';
import { disruptionWindow } from '../faults.js';
import type { CallRecord } from '../load/generator.js';
import type { Expectations, Fault, Scenario } from '../scenario.js';
import { ascending, percentile, roundMs } from './percentile.js';
import type { RegionRecorder } from './region-recorder.js';

export type ClientKind = 'regionkit' | 'naive';

export interface RegionSummary {
  /** Successful calls this region answered. */
  readonly served: number;
  /** served / succeeded (0..1). */
  readonly share: number;
  /** Attempts that reached the region (its part of serverRequests). */
  readonly arrivals: number;
  /** Of those, swallowed by a blackhole or partition. */
  readonly dropped: number;
  /** Answers the region's server gave, by kind. */
  readonly answered: {
    readonly ok: number;
    readonly error: number;
    readonly throttled: number;
    readonly rejected: number;
  };
}

/** One second of the run; calls belong to the second they started in. */
export interface TimelinePoint {
  /** Seconds since the load started. */
  readonly t: number;
  readonly calls: number;
  readonly succeeded: number;
  /** null when no call started in this second. */
  readonly successRate: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Successful calls by the region that answered them. */
  readonly servedBy: Readonly<Record<string, number>>;
  /** Attempts arriving at each region in this second. */
  readonly arrivals: Readonly<Record<string, number>>;
}

export interface ShiftDetail {
  /** A disruptive fault hit the local region (or all of them). */
  readonly needed: boolean;
  readonly region: string;
  readonly faultStartMs: number | null;
  readonly faultEndMs: number | null;
  /** Every region was down at once (partition) from the start: no region could take the traffic. */
  readonly everywhere: boolean;
  /**
   * Until when another region could take the traffic (ms): the window's end, or the start of a
   * partition within it. timeToShiftMs is measured up to here.
   */
  readonly shiftUntilMs: number | null;
  readonly reached: boolean;
  readonly recovered: boolean;
}

/** A breaker transition as the client reported it: explains the charts, never counted. */
export interface BreakerTransition {
  /** ms since the load started. */
  readonly tMs: number;
  readonly region: string;
  readonly state: string;
}

export interface RunSummary {
  readonly scenario: string;
  readonly description: string;
  readonly client: ClientKind;
  readonly protocol: Scenario['load']['protocol'];
  readonly local: string;
  readonly durationS: number;
  readonly rps: number;
  readonly deadlineMs: number;
  /** Calls the load generator made. */
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly successRate: number;
  /** Duration of every call, successful or not, from start to settling (ms). */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly p999: number };
  /** Duration of the failed calls only; null when none failed. */
  readonly failedLatencyMs: { readonly p50: number; readonly p99: number } | null;
  readonly byRegion: Readonly<Record<string, RegionSummary>>;
  /** Attempts that reached any region, counted where they arrive. */
  readonly serverRequests: number;
  /** serverRequests / requests. */
  readonly loadAmplification: number;
  /** Logical writes applied more than once. */
  readonly duplicateWrites: number;
  readonly writes: { readonly sent: number; readonly applied: number; readonly replayed: number };
  readonly timeToShiftMs: number | null;
  readonly timeToRecoverMs: number | null;
  readonly shift: ShiftDetail;
  /** Failed calls by what ended them (HTTP status, gRPC status, error code, `late`, `hung`). */
  readonly failureReasons: Readonly<Record<string, number>>;
  readonly expect: Expectations;
  readonly pass: boolean;
  readonly violations: readonly string[];
  readonly faults: readonly Fault[];
  /** The client's breaker transitions (regionkit only): its own view, for reading the charts. */
  readonly breakerTransitions: readonly BreakerTransition[];
  readonly harness: {
    /** rps × durationS. */
    readonly plannedCalls: number;
    /** Calls that started more than `lateStartMs` (100 ms) after their slot in the schedule. */
    readonly lateStarts: number;
    /** p99 of the harness's own event-loop delay (ms): high values make latencies suspect. */
    readonly eventLoopDelayP99Ms: number;
    /** Longest single stall of the harness's event loop (ms). */
    readonly eventLoopDelayMaxMs: number;
    readonly warnings: readonly string[];
  };
  readonly timeline: readonly TimelinePoint[];
}

export interface SummaryInput {
  readonly scenario: Scenario;
  readonly client: ClientKind;
  readonly records: readonly CallRecord[];
  readonly recorder: RegionRecorder;
  readonly breakerTransitions?: readonly BreakerTransition[];
  readonly writes: {
    readonly applied: number;
    readonly replayed: number;
    readonly duplicates: number;
  };
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
}

export function summarize(input: SummaryInput): RunSummary {
  const { scenario, records, recorder } = input;
  const regionNames = scenario.regions.map((r) => r.name);
  const requests = records.length;
  const successes = records.filter((r) => r.ok);
  const failures = records.filter((r) => !r.ok);
  const durations = ascending(records.map((r) => r.endMs - r.startMs));
  const failedDurations = ascending(failures.map((r) => r.endMs - r.startMs));
  const serverRequests = recorder.serverRequests;

  const served = countBy(successes, (r) => r.servedBy ?? '?');
  const byRegion: Record<string, RegionSummary> = {};
  for (const name of regionNames) {
    const totals = recorder.totals(name);
    byRegion[name] = {
      served: served[name] ?? 0,
      share: successes.length ? (served[name] ?? 0) / successes.length : 0,
      arrivals: totals.arrivals,
      dropped: totals.dropped,
      answered: {
        ok: totals.ok,
        error: totals.error,
        throttled: totals.throttled,
        rejected: totals.rejected,
      },
    };
  }

  const { timeToShiftMs, timeToRecoverMs, shift } = shiftTimes(scenario, records);
  const plannedCalls = Math.round(scenario.load.rps * scenario.durationS);
  const late = lateStarts(records, scenario.load.rps, GAMEDAY_DEFAULTS.lateStartMs);
  const warnings = [...recorder.harnessErrors];
  if (
    input.eventLoopDelayP99Ms > GAMEDAY_DEFAULTS.stallP99Ms ||
    input.eventLoopDelayMaxMs > GAMEDAY_DEFAULTS.stallMaxMs
  ) {
    warnings.push(
      `the harness itself stalled (event-loop delay p99 ${input.eventLoopDelayP99Ms} ms, max ${input.eventLoopDelayMaxMs} ms): ` +
        "the client's timers fired late, so timeouts and failures may be the machine's fault, not the regions'; " +
        'rerun on a quieter machine or lower load.rps',
    );
  }
  const base = {
    scenario: scenario.name,
    description: scenario.description,
    client: input.client,
    protocol: scenario.load.protocol,
    local: scenario.local,
    durationS: scenario.durationS,
    rps: scenario.load.rps,
    deadlineMs: scenario.load.deadlineMs,
    requests,
    succeeded: successes.length,
    failed: failures.length,
    successRate: requests ? round4(successes.length / requests) : 0,
    latencyMs: {
      p50: roundMs(percentile(durations, 50) || 0),
      p99: roundMs(percentile(durations, 99) || 0),
      p999: roundMs(percentile(durations, 99.9) || 0),
    },
    failedLatencyMs: failures.length
      ? {
          p50: roundMs(percentile(failedDurations, 50)),
          p99: roundMs(percentile(failedDurations, 99)),
        }
      : null,
    byRegion,
    serverRequests,
    loadAmplification: requests ? round4(serverRequests / requests) : 0,
    duplicateWrites: input.writes.duplicates,
    writes: {
      sent: records.filter((r) => r.kind === 'write').length,
      applied: input.writes.applied,
      replayed: input.writes.replayed,
    },
    timeToShiftMs,
    timeToRecoverMs,
    shift,
    failureReasons: countBy(failures, (r) => r.status),
    expect: scenario.expect,
    faults: scenario.faults,
    breakerTransitions: input.breakerTransitions ?? [],
    harness: {
      plannedCalls,
      lateStarts: late,
      eventLoopDelayP99Ms: input.eventLoopDelayP99Ms,
      eventLoopDelayMaxMs: input.eventLoopDelayMaxMs,
      warnings,
    },
    timeline: timeline(records, recorder, regionNames),
  };
  // Expectations are checked against exact ratios: rounding 0.99945 to 0.9995 must not pass
  // a run that expected 0.9995.
  const violations = checkExpectations(base, scenario.expect, {
    successRate: requests ? successes.length / requests : 0,
    loadAmplification: requests ? serverRequests / requests : 0,
  });
  if (requests === 0) violations.push('the run made no calls, so it proves nothing');
  else if (late > plannedCalls * (1 - GAMEDAY_DEFAULTS.minOnScheduleShare)) {
    violations.push(
      `the load generator fell behind: ${late} of ${plannedCalls} calls started more than ` +
        `${GAMEDAY_DEFAULTS.lateStartMs} ms after their slot (the runner was starved of CPU), so the ` +
        'regions saw less load than planned and the run proves little; rerun on a quieter machine or lower load.rps',
    );
  }
  return { ...base, pass: violations.length === 0, violations };
}

type Measured = Omit<RunSummary, 'pass' | 'violations'>;

/**
 * Calls that started more than `toleranceMs` after their slot in the open-loop schedule (call
 * `seq` is due at seq / rps s). Every planned call is recorded, so only start times show a
 * generator that could not keep up.
 */
export function lateStarts(
  records: readonly CallRecord[],
  rps: number,
  toleranceMs: number,
): number {
  let late = 0;
  for (const record of records) {
    if (record.startMs - (record.seq * 1000) / rps > toleranceMs) late++;
  }
  return late;
}

/** Each unmet expectation, in words an SRE can act on. */
export function checkExpectations(
  summary: Measured,
  expect: Expectations,
  exact: { successRate: number; loadAmplification: number } = summary,
): string[] {
  const violations: string[] = [];
  // `shown` is the rounded figure of the report; `compared`, when given, the exact one checked.
  const unroundedNote = (shown: number, compared: number, roundingHidesIt: boolean) =>
    roundingHidesIt && compared !== shown ? ` (${compared} unrounded)` : '';
  const atLeast = (name: string, shown: number, wanted: number, compared = shown) => {
    if (compared >= wanted) return;
    const note = unroundedNote(shown, compared, shown >= wanted);
    violations.push(`${name} was ${shown}${note}, expected at least ${wanted}`);
  };
  const atMost = (
    name: string,
    shown: number | null,
    wanted: number,
    unit = '',
    compared = shown,
  ) => {
    if (shown === null || compared === null || compared <= wanted) return;
    const note = unroundedNote(shown, compared, shown <= wanted);
    violations.push(`${name} was ${shown}${unit}${note}, expected at most ${wanted}${unit}`);
  };
  if (expect.successRate !== undefined)
    atLeast('successRate', summary.successRate, expect.successRate, exact.successRate);
  if (expect.duplicateWrites !== undefined) {
    atMost('duplicateWrites', summary.duplicateWrites, expect.duplicateWrites);
  }
  if (expect.maxLoadAmplification !== undefined) {
    atMost(
      'loadAmplification',
      summary.loadAmplification,
      expect.maxLoadAmplification,
      '',
      exact.loadAmplification,
    );
  }
  if (expect.maxP99Ms !== undefined)
    atMost('latency p99', summary.latencyMs.p99, expect.maxP99Ms, ' ms');
  if (expect.maxFailedP50Ms !== undefined && summary.failedLatencyMs) {
    atMost(
      'median duration of failed calls',
      summary.failedLatencyMs.p50,
      expect.maxFailedP50Ms,
      ' ms',
    );
  }
  const { shift } = summary;
  // Under a partition there is nowhere to shift to: timeToShiftMs is null by design. Before a
  // partition that starts later the shift is measured, and a shift that did not show there is
  // held against the client only if that time was longer than the expectation allows.
  if (expect.maxTimeToShiftMs !== undefined && shift.needed && !shift.everywhere) {
    const shiftTimeMs = (shift.shiftUntilMs ?? 0) - (shift.faultStartMs ?? 0);
    if (summary.timeToShiftMs !== null) {
      atMost('timeToShiftMs', summary.timeToShiftMs, expect.maxTimeToShiftMs, ' ms');
    } else if (shiftTimeMs > expect.maxTimeToShiftMs) {
      violations.push(
        `traffic never moved off ${shift.region} while it was down (expected within ${expect.maxTimeToShiftMs} ms)`,
      );
    }
  }
  if (expect.maxTimeToRecoverMs !== undefined && shift.needed) {
    if (summary.timeToRecoverMs === null) {
      violations.push(
        `traffic never came back to ${shift.region} after the fault ended (expected within ${expect.maxTimeToRecoverMs} ms)`,
      );
    } else {
      atMost('timeToRecoverMs', summary.timeToRecoverMs, expect.maxTimeToRecoverMs, ' ms');
    }
  }
  return violations;
}

/**
 * timeToShiftMs: from the start of the disruption of the local region to the start of the first
 * 1-s window (sliding by 100 ms) in which ≥ 95% of the successful calls that started in it were
 * answered by another region. timeToRecoverMs: from the end of the disruption to the first such
 * window in which the local region answered ≥ 95% of *all* calls that started in it (a call that
 * failed is not served by anyone, so a region that is back but still shunned does not count as
 * recovered). A window needs at least 5 calls to count. Both null when the local region was
 * never disrupted; timeToShiftMs is also null under a partition (no region could take the
 * traffic).
 */
export function shiftTimes(
  scenario: Scenario,
  records: readonly CallRecord[],
): { timeToShiftMs: number | null; timeToRecoverMs: number | null; shift: ShiftDetail } {
  const local = scenario.local;
  const window = disruptionWindow(scenario.faults, local);
  if (!window) {
    return {
      timeToShiftMs: null,
      timeToRecoverMs: null,
      shift: {
        needed: false,
        region: local,
        faultStartMs: null,
        faultEndMs: null,
        everywhere: false,
        shiftUntilMs: null,
        reached: false,
        recovered: false,
      },
    };
  }
  const runEndMs = scenario.durationS * 1000;
  const successes = byStart(records.filter((r) => r.ok));
  // When every region is down there is nowhere to shift to: only the recovery is measured.
  const shifted = window.everywhere
    ? null
    : firstWindow(successes, window.startMs, window.shiftUntilMs, (r) => r.servedBy !== local);
  const recovered = firstWindow(
    byStart(records),
    window.endMs,
    runEndMs,
    (r) => r.ok && r.servedBy === local,
  );
  return {
    timeToShiftMs: shifted,
    timeToRecoverMs: recovered,
    shift: {
      needed: true,
      region: local,
      faultStartMs: window.startMs,
      faultEndMs: window.endMs,
      everywhere: window.everywhere,
      shiftUntilMs: window.shiftUntilMs,
      reached: shifted !== null,
      recovered: recovered !== null,
    },
  };
}

function byStart(records: readonly CallRecord[]): CallRecord[] {
  return [...records].sort((a, b) => a.startMs - b.startMs);
}

/** Offset (ms after `fromMs`) of the first window starting before `untilMs` where `wanted` holds for ≥ 95%. */
function firstWindow(
  sorted: readonly CallRecord[],
  fromMs: number,
  untilMs: number,
  wanted: (record: CallRecord) => boolean,
): number | null {
  const { shiftStepMs, shiftWindowMs, shiftShare, shiftMinCalls } = GAMEDAY_DEFAULTS;
  for (let offset = 0; fromMs + offset < untilMs; offset += shiftStepMs) {
    const start = fromMs + offset;
    let total = 0;
    let matching = 0;
    for (let i = lowerBound(sorted, start); i < sorted.length; i++) {
      const record = sorted[i] as CallRecord;
      if (record.startMs >= start + shiftWindowMs) break;
      total++;
      if (wanted(record)) matching++;
    }
    if (total >= shiftMinCalls && matching / total >= shiftShare) return offset;
  }
  return null;
}

function lowerBound(sorted: readonly CallRecord[], startMs: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as CallRecord).startMs < startMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function timeline(
  records: readonly CallRecord[],
  recorder: RegionRecorder,
  regions: readonly string[],
): TimelinePoint[] {
  const lastMs = records.reduce((max, r) => Math.max(max, r.startMs), 0);
  const seconds = Math.floor(lastMs / 1000) + 1;
  const buckets = Array.from({ length: seconds }, () => [] as CallRecord[]);
  for (const record of records) buckets[Math.floor(record.startMs / 1000)]?.push(record);
  const arrivals = new Map(regions.map((name) => [name, recorder.series(name, seconds)]));
  return buckets.map((calls, t) => {
    const durations = ascending(calls.map((r) => r.endMs - r.startMs));
    const ok = calls.filter((r) => r.ok);
    const servedBy: Record<string, number> = {};
    const arrived: Record<string, number> = {};
    for (const name of regions) {
      servedBy[name] = ok.filter((r) => r.servedBy === name).length;
      arrived[name] = arrivals.get(name)?.[t]?.arrivals ?? 0;
    }
    return {
      t,
      calls: calls.length,
      succeeded: ok.length,
      successRate: calls.length ? round4(ok.length / calls.length) : null,
      p50Ms: calls.length ? roundMs(percentile(durations, 50)) : null,
      p99Ms: calls.length ? roundMs(percentile(durations, 99)) : null,
      servedBy,
      arrivals: arrived,
    };
  });
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
