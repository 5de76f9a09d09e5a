/**
 * Attribute and instrument names. Stable OpenTelemetry keys are spelled as in the semantic
 * conventions (copied rather than imported: libraries depend on @opentelemetry/api only);
 * regionkit's own live under `regionkit.*`. Every value set on a metric is low-cardinality.
 */

// Semantic conventions (stable unless noted).
export const ATTR_ERROR_TYPE = 'error.type';
/** Resource convention (development status); here: the region of the callee. */
export const ATTR_CLOUD_REGION = 'cloud.region';
export const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';

// regionkit
export const ATTR_SERVICE = 'regionkit.service';
export const ATTR_LOCAL_REGION = 'regionkit.local_region';
export const ATTR_ATTEMPTS = 'regionkit.attempts';
export const ATTR_ATTEMPT = 'regionkit.attempt';
export const ATTR_FAILED_OVER = 'regionkit.failed_over';
export const ATTR_FAILOVER_REASON = 'regionkit.failover.reason';
export const ATTR_CORRELATION_ID = 'regionkit.correlation_id';
export const ATTR_PRIORITY = 'regionkit.priority';
export const ATTR_IDEMPOTENT = 'regionkit.idempotent';
export const ATTR_OUTCOME = 'regionkit.outcome';
export const ATTR_STOPPED_BECAUSE = 'regionkit.stopped_because';
export const ATTR_FROM_REGION = 'regionkit.from_region';
export const ATTR_TO_REGION = 'regionkit.to_region';
export const ATTR_REASON = 'regionkit.reason';
export const ATTR_DELAY_MS = 'regionkit.delay_ms';
export const ATTR_BREAKER_STATE = 'regionkit.breaker.state';

export const EVENT_RETRY = 'regionkit.retry';
export const EVENT_FAILOVER = 'regionkit.failover';
export const EVENT_BREAKER = 'regionkit.breaker';
export const EVENT_BUDGET_EXHAUSTED = 'regionkit.budget_exhausted';

export const METRIC_CALL_DURATION = 'regionkit.call.duration';
export const METRIC_ATTEMPTS = 'regionkit.attempts';
export const METRIC_FAILOVERS = 'regionkit.failovers';
export const METRIC_BUDGET_EXHAUSTED = 'regionkit.retry_budget.exhausted';
export const METRIC_BUDGET_AVAILABLE = 'regionkit.retry_budget.available';
export const METRIC_REGION_WEIGHT = 'regionkit.region.weight';
export const METRIC_REGION_BREAKER = 'regionkit.region.breaker_state';
export const METRIC_REGION_ERROR_RATE = 'regionkit.region.error_rate';
export const METRIC_REGION_P99 = 'regionkit.region.latency.p99';

/** The HTTP semantic conventions' advised duration buckets, in seconds. */
export const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** `regionkit.region.breaker_state` values: a gauge needs a number. */
export const BREAKER_STATE_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;
