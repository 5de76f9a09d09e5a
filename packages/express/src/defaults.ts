import { WIRE_NAMES } from '@regionkit/core';
/**
 * Every default of @regionkit/express in one place, with units. `types.ts` repeats them as
 * `@default` so an editor shows them.
 */
export const EXPRESS_DEFAULTS = {
  correlationHeader: WIRE_NAMES.correlationId,
  trustInboundCorrelationId: false,
  trustInboundPriority: false,
  /** Relative deadline in whole ms, as @regionkit/fetch sends it on every attempt. */
  deadlineHeader: WIRE_NAMES.deadlineMs,
  /** A request with less time left than this is answered 504 at once (ms). */
  minRemainingMs: 10,
  /** Inbound deadlines longer than this are capped, so a caller cannot pin work for hours (ms). */
  maxDeadlineMs: 300_000,
  priorityHeader: WIRE_NAMES.priority,
  healthPath: '/healthz',
  /** An async readiness check that has not answered by then counts as not ready (ms). */
  readyTimeoutMs: 1_000,
  /** Off unless set (see `statusPath`); the path the README suggests. */
  statusPath: false,
  shedding: {
    /** p99 event-loop delay (ms) at which sheddable traffic is shed (pressure 1). */
    maxEventLoopDelayMs: 50,
    /** Requests in progress at which sheddable traffic is shed (pressure 1). */
    maxInFlight: 256,
    /** Pressure at which each priority is shed: sheddable first, critical last. */
    levels: { sheddable: 1, default: 2, critical: 4 },
    /** Retry-After sent with a 503 (s). */
    retryAfterSeconds: 1,
    /** How often the event-loop delay histogram is read and reset (ms). */
    sampleIntervalMs: 100,
    /** Event-loop delay is averaged over about this long, so one GC pause sheds nothing (ms). */
    smoothingMs: 1_000,
    /** Resolution of `monitorEventLoopDelay` (ms). */
    resolutionMs: 10,
    /** Share of requests shed over the last window that makes /healthz report unhealthy. */
    unhealthyShedRatio: 0.5,
    /** Window the shed share is measured over (ms). */
    windowMs: 5_000,
    /** Requests the window must hold before its shed share counts. */
    minWindowRequests: 10,
  },
} as const;
