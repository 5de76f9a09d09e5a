/**
 * The regionkit configuration the game day drives load through. At full time scale it is the
 * SDK's defaults plus the scenario's deadline: a game day should prove the defaults, not a
 * tuned special case. Shortened runs (tests) scale the SDK's clocks that decide how fast a
 * region is judged and forgiven (breaker reset, health window, probes) with the scenario, so
 * the same story fits in a few seconds. The retry budget is not scaled: the deadline is not
 * either, so the burst of retries a fault causes is as large as in the full run, and the
 * budget must be too. gRPC channels' reconnect backoff follows the breaker's reset timeout
 * (the adapter's default), so it scales with it.
 */
import { DEFAULTS, type RegionalClientOptions } from '@regionkit/core';
import type { Scenario } from './scenario.js';

/** Name of the logical service in the harness (appears in SDK events and errors). */
export const GAMEDAY_SERVICE = 'gameday-store';

export function regionkitOptions(
  scenario: Scenario,
  timeScale = 1,
): Omit<RegionalClientOptions, 'regions'> {
  const base = {
    service: GAMEDAY_SERVICE,
    localRegion: scenario.local,
    deadlineMs: scenario.load.deadlineMs,
  };
  if (timeScale === 1) return base;
  const t = (ms: number, min: number) => Math.max(min, Math.round(ms * timeScale));
  return {
    ...base,
    breaker: {
      resetTimeoutMs: t(DEFAULTS.breaker.resetTimeoutMs, 100),
      rollingCountTimeoutMs: t(DEFAULTS.breaker.rollingCountTimeoutMs, 100),
    },
    health: {
      windowMs: t(DEFAULTS.health.windowMs, 100),
      probeIntervalMs: t(DEFAULTS.health.probeIntervalMs, 10),
    },
  };
}
