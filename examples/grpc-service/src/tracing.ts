/**
 * The trace hook. @regionkit/grpc and @regionkit/express already propagate W3C trace context
 * through `@opentelemetry/api` (traceparent in gRPC metadata and HTTP headers, extracted by
 * `regionkitServerInterceptor` and the Express middleware). With no SDK registered that is a
 * no-op, so this example shows correlation IDs only.
 *
 * To see one trace across the hops, register an SDK here before anything else runs (see
 * examples/otel for a full setup), e.g.:
 *
 *   const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
 *   trace.setGlobalTracerProvider(provider);
 *   context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
 *   propagation.setGlobalPropagator(new W3CTraceContextPropagator());
 *
 * and every hop printed by main.ts will show the same trace ID.
 */
import { propagation } from '@opentelemetry/api';

export function setupTracing(): void {
  // Intentionally empty until the example adopts the OpenTelemetry setup of examples/otel.
}

/** Whether a propagator is registered (the API's default one has no fields and writes nothing). */
export function tracePropagationActive(): boolean {
  return propagation.fields().length > 0;
}
