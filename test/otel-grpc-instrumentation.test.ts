/**
 * @opentelemetry/instrumentation-grpc next to @regionkit/grpc, on real grpc-js servers: every
 * attempt reaches its server with exactly one `traceparent`, naming the span that sent it —
 * the instrumentation's CLIENT span in the default mode, regionkit's attempt span in
 * attemptSpans mode (where the instrumentation is suppressed and adds no span).
 */
import { createRequire } from 'node:module';
import { SpanKind, trace } from '@opentelemetry/api';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { createRegionalGrpcClient, regionkitServerInterceptor } from '@regionkit/grpc';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { clientOptions, startRegions, testing } from './grpc-fixtures.js';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
const instrumentation = new GrpcInstrumentation();
instrumentation.enable();
// The instrumentation patches grpc-js when it is required (an application loads it after the
// SDK starts). grpc-js is CommonJS, so its prototypes, patched here, are the ones every import
// of it uses, regionkit's included.
createRequire(import.meta.url)('@grpc/grpc-js');

afterAll(async () => {
  instrumentation.disable();
  await telemetry.shutdown();
});
beforeEach(() => telemetry.reset());

/** us-east answers UNAVAILABLE, so the call fails over and both attempts reach a server. */
async function failedOverCall(attemptSpans: boolean) {
  await using regions = await startRegions({ interceptors: [regionkitServerInterceptor()] });
  // Every traceparent value each attempt carried (getMap() would show only the first).
  const traceparents: unknown[][] = [];
  regions.east.handlers.SayHello = (call, callback) => {
    traceparents.push(call.metadata.get('traceparent'));
    callback(Object.assign(new Error('down'), { code: 14, details: 'down' }));
  };
  regions.west.handlers.SayHello = (call, callback) => {
    traceparents.push(call.metadata.get('traceparent'));
    callback(null, { message: 'hi', region: 'us-west' });
  };
  using greeter = createRegionalGrpcClient(testing.Greeter, {
    ...clientOptions(regions),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    telemetry: { attemptSpans },
  });
  const reply = await trace.getTracer('test').startActiveSpan('handle request', async (span) => {
    try {
      return await greeter.sayHello({ name: 'trace' });
    } finally {
      span.end();
    }
  });
  expect(reply.region).toBe('us-west');
  expect([...regions.east.arrivals, ...regions.west.arrivals].map((a) => a.region)).toEqual([
    'us-east',
    'us-west',
  ]);
  const spans = telemetry.spans();
  const call = spans.find((s) => s.name === 'call greeter');
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
  // One CLIENT span per attempt, both children of the call span.
  expect(clients).toHaveLength(2);
  for (const client of clients) {
    expect(client.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
  }
  return { traceparents, clients };
}

const header = (span: { spanContext(): { traceId: string; spanId: string } }) =>
  `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

describe('instrumentation-grpc next to @regionkit/grpc', () => {
  it('default mode: each attempt’s traceparent names the instrumentation’s CLIENT span', async () => {
    const { traceparents, clients } = await failedOverCall(false);
    expect(clients.map((s) => s.instrumentationScope.name)).toEqual([
      '@opentelemetry/instrumentation-grpc',
      '@opentelemetry/instrumentation-grpc',
    ]);
    expect(traceparents).toEqual(clients.map((s) => [header(s)]));
  });

  it('attemptSpans mode: regionkit’s attempt spans only, each named by its attempt’s traceparent', async () => {
    const { traceparents, clients } = await failedOverCall(true);
    expect(clients.map((s) => s.name)).toEqual(['attempt greeter', 'attempt greeter']);
    expect(traceparents).toEqual(clients.map((s) => [header(s)]));
  });
});
