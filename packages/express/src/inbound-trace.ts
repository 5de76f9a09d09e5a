import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';

/**
 * Runs `fn` in the W3C trace context the request arrived with, through the registered
 * propagator (a malformed `traceparent` is dropped by it, never parsed here). Skipped when a
 * span is already active: an HTTP server instrumentation has extracted the context and made
 * its server span the parent, which must stay the parent of outbound calls. Without an SDK
 * the no-op propagator extracts nothing and `fn` runs as is.
 */
export function withInboundTrace<R>(headers: IncomingHttpHeaders, fn: () => R): R {
  const active = context.active();
  if (trace.getSpan(active) !== undefined) return fn();
  const extracted = propagation.extract(active, headers);
  return extracted === active ? fn() : context.with(extracted, fn);
}
