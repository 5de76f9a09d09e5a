/**
 * W3C trace context over gRPC metadata, with a real (in-memory) OpenTelemetry SDK: every
 * attempt carries the span that sent it, handlers behind regionkitServerInterceptor continue
 * the trace, and attempt spans get the RPC attributes.
 */
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createRegionalGrpcClient, regionkitServerInterceptor } from '@regionkit/grpc';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientOptions, failure, type Regions, startRegions, testing } from './grpc-fixtures.js';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

const tracer = trace.getTracer('grpc-trace-test');
let regions: Regions;
afterEach(async () => {
  await regions?.[Symbol.asyncDispose]();
});

/** `00-<trace>-<span>-<flags>` → its parts. */
function parent(traceparent: unknown): { traceId: string; spanId: string } {
  const [, traceId = '', spanId = ''] = String(traceparent).split('-');
  return { traceId, spanId };
}

function spansNamed(name: string): ReadableSpan[] {
  return telemetry.spans().filter((s) => s.name === name);
}

async function startTracedRegions(): Promise<Regions> {
  const started = await startRegions({ interceptors: [regionkitServerInterceptor()] });
  for (const region of [started.east, started.west, started.eu]) {
    region.handlers.SayHello = (call, callback) =>
      tracer.startActiveSpan(`handler ${region.name}`, (span) => {
        span.end();
        callback(null, { message: `hello ${call.request.name}`, region: region.name });
      });
  }
  return started;
}

describe('@regionkit/grpc trace context', () => {
  it('sends each attempt with the call span as parent; the handler continues the trace', async () => {
    regions = await startTracedRegions();
    regions.east.handlers.SayHello = (_call, callback) =>
      callback(failure(grpc.status.UNAVAILABLE, 'draining'));
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    const root = await tracer.startActiveSpan('request', async (span) => {
      await greeter.sayHello({ name: 'a' });
      span.end();
      return span.spanContext();
    });

    const [call] = spansNamed('call greeter');
    const [handler] = spansNamed('handler us-west');
    expect(call?.parentSpanContext?.spanId).toBe(root.spanId);
    for (const arrival of [regions.east.arrivals[0], regions.west.arrivals[0]]) {
      expect(parent(arrival?.metadata.traceparent)).toEqual({
        traceId: root.traceId,
        spanId: call?.spanContext().spanId,
      });
    }
    expect(handler?.spanContext().traceId).toBe(root.traceId);
    expect(handler?.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
  });

  it('in attemptSpans mode, parents each attempt on its own span, with RPC attributes', async () => {
    regions = await startTracedRegions();
    regions.east.handlers.SayHello = (_call, callback) =>
      callback(failure(grpc.status.UNAVAILABLE, 'draining'));
    using greeter = createRegionalGrpcClient(testing.Greeter, {
      ...clientOptions(regions),
      telemetry: { attemptSpans: true },
    });

    await greeter.sayHello({ name: 'a' });

    const attempts = spansNamed('attempt greeter');
    expect(attempts).toHaveLength(2);
    const byRegion = new Map(attempts.map((s) => [s.attributes['cloud.region'], s]));
    for (const [region, status] of [
      [regions.east, grpc.status.UNAVAILABLE],
      [regions.west, grpc.status.OK],
    ] as const) {
      const span = byRegion.get(region.name);
      expect(parent(region.arrivals[0]?.metadata.traceparent).spanId).toBe(
        span?.spanContext().spanId,
      );
      expect(span?.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.service': 'regionkit.testing.Greeter',
        'rpc.method': 'SayHello',
        'rpc.grpc.status_code': status,
      });
    }
    const [handler] = spansNamed('handler us-west');
    expect(handler?.parentSpanContext?.spanId).toBe(byRegion.get('us-west')?.spanContext().spanId);
  });

  it("drops a traceparent in the caller's metadata; tracePropagation 'off' sends none", async () => {
    regions = await startTracedRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    using silent = createRegionalGrpcClient(testing.Greeter, {
      ...clientOptions(regions),
      tracePropagation: 'off',
    });
    const forwarded = new grpc.Metadata();
    forwarded.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');

    const root = await tracer.startActiveSpan('request', async (span) => {
      await greeter.sayHello({ name: 'a' }, { metadata: forwarded });
      await silent.sayHello({ name: 'b' }, { metadata: forwarded });
      span.end();
      return span.spanContext();
    });

    const [ours, none] = regions.east.arrivals;
    expect(parent(ours?.metadata.traceparent).traceId).toBe(root.traceId);
    expect(none?.metadata.traceparent).toBeUndefined();
  });

  it('carries the active trace on streams too', async () => {
    regions = await startTracedRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    const root = await tracer.startActiveSpan('request', async (span) => {
      const things = greeter.listThings({ count: 1 });
      for await (const _ of things);
      const upload = greeter.upload();
      upload.end();
      await upload.response;
      const chat = greeter.chat();
      chat.end();
      chat.resume();
      await once(chat, 'status');
      span.end();
      return span.spanContext();
    });

    const arrivals = regions.east.arrivals;
    expect(arrivals.map((a) => a.method)).toEqual(['ListThings', 'Upload', 'Chat']);
    for (const arrival of arrivals) {
      expect(parent(arrival.metadata.traceparent).traceId).toBe(root.traceId);
    }
    // Pinned streams do not run through the core: their parent is the caller's span.
    expect(parent(arrivals[1]?.metadata.traceparent).spanId).toBe(root.spanId);
  });
});
