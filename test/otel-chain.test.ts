/**
 * One trace across every hop: a client → Express `checkout` (regionkit middleware) →
 * @regionkit/fetch → Express `orders` (checkout's local orders region is dead, so the call
 * fails over to us-west) → @regionkit/grpc → gRPC `greeter` (its us-west region is dead too,
 * so that call fails over to us-east). All real servers on 127.0.0.1.
 * Each hop's work must be the child of the span that sent it: the call span in the default
 * mode, the served attempt's span in attemptSpans mode.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, type SpanContext, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { type RegionkitMiddleware, regionkit } from '@regionkit/express';
import { createRegionalFetch, type RegionalFetch } from '@regionkit/fetch';
import { createRegionalGrpcClient, regionkitServerInterceptor } from '@regionkit/grpc';
import express from 'express';
import { request } from 'undici';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { clientOptions, type Regions, startRegions, testing } from './grpc-fixtures.js';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

const tracer = trace.getTracer('chain-test');

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An origin nothing listens on: a dead region (connection refused). */
async function deadOrigin(): Promise<string> {
  const server = createServer();
  const origin = await listen(server);
  server.close();
  await once(server, 'close');
  return origin;
}

interface Chain extends AsyncDisposable {
  readonly checkoutOrigin: string;
}

async function startChain(attemptSpans: boolean): Promise<Chain> {
  const cleanups: Array<() => unknown> = [];
  // orders trusts the correlation ID checkout sends: both are ours, behind one gateway.
  const middleware = (region: string, trustInboundCorrelationId: boolean): RegionkitMiddleware => {
    const m = regionkit({ region, shedding: false, trustInboundCorrelationId });
    cleanups.push(() => m.close());
    return m;
  };

  // greeter (gRPC): us-west (local to orders) dead, us-east answers inside a span of its own.
  const grpcRegions: Regions = await startRegions({ interceptors: [regionkitServerInterceptor()] });
  cleanups.push(() => grpcRegions[Symbol.asyncDispose]());
  grpcRegions.west.kill();
  grpcRegions.east.handlers.SayHello = (call, callback) =>
    tracer.startActiveSpan('greeter SayHello handler', (span) => {
      span.end();
      callback(null, { message: `hello ${call.request.name}`, region: 'us-east' });
    });

  // orders (Express, us-west; us-east dead) calls greeter.
  const greeter = createRegionalGrpcClient(testing.Greeter, {
    ...clientOptions(grpcRegions),
    localRegion: 'us-west',
    preferredRegions: ['us-east'],
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    telemetry: { attemptSpans },
  });
  cleanups.push(() => greeter.close());
  const orders = express();
  orders.use(middleware('us-west', true));
  orders.get('/orders/:id', async (req, res) => {
    const reply = await greeter.sayHello({ name: req.params.id });
    res.json({ order: req.params.id, greeting: reply.message, region: 'us-west' });
  });
  const ordersServer = createServer(orders);
  cleanups.push(() => ordersServer.close());
  const ordersWest = await listen(ordersServer);

  // checkout (Express, us-east) calls orders through @regionkit/fetch.
  const ordersFetch: RegionalFetch = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: [
      { name: 'us-east', origin: await deadOrigin(), rttMs: 1 },
      { name: 'us-west', origin: ordersWest, rttMs: 60 },
    ],
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    telemetry: { attemptSpans },
  });
  cleanups.push(() => ordersFetch.close());
  const checkout = express();
  checkout.use(middleware('us-east', false));
  checkout.get('/checkout/:id', async (req, res) => {
    const response = await ordersFetch(`/orders/${req.params.id}`);
    res.status(response.status).json(await response.json());
  });
  const checkoutServer = createServer(checkout);
  cleanups.push(() => {
    checkoutServer.closeAllConnections();
    checkoutServer.close();
  });
  const checkoutOrigin = await listen(checkoutServer);

  return {
    checkoutOrigin,
    async [Symbol.asyncDispose]() {
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

/** The client's request, sent inside a root span with its `traceparent`. */
async function callCheckout(origin: string): Promise<{ body: unknown; root: SpanContext }> {
  return tracer.startActiveSpan('client GET /checkout', async (span) => {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    try {
      const response = await request(`${origin}/checkout/42`, { headers });
      return { body: await response.body.json(), root: span.spanContext() };
    } finally {
      span.end();
    }
  });
}

function one(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  expect(found, `spans named ${name}`).toHaveLength(1);
  return found[0] as ReadableSpan;
}

function served(spans: ReadableSpan[], name: string, region: string): ReadableSpan {
  const found = spans.find((s) => s.name === name && s.attributes['cloud.region'] === region);
  expect(found, `${name} in ${region}`).toBeDefined();
  return found as ReadableSpan;
}

describe.each([
  { mode: 'default', attemptSpans: false },
  { mode: 'attemptSpans', attemptSpans: true },
])('Express → fetch → Express → gRPC, $mode mode', ({ attemptSpans }) => {
  it('is one trace, each hop the child of the span that sent it', async () => {
    await using chain = await startChain(attemptSpans);
    const { body, root } = await callCheckout(chain.checkoutOrigin);
    expect(body).toEqual({ order: '42', greeting: 'hello 42', region: 'us-west' });

    const spans = telemetry.spans();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([root.traceId]));
    const callOrders = one(spans, 'call orders');
    const callGreeter = one(spans, 'call greeter');
    const handler = one(spans, 'greeter SayHello handler');
    for (const [call, servedBy] of [
      [callOrders, 'us-west'],
      [callGreeter, 'us-east'],
    ] as const) {
      expect(call.attributes).toMatchObject({
        'cloud.region': servedBy,
        'regionkit.attempts': 2,
        'regionkit.failed_over': true,
      });
    }
    // Same correlation ID on both calls: the middleware's, carried by fetch to orders.
    expect(callGreeter.attributes['regionkit.correlation_id']).toBe(
      callOrders.attributes['regionkit.correlation_id'],
    );

    // checkout's call is the child of the client's span (extracted by the middleware).
    expect(callOrders.parentSpanContext?.spanId).toBe(root.spanId);
    // The next hop names the span that sent the served attempt as its parent.
    const sentOrders = attemptSpans ? served(spans, 'attempt orders', 'us-west') : callOrders;
    const sentGreeter = attemptSpans ? served(spans, 'attempt greeter', 'us-east') : callGreeter;
    expect(callGreeter.parentSpanContext?.spanId).toBe(sentOrders.spanContext().spanId);
    expect(handler.parentSpanContext?.spanId).toBe(sentGreeter.spanContext().spanId);
    if (attemptSpans) {
      expect(sentOrders.parentSpanContext?.spanId).toBe(callOrders.spanContext().spanId);
      expect(sentGreeter.parentSpanContext?.spanId).toBe(callGreeter.spanContext().spanId);
    }
  });
});

it('a malformed traceparent from outside is dropped: the request is served and starts a trace of its own', async () => {
  await using chain = await startChain(false);
  for (const traceparent of ['garbage', `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`, '00-xyz']) {
    telemetry.reset();
    const response = await request(`${chain.checkoutOrigin}/checkout/7`, {
      headers: { traceparent },
    });
    expect(await response.body.json()).toMatchObject({ order: '7', region: 'us-west' });
    const callOrders = one(telemetry.spans(), 'call orders');
    expect(callOrders.parentSpanContext).toBeUndefined(); // a root: nothing was taken from it
    expect(callOrders.spanContext().traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    // The rest of the chain joined that new trace.
    expect(new Set(telemetry.spans().map((s) => s.spanContext().traceId))).toEqual(
      new Set([callOrders.spanContext().traceId]),
    );
  }
});
