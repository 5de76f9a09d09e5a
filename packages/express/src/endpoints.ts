import { type ClientStatus, regionalClients } from '@regionkit/core';
import type { ResolvedMiddlewareConfig } from './config.js';
import type { LoadShedder, LoadSnapshot } from './load-shedder.js';
import { isThenable } from './thenable.js';
import type { ReadinessCheck } from './types.js';

export interface HealthReport {
  /** `ok` (HTTP 200) or `unhealthy` (HTTP 503): what a global load balancer acts on. */
  readonly status: 'ok' | 'unhealthy';
  readonly region: string;
  readonly ready: boolean;
  /** Shedding heavily, or shedding more than sheddable traffic. */
  readonly overloaded: boolean;
}

export interface StatusReport {
  readonly region: string;
  readonly generatedAt: string;
  readonly health: HealthReport;
  /** This instance's load and shedding; null when shedding is off. */
  readonly load: LoadSnapshot | null;
  /** Every regional client in this process: per-region weight, error rate, p99, breaker, share. */
  readonly clients: readonly ClientStatus[];
}

export async function healthReport(
  config: ResolvedMiddlewareConfig,
  shedder: LoadShedder | undefined,
): Promise<HealthReport> {
  const ready = await isReady(config.ready, config.readyTimeoutMs);
  const overloaded = shedder?.overloaded() ?? false;
  return {
    status: ready && !overloaded ? 'ok' : 'unhealthy',
    region: config.region,
    ready,
    overloaded,
  };
}

export async function statusReport(
  config: ResolvedMiddlewareConfig,
  shedder: LoadShedder | undefined,
): Promise<StatusReport> {
  return {
    region: config.region,
    generatedAt: new Date().toISOString(),
    health: await healthReport(config, shedder),
    load: shedder?.snapshot() ?? null,
    clients: regionalClients().map((client) => client.status()),
  };
}

/**
 * Runs the readiness check: only `true` is ready. A check that throws or rejects has failed
 * (and its rejection is handled here, never left to crash the process); an async one that has
 * not answered within `timeoutMs` counts as not ready, so a hung dependency shows as an
 * unhealthy instance rather than a health probe that never returns.
 */
async function isReady(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let answer: ReturnType<ReadinessCheck>;
  try {
    answer = check();
  } catch {
    return false;
  }
  if (!isThenable(answer)) return answer === true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  const settled = Promise.resolve(answer).then(
    (value) => value === true,
    () => false,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
