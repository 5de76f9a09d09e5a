/**
 * Trace headers a caller sets itself next to the ones regionkit injects from the active context
 * (W3C trace context and baggage propagators registered): each goes out once, and a tracestate
 * never travels without the traceparent it belongs to.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { createRegionalFetch } from '@regionkit/fetch';
import { afterAll, expect, it } from 'vitest';
import { rawHeaderValues, regionsConfig, startRegions } from './http-fixtures.js';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.shutdown());

it('a caller baggage is sent alone; a caller tracestate without its traceparent is dropped', async () => {
  const servers = await startRegions(['us-east']);
  const [east] = servers;
  const orders = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: regionsConfig(servers),
  });
  try {
    const active = propagation.setBaggage(
      context.active(),
      propagation.createBaggage({ user: { value: 'from-context' } }),
    );
    await trace.getTracer('test').startActiveSpan('handler', {}, active, async (span) => {
      await (
        await orders('/o', { headers: { baggage: 'user=caller', tracestate: 'vendor=orphan' } })
      ).text();
      span.end();
    });
    const received = east?.received[0];
    if (!received) throw new Error('nothing received');
    expect(rawHeaderValues(received, 'baggage')).toEqual(['user=caller']);
    expect(rawHeaderValues(received, 'tracestate')).toEqual([]);
    expect(rawHeaderValues(received, 'traceparent')).toHaveLength(1); // injected: the call span
  } finally {
    await orders.close();
    await Promise.all(servers.map((s) => s.kill()));
  }
});
