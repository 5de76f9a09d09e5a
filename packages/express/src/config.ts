import {
  ConfigError,
  MAX_DEADLINE_MS,
  MAX_TIMER_MS,
  type Priority,
  refuseProtocolHeader,
} from '@regionkit/core';
import type { Request } from 'express';
import { EXPRESS_DEFAULTS } from './defaults.js';
import type { ReadinessCheck, RegionkitMiddlewareOptions } from './types.js';

export interface ResolvedShedding {
  readonly maxEventLoopDelayMs: number;
  readonly maxInFlight: number;
  readonly levels: Readonly<Record<Priority, number>>;
  readonly retryAfterSeconds: number;
  readonly sampleIntervalMs: number;
  readonly resolutionMs: number;
  readonly smoothingMs: number;
  readonly unhealthyShedRatio: number;
  readonly windowMs: number;
  readonly minWindowRequests: number;
}

export interface ResolvedMiddlewareConfig {
  readonly region: string;
  readonly correlationHeader: string;
  readonly trustInboundCorrelationId: boolean;
  readonly trustInboundPriority: boolean;
  readonly deadlineHeader: string | undefined;
  readonly minRemainingMs: number;
  readonly maxDeadlineMs: number;
  readonly defaultDeadlineMs: number | undefined;
  readonly priority: ((req: Request) => Priority | undefined) | string | undefined;
  readonly shedding: ResolvedShedding | undefined;
  readonly healthPath: string | undefined;
  readonly statusPath: string | undefined;
  readonly ready: ReadinessCheck;
  readonly readyTimeoutMs: number;
  readonly abortOnClientClose: boolean;
}

/** Sampling overload less often than this would notice it only after it had done its harm. */
const MAX_SAMPLE_INTERVAL_MS = 60_000;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REGION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Validates once, when the middleware is created; requests trust the result. */
export function resolveMiddlewareConfig(
  options: RegionkitMiddlewareOptions,
): ResolvedMiddlewareConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'is missing', 'Pass { region: "us-east" } at least.');
  }
  if (typeof options.region !== 'string' || !REGION_NAME.test(options.region)) {
    throw new ConfigError(
      'region',
      `is ${JSON.stringify(options.region)}`,
      'Name the region this instance runs in, e.g. "us-east" (1-64 letters, digits, ".", "_", "-").',
    );
  }
  const correlationHeader = headerName(
    options.correlationHeader ?? EXPRESS_DEFAULTS.correlationHeader,
    'correlationHeader',
  );
  refuseProtocolHeader(correlationHeader, 'correlationHeader');
  const deadlineHeader =
    options.deadlineHeader === false
      ? undefined
      : headerName(options.deadlineHeader ?? EXPRESS_DEFAULTS.deadlineHeader, 'deadlineHeader');
  const minRemainingMs = number(
    options.minRemainingMs ?? EXPRESS_DEFAULTS.minRemainingMs,
    'minRemainingMs',
    0,
  );
  const maxDeadlineMs = number(
    options.maxDeadlineMs ?? EXPRESS_DEFAULTS.maxDeadlineMs,
    'maxDeadlineMs',
    1,
    MAX_DEADLINE_MS,
  );
  const defaultDeadlineMs =
    options.defaultDeadlineMs === undefined
      ? undefined
      : number(options.defaultDeadlineMs, 'defaultDeadlineMs', 1, maxDeadlineMs);
  const priority = options.priority ?? EXPRESS_DEFAULTS.priorityHeader;
  if (priority !== false && typeof priority !== 'function') headerName(priority, 'priority');
  const ready = options.ready ?? (() => true);
  if (typeof ready !== 'function') {
    throw new ConfigError(
      'ready',
      'is not a function',
      'Pass () => boolean or an async check, e.g. () => db.connected or () => db.ping().then(() => true).',
    );
  }
  const readyTimeoutMs = number(
    options.readyTimeoutMs ?? EXPRESS_DEFAULTS.readyTimeoutMs,
    'readyTimeoutMs',
    1,
    MAX_TIMER_MS,
  );
  const abortOnClientClose = flag(
    options.abortOnClientClose,
    true,
    'abortOnClientClose',
    'Pass true (outbound calls stop when the client leaves) or false (they run on).',
  );
  const trustInboundCorrelationId = flag(
    options.trustInboundCorrelationId,
    false,
    'trustInboundCorrelationId',
    'Pass true only behind a gateway that sets or strips the header, else leave it out.',
  );
  const trustInboundPriority = flag(
    options.trustInboundPriority,
    false,
    'trustInboundPriority',
    'Pass true only behind a gateway that sets or strips the header, else leave it out.',
  );
  const healthPath = path(options.healthPath, EXPRESS_DEFAULTS.healthPath, 'healthPath');
  const statusPath = path(options.statusPath, EXPRESS_DEFAULTS.statusPath, 'statusPath');
  if (healthPath !== undefined && healthPath === statusPath) {
    throw new ConfigError(
      'statusPath',
      `is ${JSON.stringify(statusPath)}, the same as healthPath`,
      'Give the status endpoint a path of its own, e.g. "/regionkit/status".',
    );
  }
  return {
    region: options.region,
    correlationHeader,
    trustInboundCorrelationId,
    trustInboundPriority,
    deadlineHeader,
    minRemainingMs,
    maxDeadlineMs,
    defaultDeadlineMs,
    priority:
      priority === false
        ? undefined
        : typeof priority === 'function'
          ? priority
          : priority.toLowerCase(),
    shedding: options.shedding === false ? undefined : resolveShedding(options.shedding ?? {}),
    healthPath,
    statusPath,
    ready,
    readyTimeoutMs,
    abortOnClientClose,
  };
}

function resolveShedding(
  options: NonNullable<RegionkitMiddlewareOptions['shedding']>,
): ResolvedShedding {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('shedding', `is ${JSON.stringify(options)}`, 'Pass an object or false.');
  }
  const d = EXPRESS_DEFAULTS.shedding;
  const levels = { ...d.levels, ...options.levels };
  for (const p of ['sheddable', 'default', 'critical'] as const) {
    number(levels[p], `shedding.levels.${p}`, 0);
  }
  if (!(levels.sheddable <= levels.default && levels.default <= levels.critical)) {
    throw new ConfigError(
      'shedding.levels',
      `is ${JSON.stringify(levels)}, which does not rise from sheddable to critical`,
      'Shed sheddable traffic first: use sheddable <= default <= critical.',
    );
  }
  const sampleIntervalMs = number(
    options.sampleIntervalMs ?? d.sampleIntervalMs,
    'shedding.sampleIntervalMs',
    1,
    MAX_SAMPLE_INTERVAL_MS,
  );
  return {
    maxEventLoopDelayMs: number(
      options.maxEventLoopDelayMs ?? d.maxEventLoopDelayMs,
      'shedding.maxEventLoopDelayMs',
      1,
    ),
    maxInFlight: number(options.maxInFlight ?? d.maxInFlight, 'shedding.maxInFlight', 1),
    levels,
    retryAfterSeconds: integer(
      options.retryAfterSeconds ?? d.retryAfterSeconds,
      'shedding.retryAfterSeconds',
      0,
    ),
    sampleIntervalMs,
    resolutionMs: Math.min(d.resolutionMs, sampleIntervalMs),
    smoothingMs: number(
      options.smoothingMs ?? d.smoothingMs,
      'shedding.smoothingMs',
      sampleIntervalMs,
    ),
    unhealthyShedRatio: number(
      options.unhealthyShedRatio ?? d.unhealthyShedRatio,
      'shedding.unhealthyShedRatio',
      0,
      1,
    ),
    windowMs: number(options.windowMs ?? d.windowMs, 'shedding.windowMs', sampleIntervalMs),
    minWindowRequests: d.minWindowRequests,
  };
}

function headerName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new ConfigError(
      field,
      `is ${JSON.stringify(value)}, not a valid header name`,
      'Use a name such as "x-request-id".',
    );
  }
  return value.toLowerCase();
}

function path(value: unknown, fallback: string | false, field: string): string | undefined {
  const chosen = value ?? fallback;
  if (chosen === false) return undefined;
  if (typeof chosen !== 'string' || !chosen.startsWith('/')) {
    throw new ConfigError(
      field,
      `is ${JSON.stringify(value)}`,
      'Use a path starting with "/", or false to turn it off.',
    );
  }
  return chosen;
}

function flag(value: unknown, fallback: boolean, field: string, fix: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(field, `is ${JSON.stringify(value)}`, fix);
  return value;
}

function number(value: unknown, field: string, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(field, `is ${JSON.stringify(value)}`, `Use a finite number ${range}.`);
  }
  return value;
}

function integer(value: unknown, field: string, min: number): number {
  number(value, field, min);
  if (!Number.isInteger(value)) throw new ConfigError(field, `is ${value}`, 'Use a whole number.');
  return value as number;
}
