import type { Attributes, TextMapSetter } from '@opentelemetry/api';

/**
 * Public types of @regionkit/core. Defaults live in `config.ts` and are repeated here as
 * `@default` so an editor shows them.
 */

export interface GeoLocation {
  /** Degrees, -90..90. */
  readonly lat: number;
  /** Degrees, -180..180. */
  readonly lon: number;
}

export interface RegionSpec {
  /** Region name as your platform spells it, e.g. `us-east-1` or `eu-west`. */
  readonly name: string;
  /** Measured or configured round trip from the local region, in ms. Wins over `location`. */
  readonly rttMs?: number;
  /** Where the region is; used for great-circle distance when `rttMs` is not given. */
  readonly location?: GeoLocation;
}

export type RoutingMode = 'localFirst' | 'weighted';

export interface HealthOptions {
  /** Length of the rolling window that error rate and p99 are computed over. @default 10_000 */
  readonly windowMs?: number;
  /** Buckets the window is divided into. @default 10 */
  readonly buckets?: number;
  /** Calls the window must hold before its error rate counts (request-volume threshold). @default 20 */
  readonly minRequests?: number;
  /** A region whose error rate is above this share gets weight 0. @default 0.05 */
  readonly maxErrorRate?: number;
  /** Each this-many ms of p99 costs one point of weight (out of 100). @default 50 */
  readonly p99MsPerPoint?: number;
  /** Weight floor of a healthy region, so it keeps a share of traffic. @default 10 */
  readonly minWeight?: number;
  /** A region at weight 0 is sent one probe call at least this often. @default 500 */
  readonly probeIntervalMs?: number;
  /** Consecutive successful probes that bring a region at weight 0 back (its window is reset). @default 3 */
  readonly recoveryProbes?: number;
}

export interface BreakerOptions {
  /** Error percentage (0-100) over the rolling window that opens a region's breaker. @default 50 */
  readonly errorThresholdPercentage?: number;
  /** Attempts the window must hold before the breaker may open. @default 10 */
  readonly volumeThreshold?: number;
  /** How long an open breaker waits before it lets one probe through (half-open). @default 5_000 */
  readonly resetTimeoutMs?: number;
  /** Rolling window of the breaker's own counts: the breaker reacts to the last few seconds. @default 2_000 */
  readonly rollingCountTimeoutMs?: number;
}

export interface RetryOptions {
  /** Attempts per call, **including the first try** (3 = one try and two retries). @default 3 */
  readonly maxAttempts?: number;
  /** Backoff cap of the first retry; retry n waits a random time in [0, min(maxDelayMs, baseDelayMs·2^(n-1))). @default 25 */
  readonly baseDelayMs?: number;
  /** Largest backoff between two attempts. @default 1_000 */
  readonly maxDelayMs?: number;
  /**
   * Time limit of one attempt. When unset, each attempt gets an equal share of what is left of
   * the deadline (remaining / attempts left), so a hung region still leaves time to fail over.
   */
  readonly attemptTimeoutMs?: number;
}

export interface RetryBudgetOptions {
  /** Retries allowed as a share of first attempts over the window (Linkerd/Envoy style). @default 0.2 */
  readonly ratio?: number;
  /** Retries always allowed per second, so low-traffic clients can still retry. @default 5 */
  readonly minRetriesPerSecond?: number;
  /** Window the ratio is measured over. @default 10_000 */
  readonly windowMs?: number;
}

export interface TelemetryOptions {
  /**
   * Emit regionkit's own CLIENT span per attempt (with `cloud.region`,
   * `http.request.resend_count`, `error.type`) and suppress the undici / grpc instrumentations'
   * spans and headers beneath it, so nothing is counted twice. Off by default: per-attempt spans
   * are left to those instrumentations. @default false
   */
  readonly attemptSpans?: boolean;
  /** Record regionkit's metrics when a MeterProvider is registered. @default true */
  readonly metrics?: boolean;
}

export interface RegionalClientOptions {
  /** Logical service name, e.g. `orders`; appears in errors, events and telemetry. */
  readonly service: string;
  /** The region this process runs in. Must be one of `regions`. */
  readonly localRegion: string;
  /** Every region the service is deployed in, including the local one. */
  readonly regions: readonly RegionSpec[];
  /** Explicit failover order after the local region; regions not listed follow by distance. */
  readonly preferredRegions?: readonly string[];
  /** @default 'localFirst' */
  readonly routing?: RoutingMode;
  /** Overall deadline of a call, all attempts and backoff included. @default 10_000 */
  readonly deadlineMs?: number;
  readonly retry?: RetryOptions;
  readonly retryBudget?: RetryBudgetOptions;
  readonly health?: HealthOptions;
  readonly breaker?: BreakerOptions;
  readonly telemetry?: TelemetryOptions;
  /**
   * Called when an event listener throws; the call it happened in goes on regardless.
   * @default emits a process warning
   */
  readonly onListenerError?: (error: unknown, event: string) => void;
}

/** Traffic priority used by load shedding: `critical` is shed last, `sheddable` first. */
export type Priority = 'critical' | 'default' | 'sheddable';

export interface CallOptions {
  /** Safe to send more than once (reads, PUT, DELETE). @default false */
  readonly idempotent?: boolean;
  /** Makes a non-idempotent call safe to retry; kept identical across attempts. A blank key does not. */
  readonly idempotencyKey?: string;
  /** Overrides the client's deadline for this call; capped by the ambient context's deadline. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  /** Regions this call must not use, e.g. the one a request just came from. */
  readonly excludedRegions?: readonly string[];
  readonly priority?: Priority;
}

/** What the adapter's classifier decides about one attempt. */
export type Verdict =
  /** A good answer: record the region healthy and return it. */
  | { readonly kind: 'success' }
  /**
   * Do not retry. `regionFault: false` (the default) means the region worked and the failure
   * is the caller's, e.g. HTTP 404 or gRPC INVALID_ARGUMENT: the region's health is unaffected.
   */
  | {
      readonly kind: 'fatal';
      readonly reason: string;
      readonly regionFault?: boolean;
      /**
       * The region asked for this long without calls (HTTP Retry-After), though this call
       * cannot retry (its body cannot be sent again, say): other calls still leave it be.
       */
      readonly retryAfterMs?: number;
    }
  /**
   * The caller gave up, through a cancel the adapter sees itself (an undici controller's
   * abort, say) rather than the call's `signal`: no result, no retry, and nothing learnt about
   * the region — it is not recorded against the region's health, nor is it the region that
   * served the call.
   */
  | { readonly kind: 'aborted' }
  /** Worth another attempt, normally in the next region of the plan. */
  | {
      readonly kind: 'retriable';
      /** Low-cardinality reason, e.g. `connect-refused`, `status-503`. */
      readonly reason: string;
      /** The request provably never reached the server (refused, DNS): safe to resend even if not idempotent. */
      readonly neverSent?: boolean;
      /** Server's pushback (Retry-After, grpc-retry-pushback-ms): this region is not used again sooner. */
      readonly retryAfterMs?: number;
      /** Counts against the region's health and breaker. @default true */
      readonly regionFault?: boolean;
    };

/** What the transport produced for one attempt: a value, or a thrown error. */
export type AttemptResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

export type Classifier<T> = (result: AttemptResult<T>, attempt: Attempt) => Verdict;

/** One attempt of a logical call, as the transport sees it. */
export interface Attempt {
  readonly service: string;
  /** Region this attempt goes to. */
  readonly region: string;
  /** 1-based; 1 is the first try. */
  readonly number: number;
  /** Absolute deadline of the whole call (epoch ms, `Date.now()` clock). */
  readonly callDeadline: number;
  /** Absolute time this attempt is abandoned (epoch ms). */
  readonly attemptDeadline: number;
  readonly correlationId: string;
  readonly priority: Priority;
  readonly idempotencyKey: string | undefined;
  /**
   * Aborted when this attempt times out or the caller aborts. Created on first access. While
   * it has listeners, the caller's signal keeps it (and what they reference) alive: remove a
   * listener once the attempt's work is done, or pass the signal to an API that does.
   */
  readonly signal: AbortSignal;
  /** Whole milliseconds left before this attempt is abandoned (never negative): fit for a header. */
  remainingMs(): number;
  /**
   * Writes W3C trace context (through the OpenTelemetry propagation API, so a no-op without an
   * SDK) for the next hop into `carrier`. Call it last, after any user hook, so nothing can
   * tamper with it; skip it when an instrumentation (undici, grpc) injects for this request.
   */
  injectTraceContext<C>(carrier: C, setter?: TextMapSetter<C>): void;
  /** Adds protocol attributes (e.g. `http.response.status_code`) to the attempt's span, if any. */
  setAttributes(attributes: Attributes): void;
  /**
   * The attempt has a span of its own that records (opt-in attempt spans, with an SDK): only
   * then are attributes worth building for `setAttributes`.
   */
  readonly recording: boolean;
}
