/**
 * attemptSpans mode over real HTTP: a call whose local region is dead fails over, and the SRE
 * sees one CLIENT span per attempt — the refused one with `error.type`, the served one with
 * the status code — each with `http.request.resend_count` and `server.address`, under the
 * INTERNAL call span; the served region's server receives the served attempt as its parent.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { CallEvent } from '@regionkit/core';
import { createRegionalFetch } from '@regionkit/fetch';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { rawHeaderValues, regionsConfig, startRegions } from './http-fixtures.js';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

it('gives each attempt of a failed-over HTTP call its own CLIENT span', async () => {
  const servers = await startRegions();
  const [east, west] = servers;
  await east?.kill(); // connection refused: the first attempt never reaches a server
  const orders = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: regionsConfig(servers),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    telemetry: { attemptSpans: true },
  });
  try {
    const response = await orders('/orders/42');
    expect(await response.text()).toBe('us-west');
  } finally {
    await orders.close();
    await Promise.all(servers.map((s) => s.kill()));
  }

  const spans = telemetry.spans();
  const call = spans.find((s) => s.kind === SpanKind.INTERNAL);
  const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT);
  expect(call?.attributes).toMatchObject({
    'cloud.region': 'us-west',
    'regionkit.attempts': 2,
    'regionkit.failed_over': true,
  });
  expect(attempts.map((s) => s.name)).toEqual(['attempt orders', 'attempt orders']);
  const [refused, served] = attempts;
  const eastHost = new URL(east?.origin ?? '');
  const westHost = new URL(west?.origin ?? '');
  expect(refused?.attributes).toMatchObject({
    'cloud.region': 'us-east',
    'http.request.resend_count': 0,
    'server.address': eastHost.hostname,
    'server.port': Number(eastHost.port),
    'error.type': expect.any(String),
  });
  expect(refused?.status.code).toBe(SpanStatusCode.ERROR);
  expect(served?.attributes).toMatchObject({
    'cloud.region': 'us-west',
    'http.request.resend_count': 1,
    'server.address': westHost.hostname,
    'server.port': Number(westHost.port),
  });
  expect(served?.attributes['error.type']).toBeUndefined();
  expect(served?.status.code).not.toBe(SpanStatusCode.ERROR);
  for (const attempt of attempts) {
    expect(attempt.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
  }
  // The served region saw the served attempt as the parent of its work.
  const [received] = west?.received ?? [];
  expect(received && rawHeaderValues(received, 'traceparent')).toEqual([
    `00-${served?.spanContext().traceId}-${served?.spanContext().spanId}-01`,
  ]);
});

it('treats a fetch the caller aborted as abandoned, not as a failed or served attempt', async () => {
  const [east] = await startRegions(['us-east']);
  if (!east) throw new Error('no region started');
  const controller = new AbortController();
  east.handler = () => controller.abort(new Error('caller left')); // never answers
  const orders = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: regionsConfig([east]),
    telemetry: { attemptSpans: true },
  });
  const calls: CallEvent[] = [];
  orders.client.on('call', (event) => calls.push(event));
  try {
    await expect(orders('/orders/42', { signal: controller.signal })).rejects.toThrow(
      'caller left',
    );
    // Nothing was learnt about the region: the abort is not in its health window.
    expect(orders.client.status().regions[0]?.requests).toBe(0);
  } finally {
    await orders.close();
    await east.kill();
  }
  // undici's fetch reports the abort through the dispatch controller, not a core signal.
  expect(calls).toEqual([
    expect.objectContaining({ outcome: 'failure', stoppedBecause: 'aborted', servedBy: undefined }),
  ]);
  const attempt = telemetry.spans().find((s) => s.kind === SpanKind.CLIENT);
  expect(attempt?.status.code).not.toBe(SpanStatusCode.ERROR);
  expect(attempt?.attributes['error.type']).toBeUndefined();
  const call = telemetry.spans().find((s) => s.kind === SpanKind.INTERNAL);
  expect(call?.attributes['cloud.region']).toBeUndefined();
});
