import { ConfigError } from './errors.js';
import type {
  BreakerOptions,
  HealthOptions,
  RegionalClientOptions,
  RegionSpec,
  RetryBudgetOptions,
  RetryOptions,
  RoutingMode,
  TelemetryOptions,
} from './types.js';

/** Node's longest timer delay (ms, about 24.8 days); a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The longest deadline a call may have: what a Node timer holds. Longer ones are bugs (a unit
 * mistake, `Infinity`) that would reach the wire as nonsense.
 */
export const MAX_DEADLINE_MS = MAX_TIMER_MS;

/** Every default in one place, with units. `types.ts` repeats them as `@default`. */
export const DEFAULTS = {
  routing: 'localFirst' as RoutingMode,
  deadlineMs: 10_000,
  retry: { maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 1_000, attemptTimeoutMs: undefined },
  retryBudget: { ratio: 0.2, minRetriesPerSecond: 5, windowMs: 10_000 },
  health: {
    windowMs: 10_000,
    buckets: 10,
    minRequests: 20,
    maxErrorRate: 0.05,
    p99MsPerPoint: 50,
    minWeight: 10,
    probeIntervalMs: 500,
    recoveryProbes: 3,
  },
  telemetry: { attemptSpans: false, metrics: true },
  breaker: {
    errorThresholdPercentage: 50,
    volumeThreshold: 10,
    resetTimeoutMs: 5_000,
    // Short on purpose: health eviction (10 s window, 5%) takes a failing region out first, and
    // a long breaker window diluted by pre-outage successes would open only as the outage ends,
    // then hold a recovered region out for resetTimeoutMs (seen in the kill-local game day).
    rollingCountTimeoutMs: 2_000,
  },
} as const;

export interface ResolvedConfig {
  readonly service: string;
  readonly localRegion: string;
  readonly regions: readonly RegionSpec[];
  readonly preferredRegions: readonly string[];
  readonly routing: RoutingMode;
  readonly deadlineMs: number;
  readonly retry: Required<Omit<RetryOptions, 'attemptTimeoutMs'>> & {
    readonly attemptTimeoutMs: number | undefined;
  };
  readonly retryBudget: Required<RetryBudgetOptions>;
  readonly health: Required<HealthOptions>;
  readonly breaker: Required<BreakerOptions>;
  readonly telemetry: Required<TelemetryOptions>;
}

const REGION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Validates once, at construction; every later call trusts the result. */
export function resolveConfig(options: RegionalClientOptions): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'is missing', 'Pass { service, localRegion, regions }.');
  }
  requireString(options.service, 'service', 'Name the logical service, e.g. "orders".');
  const regions = resolveRegions(options.regions);
  const names = new Set(regions.map((r) => r.name));
  requireString(options.localRegion, 'localRegion', 'Name the region this process runs in.');
  if (!names.has(options.localRegion)) {
    throw new ConfigError(
      'localRegion',
      `is "${options.localRegion}", which is not one of regions [${[...names].join(', ')}]`,
      'Add it to `regions` or fix the spelling.',
    );
  }
  requireLocationFrom(regions, options.localRegion);
  const preferredRegions = options.preferredRegions ?? [];
  preferredRegions.forEach((name, i) => {
    if (!names.has(name)) {
      throw new ConfigError(
        `preferredRegions[${i}]`,
        `is "${name}", which is not one of regions [${[...names].join(', ')}]`,
        'List only configured regions.',
      );
    }
  });
  const routing = options.routing ?? DEFAULTS.routing;
  if (routing !== 'localFirst' && routing !== 'weighted') {
    throw new ConfigError('routing', `is "${String(routing)}"`, 'Use "localFirst" or "weighted".');
  }

  const retry = { ...DEFAULTS.retry, ...options.retry };
  requireInteger(retry.maxAttempts, 'retry.maxAttempts', 1, 10);
  requireNumber(retry.baseDelayMs, 'retry.baseDelayMs', 0);
  requireNumber(retry.maxDelayMs, 'retry.maxDelayMs', retry.baseDelayMs);
  if (retry.attemptTimeoutMs !== undefined) {
    requireNumber(retry.attemptTimeoutMs, 'retry.attemptTimeoutMs', 1);
  }

  const retryBudget = { ...DEFAULTS.retryBudget, ...options.retryBudget };
  requireNumber(retryBudget.ratio, 'retryBudget.ratio', 0, 10);
  requireNumber(retryBudget.minRetriesPerSecond, 'retryBudget.minRetriesPerSecond', 0);
  requireNumber(retryBudget.windowMs, 'retryBudget.windowMs', 100);

  const health = { ...DEFAULTS.health, ...options.health };
  requireNumber(health.windowMs, 'health.windowMs', 100);
  requireInteger(health.buckets, 'health.buckets', 1, 100);
  requireInteger(health.minRequests, 'health.minRequests', 0);
  requireNumber(health.maxErrorRate, 'health.maxErrorRate', 0, 1);
  requireNumber(health.p99MsPerPoint, 'health.p99MsPerPoint', 1);
  requireInteger(health.minWeight, 'health.minWeight', 1, 100);
  requireNumber(health.probeIntervalMs, 'health.probeIntervalMs', 1);
  requireInteger(health.recoveryProbes, 'health.recoveryProbes', 1);

  const breaker = { ...DEFAULTS.breaker, ...options.breaker };
  requireNumber(breaker.errorThresholdPercentage, 'breaker.errorThresholdPercentage', 0, 100);
  requireInteger(breaker.volumeThreshold, 'breaker.volumeThreshold', 0);
  requireNumber(breaker.resetTimeoutMs, 'breaker.resetTimeoutMs', 1);
  requireNumber(breaker.rollingCountTimeoutMs, 'breaker.rollingCountTimeoutMs', 100);

  const telemetry = { ...DEFAULTS.telemetry, ...options.telemetry };
  requireBoolean(telemetry.attemptSpans, 'telemetry.attemptSpans');
  requireBoolean(telemetry.metrics, 'telemetry.metrics');
  if (options.onListenerError !== undefined && typeof options.onListenerError !== 'function') {
    throw new ConfigError('onListenerError', 'is not a function', 'Pass (error, event) => void.');
  }

  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
  requireNumber(deadlineMs, 'deadlineMs', 1, MAX_DEADLINE_MS);

  return {
    service: options.service,
    localRegion: options.localRegion,
    regions,
    preferredRegions,
    routing,
    deadlineMs,
    retry,
    retryBudget,
    health,
    breaker,
    telemetry,
  };
}

function resolveRegions(regions: readonly RegionSpec[] | undefined): RegionSpec[] {
  if (!Array.isArray(regions) || regions.length === 0) {
    throw new ConfigError(
      'regions',
      'must be a non-empty array',
      'List every region the service runs in, e.g. [{ name: "us-east", rttMs: 1 }].',
    );
  }
  const seen = new Set<string>();
  return regions.map((region: RegionSpec, i) => {
    const at = `regions[${i}]`;
    if (typeof region?.name !== 'string' || !REGION_NAME.test(region.name)) {
      throw new ConfigError(
        `${at}.name`,
        `is ${JSON.stringify(region?.name)}`,
        'Use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.',
      );
    }
    if (seen.has(region.name)) {
      throw new ConfigError(`${at}.name`, `repeats "${region.name}"`, 'Name each region once.');
    }
    seen.add(region.name);
    if (region.rttMs !== undefined) requireNumber(region.rttMs, `${at}.rttMs`, 0);
    if (region.location !== undefined) {
      requireNumber(region.location?.lat, `${at}.location.lat`, -90, 90);
      requireNumber(region.location?.lon, `${at}.location.lon`, -180, 180);
    }
    return { ...region };
  });
}

/** A region's location orders failover only by its distance from the local region's. */
function requireLocationFrom(regions: readonly RegionSpec[], localRegion: string): void {
  const local = regions.find((r) => r.name === localRegion);
  if (local?.location !== undefined) return;
  const i = regions.findIndex((r) => r.name !== localRegion && r.location !== undefined);
  if (i < 0) return;
  throw new ConfigError(
    `regions[${i}].location`,
    `has no effect: the local region "${localRegion}" has no location to measure the distance from`,
    `Give regions "${localRegion}" a location too, or give this region an rttMs.`,
  );
}

function requireBoolean(value: unknown, field: string): void {
  if (typeof value !== 'boolean') {
    throw new ConfigError(field, `is ${JSON.stringify(value)}`, 'Use true or false.');
  }
}

function requireString(value: unknown, field: string, fix: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(field, `is ${JSON.stringify(value)}, not a non-empty string`, fix);
  }
}

function requireNumber(value: unknown, field: string, min: number, max = Infinity): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(field, `is ${JSON.stringify(value)}`, `Use a finite number ${range}.`);
  }
}

function requireInteger(value: unknown, field: string, min: number, max = Infinity): void {
  requireNumber(value, field, min, max);
  if (!Number.isInteger(value)) {
    throw new ConfigError(field, `is ${value}, not a whole number`, 'Use a whole number.');
  }
}
