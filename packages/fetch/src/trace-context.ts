import diagnosticsChannel from 'node:diagnostics_channel';
import { context, propagation, type TextMapSetter } from '@opentelemetry/api';

/** undici publishes every request it creates here; OTel's undici instrumentation listens. */
const undiciRequestCreate = diagnosticsChannel.channel('undici:request:create');

const scratch: unknown[] = [];

const appendSetter: TextMapSetter<unknown[]> = {
  set(carrier, key, value) {
    carrier.push(key, value);
  },
};

/**
 * Trace headers for every attempt of a call, from the caller's active OpenTelemetry context,
 * through the registered propagator (W3C traceparent/tracestate, baggage, or whatever the app
 * configured). Without an SDK the API's no-op propagator writes nothing.
 *
 * In `auto` mode nothing is injected while something subscribes to `undici:request:create`:
 * that is how @opentelemetry/instrumentation-undici (and APM agents) add their own
 * `traceparent` to each request undici creates, i.e. to each attempt, and two would be sent.
 */
export function traceHeaders(mode: 'auto' | 'always' | 'off'): unknown[] | undefined {
  if (mode === 'off' || (mode === 'auto' && undiciRequestCreate.hasSubscribers)) return undefined;
  // One scratch carrier: nearly always nothing is injected, so nothing is allocated.
  scratch.length = 0;
  propagation.inject(context.active(), scratch, appendSetter);
  return scratch.length > 0 ? scratch.slice() : undefined;
}
