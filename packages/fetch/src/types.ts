import type { RegionalClientOptions, RegionSpec } from '@regionkit/core';
import type { Dispatcher } from 'undici';

/** A region of the logical service and the origin that serves it there. */
export interface RegionOrigin extends RegionSpec {
  /** `http(s)://host[:port]` of the service in this region; no path, query or credentials. */
  readonly origin: string;
}

/** Options of the interceptor, the dispatcher and the fetch function. */
export interface RegionalHttpOptions extends Omit<RegionalClientOptions, 'regions'> {
  /** Every region the service runs in, with its origin. Must include `localRegion`. */
  readonly regions: readonly RegionOrigin[];
  /**
   * Header carrying the correlation ID on every attempt (lower-cased).
   * @default 'x-request-id'
   */
  readonly correlationHeader?: string;
  /**
   * `'auto'` adds a random `Idempotency-Key` to POST and PATCH requests that have none, which
   * makes them safe to resend; the key is identical on every attempt. Only enable it when the
   * service deduplicates on that header.
   * @default 'off'
   */
  readonly idempotencyKeys?: 'auto' | 'off';
  /**
   * A request body that is a stream or iterable is buffered up to this many bytes so it can be
   * sent again; a longer one is sent once and never retried.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxReplayBodyBytes?: number;
  /**
   * Origin that names the service as a whole; requests to it (or to any region origin) are
   * routed by regionkit, requests to other origins pass through untouched.
   * @default `http://<service>.regional`
   */
  readonly logicalOrigin?: string;
  /**
   * W3C trace context (`traceparent`, `tracestate`, `baggage`) through the OpenTelemetry
   * propagation API. `'auto'` injects unless an undici instrumentation (a subscriber of the
   * `undici:request:create` diagnostics channel, such as @opentelemetry/instrumentation-undici)
   * already injects on every attempt, so the headers are never duplicated.
   * @default 'auto'
   */
  readonly tracePropagation?: 'auto' | 'always' | 'off';
}

export interface RegionalDispatcherOptions extends RegionalHttpOptions {
  /**
   * Dispatcher every attempt goes through (connection pools, keep-alive, TLS and undici's
   * timeouts stay its job): an `Agent`, or one composed on an Agent; a one-origin `Pool` or
   * `Client` is refused. Not closed by `close()` when you pass it.
   * @default a new undici `Agent` owned (and closed) by this dispatcher
   */
  readonly dispatcher?: Dispatcher;
}

export type RegionalFetchOptions = RegionalDispatcherOptions;

/** Per-request options, passed as `regionkit` in undici `request()` / `dispatch()` options. */
export interface RegionalRequestOptions {
  /** Overrides the client's deadline for this request (ms, all attempts included). */
  readonly deadlineMs?: number;
  readonly priority?: 'critical' | 'default' | 'sheddable';
  /** Regions this request must not use. */
  readonly excludedRegions?: readonly string[];
  /** Treat the request as safe to resend even if its method says otherwise. */
  readonly idempotent?: boolean;
}
