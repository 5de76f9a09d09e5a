/**
 * The regionkit configuration the game day drives load through. At full time scale it is the
 * SDK's defaults plus the scenario's deadline: a game day should prove the defaults, not a
 * tuned special case. Shortened runs (tests) scale the SDK's clocks that decide how fast a
 * region is judged and forgiven (breaker reset, health window, probes) with the scenario, so
 * the same story fits in a few seconds. The retry budget is not scaled: the deadline is not
 * either, so the burst of retries a fault causes is as large as in the full run, and the
 * budget must be too.
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

/**
 * grpc-js channel options of the regionkit gRPC client. At full scale none: grpc-js's own
 * reconnect backoff (1 s, growing to 120 s) is part of what a game day shows. Shortened runs
 * scale it like the SDK's other clocks.
 */
export function grpcChannelOptions(timeScale = 1): Record<string, number> {
  if (timeScale === 1) return {};
  return {
    'grpc.initial_reconnect_backoff_ms': Math.max(10, Math.round(1_000 * timeScale)),
    'grpc.max_reconnect_backoff_ms': Math.max(100, Math.round(120_000 * timeScale)),
  };
}
