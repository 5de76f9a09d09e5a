import diagnosticsChannel from 'node:diagnostics_channel';
import { context, createContextKey, type TextMapSetter } from '@opentelemetry/api';

/** undici publishes every request it creates here; OTel's undici instrumentation listens. */
const undiciRequestCreate = diagnosticsChannel.channel('undici:request:create');

/**
 * The key @opentelemetry/core's `suppressTracing` sets (context keys are
 * `Symbol.for(description)`), read through the API only. @regionkit/core sets it around an
 * attempt in attempt-span mode, so instrumentations beneath add no span and no header.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** Appends header pairs to a flat undici header array. */
export const appendSetter: TextMapSetter<unknown[]> = {
  set(carrier, key, value) {
    carrier.push(key, value);
  },
};

/** `appendSetter` for a request whose caller set its own `baggage`: that one is sent alone. */
export const appendSetterKeepingBaggage: TextMapSetter<unknown[]> = {
  set(carrier, key, value) {
    if (key !== 'baggage') carrier.push(key, value);
  },
};

/**
 * Should regionkit write `traceparent`/`tracestate`/`baggage` into the request about to be
 * dispatched (called inside the attempt's context)? In `auto` mode not when an undici
 * instrumentation will: something subscribes to `undici:request:create` (how
 * @opentelemetry/instrumentation-undici and APM agents inject into every request undici
 * creates, i.e. every attempt) and tracing is not suppressed here. Two would be sent otherwise.
 */
export function shouldInjectTrace(mode: 'auto' | 'always' | 'off'): boolean {
  if (mode !== 'auto') return mode === 'always';
  return (
    !undiciRequestCreate.hasSubscribers || context.active().getValue(SUPPRESS_TRACING) === true
  );
}
