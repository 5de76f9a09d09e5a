import type { Priority } from '@regionkit/core';
import type { Request } from 'express';

export interface SheddingOptions {
  /** p99 event-loop delay (ms) that counts as pressure 1. @default 50 */
  readonly maxEventLoopDelayMs?: number;
  /** Requests in progress that count as pressure 1. @default 256 */
  readonly maxInFlight?: number;
  /**
   * Pressure (the larger of delay / maxEventLoopDelayMs and inFlight / maxInFlight) at which
   * each priority is shed. Must rise from sheddable to critical.
   * @default { sheddable: 1, default: 2, critical: 4 }
   */
  readonly levels?: {
    readonly sheddable?: number;
    readonly default?: number;
    readonly critical?: number;
  };
  /** Retry-After (s) on a shed request's 503. @default 1 */
  readonly retryAfterSeconds?: number;
  /** How often event-loop delay is sampled (ms). @default 100 */
  readonly sampleIntervalMs?: number;
  /**
   * Event-loop delay is an exponentially weighted average over about this long, so a single
   * GC pause does not shed traffic; set it to `sampleIntervalMs` for no smoothing (ms).
   * @default 1_000
   */
  readonly smoothingMs?: number;
  /** Shed share over `windowMs` that turns the health endpoint unhealthy (0-1). @default 0.5 */
  readonly unhealthyShedRatio?: number;
  /** Window of the shed share (ms). @default 5_000 */
  readonly windowMs?: number;
}

export interface RegionkitMiddlewareOptions {
  /** Region this instance runs in, e.g. `us-east`; reported by the health and status endpoints. */
  readonly region: string;
  /** Inbound and outbound correlation ID header. @default 'x-request-id' */
  readonly correlationHeader?: string;
  /**
   * Use the inbound correlation ID (when valid: ≤ 128 chars of `A-Za-z0-9._:+=/-`) instead of
   * minting one. Enable only behind a gateway you trust to set or strip it.
   * @default false
   */
  readonly trustInboundCorrelationId?: boolean;
  /** Header with the caller's remaining time in whole ms; `false` ignores deadlines. @default 'x-regionkit-deadline-ms' */
  readonly deadlineHeader?: string | false;
  /** Less time left than this (ms) is answered 504 at once. @default 10 */
  readonly minRemainingMs?: number;
  /** Inbound deadlines are capped at this (ms). @default 300_000 */
  readonly maxDeadlineMs?: number;
  /**
   * Deadline (ms) for requests that arrive without one; also the longest an inbound deadline
   * may ask for, so a caller can make this service give up sooner, never work longer.
   * @default none
   */
  readonly defaultDeadlineMs?: number;
  /**
   * Where a request's priority comes from: a header name (values `critical`, `default`,
   * `sheddable`; anything else is `default`), a function of the request, or `false`.
   * @default 'x-regionkit-priority'
   */
  readonly priority?: string | false | ((req: Request) => Priority | undefined);
  /**
   * Let the priority header raise a request to `critical`. Off, the header can only lower a
   * request to `sheddable`, so an outside caller cannot exempt itself (and the calls it causes
   * downstream) from shedding. Enable behind a gateway you trust to set or strip it. A priority
   * function is your own code and always trusted.
   * @default false
   */
  readonly trustInboundPriority?: boolean;
  /** Load shedding; `false` turns it off. @default on, with the defaults of SheddingOptions */
  readonly shedding?: SheddingOptions | false;
  /** Health endpoint path (GET/HEAD); `false` turns it off. @default '/healthz' */
  readonly healthPath?: string | false;
  /**
   * JSON status endpoint path (GET), e.g. '/regionkit/status'. Off unless set: it lists every
   * client's regions, breakers and load, which belongs on an internal listener only.
   * @default false
   */
  readonly statusPath?: string | false;
  /**
   * Readiness for the health endpoint, e.g. "database connected": `true` is ready; anything
   * else, a throw, a rejection or no answer within `readyTimeoutMs` is not. May be async (a
   * ping), in which case each health check waits for it. @default always ready
   */
  readonly ready?: ReadinessCheck;
  /**
   * How long the health endpoint waits for an async `ready` check before it reports not ready,
   * so a hung dependency turns the instance unhealthy instead of hanging the load balancer's
   * probe (ms). @default 1000
   */
  readonly readyTimeoutMs?: number;
  /**
   * When the client closes its connection before the handler ends the response, abort the
   * request's context: outbound regional calls made for it still waiting for an answer are
   * abandoned (their attempt aborted, not counted against the region) and none is retried; they
   * reject with `InboundCancelledError` (`ERR_REGIONKIT_INBOUND_CANCELLED`). Turn it off if
   * handlers must finish their outbound work even for a caller who has gone.
   * @default true
   */
  readonly abortOnClientClose?: boolean;
}

/** Is this instance ready to serve? Synchronous, or a promise of the answer. */
export type ReadinessCheck = () => boolean | PromiseLike<boolean>;

/** What the middleware learned about a request; on `req.regionkit`. */
export interface RequestRegionInfo {
  readonly region: string;
  readonly correlationId: string;
  readonly priority: Priority;
  /** Absolute deadline (epoch ms), if the caller sent one or a default applies. */
  readonly deadline: number | undefined;
}
