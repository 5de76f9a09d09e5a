/**
 * A retry is sent in the trace context its call started in. undici runs a response's callbacks
 * in the async context its connection was opened in; on a reused keep-alive socket that is
 * another request's, and a retry sent from there (or from a backoff timer set there) would carry
 * that request's trace and baggage. The calls here are sampled out (their parent is not
 * sampled), so no regionkit span makes the context explicit: the case most production traffic
 * is in.
 */
import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { createRegionalFetch } from '@regionkit/fetch';
import { Agent } from 'undici';
import { afterAll, expect, it } from 'vitest';
import { rawHeaderValues, regionsConfig, startRegions } from './http-fixtures.js';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.shutdown());

/** An inbound request's context: a remote parent that was not sampled, and the user's baggage. */
function requestContext(traceDigit: string, user: string) {
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: traceDigit.repeat(32),
    spanId: traceDigit.repeat(16),
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
  return propagation.setBaggage(parent, propagation.createBaggage({ user: { value: user } }));
}

it.each([
  ['after a Retry-After wait, in the same region', ['us-east'], { 'retry-after': '0' }],
  ['failing over at once to another region', ['us-east', 'us-west'], {}],
])('a retry carries its own call’s trace and baggage: %s', async (_case, names, headers) => {
  const servers = await startRegions(names);
  const [east] = servers;
  if (!east) throw new Error('no us-east');
  // One connection per region, so Bob's call is sure to reuse the one Alice's opened.
  const agent = new Agent({ connections: 1 });
  const orders = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: regionsConfig(servers),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    dispatcher: agent,
  });
  try {
    // Alice's request opens the keep-alive connection to us-east.
    await context.with(requestContext('a', 'alice'), async () => (await orders('/warm')).text());
    let answered = 0;
    east.handler = (_req, res) => {
      if (answered++ === 0) res.writeHead(503, headers).end('busy');
      else res.end('us-east');
    };
    // Bob's call reuses it; its 503 arrives in the connection's (Alice's) async context.
    const body = await context.with(requestContext('b', 'bob'), async () =>
      (await orders('/orders/42')).text(),
    );
    expect(body).toBe(names.length === 1 ? 'us-east' : 'us-west');
    const bobs = servers.flatMap((s) => s.received).filter((r) => r.url === '/orders/42');
    expect(bobs.map((r) => r.headers['x-regionkit-attempt'])).toEqual(['1', '2']);
    const warm = east.received.find((r) => r.url === '/warm');
    expect(bobs[0]?.socketId).toBe(warm?.socketId);
    for (const attempt of bobs) {
      expect(rawHeaderValues(attempt, 'traceparent')).toEqual([
        `00-${'b'.repeat(32)}-${'b'.repeat(16)}-00`,
      ]);
      expect(rawHeaderValues(attempt, 'baggage')).toEqual(['user=bob']);
    }
    expect(telemetry.spans()).toEqual([]); // sampled out: nothing made the context explicit
  } finally {
    await orders.close();
    await agent.close();
    await Promise.all(servers.map((s) => s.kill()));
  }
});
