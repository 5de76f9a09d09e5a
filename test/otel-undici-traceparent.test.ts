/**
 * With @opentelemetry/instrumentation-undici on next to @regionkit/fetch, every attempt that
 * reaches a server carries exactly one `traceparent`, read from the raw headers a node:http
 * server received — in the default mode (the instrumentation's CLIENT span injects) and in
 * attemptSpans mode (regionkit's own attempt span injects; the instrumentation is suppressed).
 */
import { SpanKind, trace } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { createRegionalFetch } from '@regionkit/fetch';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { rawHeaderValues, regionsConfig, startRegions } from './http-fixtures.js';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
const undici = new UndiciInstrumentation();
undici.enable();
afterAll(async () => {
  undici.disable();
  await telemetry.shutdown();
});
beforeEach(() => telemetry.reset());

/** us-east answers 503 (so the call fails over and both attempts reach a server). */
async function regions() {
  const servers = await startRegions();
  const [east] = servers;
  if (east) east.handler = (_req, res) => res.writeHead(503).end('east is down');
  return Object.assign(servers, {
    async [Symbol.asyncDispose]() {
      await Promise.all(servers.map((s) => s.kill()));
    },
  });
}

/** The failed-over call, made inside a parent span as an inbound request handler would be. */
async function failedOverCall(attemptSpans: boolean) {
  await using servers = await regions();
  const orders = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: regionsConfig(servers),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    telemetry: { attemptSpans },
  });
  try {
    const tracer = trace.getTracer('test');
    const body = await tracer.startActiveSpan('handle request', async (span) => {
      try {
        const response = await orders('/orders/42');
        return response.text();
      } finally {
        span.end();
      }
    });
    expect(body).toBe('us-west');
  } finally {
    await orders.close();
  }
  const arrived = servers.flatMap((s) => s.received);
  expect(arrived.map((r) => r.region)).toEqual(['us-east', 'us-west']);
  const spans = telemetry.spans();
  const call = spans.find((s) => s.name === 'call orders');
  const root = spans.find((s) => s.name === 'handle request');
  expect(call?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
  return { arrived, spans, call, traceId: root?.spanContext().traceId };
}

/** The span a `traceparent` header value names as the parent of the server's work. */
function parentOf(traceparent: string | undefined) {
  const [, traceId, spanId] = traceparent?.split('-') ?? [];
  return { traceId, spanId };
}

describe('exactly one traceparent on the wire with instrumentation-undici', () => {
  it('default mode: the instrumentation injects for each attempt, regionkit does not', async () => {
    const { arrived, spans, call, traceId } = await failedOverCall(false);
    for (const received of arrived)
      expect(rawHeaderValues(received, 'traceparent')).toHaveLength(1);

    // One undici CLIENT span per attempt, children of the call span, each named by its header.
    const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(clientSpans.map((s) => s.instrumentationScope.name)).toEqual([
      '@opentelemetry/instrumentation-undici',
      '@opentelemetry/instrumentation-undici',
    ]);
    for (const span of clientSpans) {
      expect(span.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
    }
    expect(arrived.map((r) => parentOf(rawHeaderValues(r, 'traceparent')[0]))).toEqual(
      clientSpans.map((s) => ({ traceId, spanId: s.spanContext().spanId })),
    );
  });

  it('attemptSpans mode: regionkit’s attempt span injects; the instrumentation adds no span and no header', async () => {
    const { arrived, spans, call, traceId } = await failedOverCall(true);
    for (const received of arrived)
      expect(rawHeaderValues(received, 'traceparent')).toHaveLength(1);

    const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(clientSpans.map((s) => [s.instrumentationScope.name, s.name])).toEqual([
      ['@regionkit/core', 'attempt orders'],
      ['@regionkit/core', 'attempt orders'],
    ]);
    for (const span of clientSpans) {
      expect(span.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
    }
    expect(arrived.map((r) => parentOf(rawHeaderValues(r, 'traceparent')[0]))).toEqual(
      clientSpans.map((s) => ({ traceId, spanId: s.spanContext().spanId })),
    );
  });
});
