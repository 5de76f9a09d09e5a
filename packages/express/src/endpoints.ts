import { type ClientStatus, regionalClients } from '@regionkit/core';
import type { ResolvedMiddlewareConfig } from './config.js';
import type { LoadShedder, LoadSnapshot } from './load-shedder.js';

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

export function healthReport(
  config: ResolvedMiddlewareConfig,
  shedder: LoadShedder | undefined,
): HealthReport {
  let ready: boolean;
  try {
    ready = config.ready() === true;
  } catch {
    ready = false; // a readiness check that throws is a failed readiness check
  }
  const overloaded = shedder?.overloaded() ?? false;
  return {
    status: ready && !overloaded ? 'ok' : 'unhealthy',
    region: config.region,
    ready,
    overloaded,
  };
}

export function statusReport(
  config: ResolvedMiddlewareConfig,
  shedder: LoadShedder | undefined,
): StatusReport {
  return {
    region: config.region,
    generatedAt: new Date().toISOString(),
    health: healthReport(config, shedder),
    load: shedder?.snapshot() ?? null,
    clients: regionalClients().map((client) => client.status()),
  };
}
