import { InterceptingCall, type Interceptor, type Metadata } from '@grpc/grpc-js';
import { type Context, context, propagation, type TextMapSetter } from '@opentelemetry/api';
import { currentContext, newCorrelationId, type Priority } from '@regionkit/core';
import { METADATA_KEYS, metadataSetter } from './metadata.js';

/**
 * Who writes trace context: `auto` leaves an attempt's trace context alone when it is already
 * there when regionkit's interceptor runs (an instrumentation such as
 * @opentelemetry/instrumentation-grpc put it there for its own CLIENT span), `always` writes
 * regionkit's over it, `off` never writes.
 */
export type TracePropagation = 'auto' | 'always' | 'off';

/** What one attempt stamps on its request metadata. */
export interface AttemptStamp {
  /** Already validated (it comes from the core context). */
  readonly correlationId: string;
  /** Attempt number; left out by the plain-client interceptor, which cannot see retries. */
  readonly number: number | undefined;
  /** Validated when the call was made. */
  readonly idempotencyKey: string | undefined;
  readonly priority: Priority;
  /**
   * Writes the trace context of this hop. A core attempt's own method: it knows the right
   * parent (the call span, or the attempt's span in attemptSpans mode).
   */
  injectTraceContext(carrier: Metadata, setter: TextMapSetter<Metadata>): void;
}

/** A stamp for a call that does not run through the core (pinned streams, plain clients). */
export function stampOf(
  correlationId: string,
  idempotencyKey: string | undefined,
  trace: Context,
  number?: number,
  priority: Priority = currentContext()?.priority ?? 'default',
): AttemptStamp {
  return {
    correlationId,
    number,
    idempotencyKey,
    priority,
    injectTraceContext: (carrier, setter) => propagation.inject(trace, carrier, setter),
  };
}

/**
 * Writes regionkit's metadata and the W3C trace context. Runs as the innermost interceptor,
 * after every user interceptor, so none of them can change what goes on the wire; `set`
 * replaces any value the caller put in the same keys.
 */
export function stampMetadata(
  metadata: Metadata,
  stamp: AttemptStamp,
  tracePropagation: TracePropagation = 'auto',
): void {
  metadata.set(METADATA_KEYS.correlationId, stamp.correlationId);
  if (stamp.number !== undefined) metadata.set(METADATA_KEYS.attempt, String(stamp.number));
  if (stamp.idempotencyKey !== undefined) {
    metadata.set(METADATA_KEYS.idempotencyKey, stamp.idempotencyKey);
  }
  // Lets the next hop shed sheddable work first; `default` needs no metadata.
  if (stamp.priority !== 'default') metadata.set(METADATA_KEYS.priority, stamp.priority);
  else metadata.remove(METADATA_KEYS.priority);
  // Through the API only: whichever propagator the application registered (W3C by default in
  // the SDK) writes traceparent/tracestate. Without an SDK this is a no-op.
  if (tracePropagation === 'always' || (tracePropagation === 'auto' && !hasTrace(metadata))) {
    stamp.injectTraceContext(metadata, metadataSetter);
  }
}

/** Whether `metadata` holds any key the registered propagator writes. */
function hasTrace(metadata: Metadata): boolean {
  return propagation.fields().some((key) => metadata.get(key).length > 0);
}

/**
 * Removes the registered propagator's keys from a copy of the caller's metadata: trace context
 * is regionkit's (or an instrumentation's) to write, and a forwarded inbound `traceparent` would
 * name the wrong parent.
 */
export function dropTraceContext(metadata: Metadata): Metadata {
  for (const key of propagation.fields()) metadata.remove(key);
  return metadata;
}

/** The interceptor of one attempt of a regional call. */
export function attemptInterceptor(
  stamp: AttemptStamp,
  tracePropagation: TracePropagation = 'auto',
): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        stampMetadata(metadata, stamp, tracePropagation);
        next(metadata, listener);
      },
    });
}

/**
 * For plain grpc-js clients (not regional): stamps the correlation ID of the ambient request
 * context (or a fresh one) and the active trace context on every call. Put it last in the
 * client's `interceptors`.
 */
export function regionkitClientInterceptor(): Interceptor {
  return (options, nextCall) => {
    const correlationId = currentContext()?.correlationId ?? newCorrelationId();
    return attemptInterceptor(stampOf(correlationId, undefined, context.active()))(
      options,
      nextCall,
    );
  };
}
