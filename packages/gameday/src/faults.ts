/**
 * What the scenario's faults add up to, per region, at a moment of the run. Pure functions:
 * the world applies the result, the report shades the windows.
 */
import type { Fault } from './scenario.js';

/** The combined effect of every fault active on one region. */
export interface RegionCondition {
  /** Connections refused (listener closed, open connections reset). Wins over everything. */
  readonly killed: boolean;
  /** Connections accepted, nothing forwarded, nothing answered. */
  readonly blackholed: boolean;
  /** Extra round-trip time (ms), added to the region's rttMs. */
  readonly addMs: number;
  /** Share of calls answered 503 / UNAVAILABLE. */
  readonly errorRate: number;
  /** Share of calls answered 429 / RESOURCE_EXHAUSTED, with Retry-After. */
  readonly throttleRate: number;
  readonly retryAfterS: number;
}

export const HEALTHY: RegionCondition = Object.freeze({
  killed: false,
  blackholed: false,
  addMs: 0,
  errorRate: 0,
  throttleRate: 0,
  retryAfterS: 0,
});

/** Scenario times are seconds with decimals; every comparison uses whole ms (4.03 s is 4030). */
export function faultStartMs(fault: Fault): number {
  return Math.round(fault.atS * 1000);
}

export function faultEndMs(fault: Fault): number {
  return Math.round((fault.atS + fault.forS) * 1000);
}

function flapStepMs(fault: Extract<Fault, { kind: 'flap' }>): number {
  // Never 0 (validation asks for 1 ms at least): every loop over flap steps must advance.
  return Math.max(1, Math.round(fault.periodS * 1000));
}

/** Does the fault touch this region? `partition` touches every region. */
export function hitsRegion(fault: Fault, region: string): boolean {
  return fault.kind === 'partition' || fault.region === region;
}

function activeAt(fault: Fault, tMs: number): boolean {
  return tMs >= faultStartMs(fault) && tMs < faultEndMs(fault);
}

/** A flap starts killed and alternates every periodS. */
function flapKilledAt(fault: Extract<Fault, { kind: 'flap' }>, tMs: number): boolean {
  const phase = Math.floor((tMs - faultStartMs(fault)) / flapStepMs(fault));
  return phase % 2 === 0;
}

/**
 * Overlapping faults compose: kills and blackholes are sticky (any one is enough), latencies
 * add up, independent error draws combine as 1 − Π(1 − rate), throttles take the strongest.
 */
export function conditionAt(
  faults: readonly Fault[],
  region: string,
  tMs: number,
): RegionCondition {
  let killed = false;
  let blackholed = false;
  let addMs = 0;
  let passErrors = 1;
  let throttleRate = 0;
  let retryAfterS = 0;
  for (const fault of faults) {
    if (!hitsRegion(fault, region) || !activeAt(fault, tMs)) continue;
    switch (fault.kind) {
      case 'kill':
        killed = true;
        break;
      case 'flap':
        if (flapKilledAt(fault, tMs)) killed = true;
        break;
      case 'blackhole':
      case 'partition':
        blackholed = true;
        break;
      case 'latency':
        addMs += fault.addMs;
        break;
      case 'errors':
        passErrors *= 1 - fault.rate;
        break;
      case 'throttle':
        throttleRate = Math.max(throttleRate, fault.rate);
        retryAfterS = Math.max(retryAfterS, fault.retryAfterS);
        break;
    }
  }
  if (!killed && !blackholed && addMs === 0 && passErrors === 1 && throttleRate === 0) {
    return HEALTHY;
  }
  return { killed, blackholed, addMs, errorRate: 1 - passErrors, throttleRate, retryAfterS };
}

/** Every moment (ms into the run) at which some region's condition may change, sorted. */
export function changePoints(faults: readonly Fault[]): number[] {
  const points = new Set<number>();
  for (const fault of faults) {
    points.add(faultStartMs(fault));
    points.add(faultEndMs(fault));
    if (fault.kind === 'flap') {
      const stepMs = flapStepMs(fault);
      const start = faultStartMs(fault);
      for (let k = 1; start + k * stepMs < faultEndMs(fault); k++) points.add(start + k * stepMs);
    }
  }
  return [...points].sort((a, b) => a - b);
}

/** Kinds after which the client should stop using the region: it fails calls, not just slows them. */
const DISRUPTIVE: ReadonlySet<Fault['kind']> = new Set([
  'kill',
  'blackhole',
  'errors',
  'throttle',
  'flap',
  'partition',
]);

/**
 * The window in which traffic should leave the local region: the earliest disruptive fault on
 * it (a partition counts), extended by disruptive faults that overlap or touch it. Undefined
 * when the scenario never disrupts the local region (no shift needed). A partition inside it
 * leaves no region to shift to from its start (`shiftUntilMs`); one from the very start makes
 * the whole window `everywhere`.
 */
export function disruptionWindow(
  faults: readonly Fault[],
  local: string,
): { startMs: number; endMs: number; shiftUntilMs: number; everywhere: boolean } | undefined {
  const relevant = faults
    .filter((f) => DISRUPTIVE.has(f.kind) && hitsRegion(f, local))
    .sort((a, b) => faultStartMs(a) - faultStartMs(b));
  const first = relevant[0];
  if (!first) return undefined;
  const startMs = faultStartMs(first);
  let endMs = faultEndMs(first);
  let partitionAtMs: number | undefined;
  for (const fault of relevant) {
    if (faultStartMs(fault) > endMs) break;
    endMs = Math.max(endMs, faultEndMs(fault));
    if (fault.kind === 'partition') partitionAtMs ??= faultStartMs(fault);
  }
  const shiftUntilMs = partitionAtMs ?? endMs;
  return { startMs, endMs, shiftUntilMs, everywhere: shiftUntilMs === startMs };
}

/** Human label of a fault, for the live view and the report. */
export function describeFault(fault: Fault): string {
  const where = fault.kind === 'partition' ? 'all regions' : fault.region;
  // In whole ms, as faults run: 1.1 + 2.2 would print as 3.3000000000000003.
  const span = `${fault.atS}–${Math.round((fault.atS + fault.forS) * 1000) / 1000} s`;
  switch (fault.kind) {
    case 'latency':
      return `${where} +${fault.addMs} ms (${span})`;
    case 'errors':
      return `${where} ${Math.round(fault.rate * 100)}% errors (${span})`;
    case 'throttle':
      return `${where} throttled ${Math.round(fault.rate * 100)}%, Retry-After ${fault.retryAfterS} s (${span})`;
    case 'flap':
      return `${where} flapping every ${fault.periodS} s (${span})`;
    case 'partition':
      return `partition: ${where} unreachable (${span})`;
    default:
      return `${where} ${fault.kind} (${span})`;
  }
}
