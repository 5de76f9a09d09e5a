/**
 * What an SRE sees in traces and metrics for calls through @regionkit/core, with an in-memory
 * SDK: one INTERNAL span per logical call, retry/failover events, optional per-attempt CLIENT
 * spans, trace context for the next hop, and per-region metrics after a scripted outage.
 */

import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type Attempt, createRegionalClient, type RegionalClientOptions } from '@regionkit/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { installTestTelemetry } from './support/otel.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

const options: RegionalClientOptions = {
  service: 'orders',
  localRegion: 'us-east',
  regions: [
    { name: 'us-east', rttMs: 1 },
    { name: 'us-west', rttMs: 60 },
    { name: 'eu-west', rttMs: 80 },
  ],
  retry: { baseDelayMs: 0, maxDelayMs: 0 },
};

function reset(): never {
  throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

const localDown = async (attempt: Attempt) =>
  attempt.region === 'us-east' ? reset() : attempt.region;

describe('traces', () => {
  it('records the breaker opening on the call whose attempt opened it', async () => {
    const client = createRegionalClient({
      ...options,
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50 },
    });
    for (let i = 0; i < 3; i++) await client.execute(localDown, { idempotent: true });
    const events = telemetry.spans().map((span) => span.events.map((e) => e.name));
    // The third local failure reaches the volume threshold: that call's span says so, at once.
    expect(events[0]).not.toContain('regionkit.breaker');
    expect(events[1]).not.toContain('regionkit.breaker');
    const third = telemetry.spans()[2]?.events.find((e) => e.name === 'regionkit.breaker');
    expect(third?.attributes).toEqual({
      'cloud.region': 'us-east',
      'regionkit.breaker.state': 'open',
    });
    expect(client.status().regions[0]?.breaker).toBe('open');
    client.close();
  });

  it('records one INTERNAL span for a call served locally', async () => {
    const client = createRegionalClient(options);
    await client.execute(async (a) => a.region, { idempotent: true });
    const [span, ...others] = telemetry.spans();
    expect(others).toHaveLength(0);
    expect(span?.name).toBe('call orders');
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.instrumentationScope.name).toBe('@regionkit/core');
    expect(span?.attributes).toMatchObject({
      'regionkit.service': 'orders',
      'regionkit.local_region': 'us-east',
      'cloud.region': 'us-east',
      'regionkit.attempts': 1,
      'regionkit.failed_over': false,
      'regionkit.idempotent': true,
    });
    expect(span?.attributes['regionkit.correlation_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(span?.events).toEqual([]);
    client.close();
  });

  it('shows which region served, that it failed over, and why', async () => {
    const client = createRegionalClient(options);
    await client.execute(localDown, { idempotent: true });
    const [span] = telemetry.spans();
    expect(span?.attributes).toMatchObject({
      'cloud.region': 'us-west',
      'regionkit.attempts': 2,
      'regionkit.failed_over': true,
      'regionkit.failover.reason': 'econnreset',
    });
    expect(span?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(span?.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'regionkit.retry',
        {
          'regionkit.from_region': 'us-east',
          'regionkit.to_region': 'us-west',
          'regionkit.reason': 'econnreset',
          'regionkit.delay_ms': 0,
        },
      ],
      [
        'regionkit.failover',
        {
          'regionkit.from_region': 'us-east',
          'regionkit.to_region': 'us-west',
          'regionkit.reason': 'econnreset',
        },
      ],
    ]);
    client.close();
  });

  it('marks a failed call as an error with a low-cardinality error.type; an aborted one is not', async () => {
    const client = createRegionalClient(options);
    await expect(client.execute(reset, { idempotent: false })).rejects.toThrow();
    const controller = new AbortController();
    const aborted = client.execute(
      (a) =>
        new Promise((_, reject) =>
          a.signal.addEventListener('abort', () => reject(a.signal.reason)),
        ),
      { idempotent: true, signal: controller.signal },
    );
    controller.abort(new Error('caller left'));
    await expect(aborted).rejects.toThrow('caller left');
    const [failed, cancelled] = telemetry.spans();
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['error.type']).toBe('ERR_REGIONKIT_ATTEMPTS_FAILED');
    expect(failed?.attributes['regionkit.stopped_because']).toBe('not-idempotent');
    expect(cancelled?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(cancelled?.attributes['error.type']).toBeUndefined();
    client.close();
  });

  it("records a failed call's exception with its message made printable and bounded", async () => {
    const client = createRegionalClient(options);
    const hostile = new Error(`nope\r\nforged line\u001b[31m ${'B'.repeat(50_000)}`);
    // Fatal: the transport's own error (a server's words, as a gRPC status's details) ends the call.
    await expect(
      client.execute(async () => Promise.reject(hostile), {
        classify: () => ({ kind: 'fatal', reason: 'test' }),
      }),
    ).rejects.toBe(hostile);
    const exception = telemetry.spans()[0]?.events.find((e) => e.name === 'exception');
    const message = String(exception?.attributes?.['exception.message']);
    expect(message).toMatch(/^nope\\r\\nforged line\\u001b\[31m B+… \(\d+ more characters\)$/);
    expect(message.length).toBeLessThan(600);
    expect(String(exception?.attributes?.['exception.stacktrace'])).toMatch(/^ {4}at /);
    client.close();
  });

  it('a breaker event goes on the call whose attempt moved the breaker, and no other', async () => {
    const client = createRegionalClient({
      ...options,
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50 },
    });
    // Six calls out at once in us-east, failing one after another: the third opens the breaker
    // while the other three are still out.
    const failNext: Array<() => void> = [];
    const calls = Array.from({ length: 6 }, () =>
      client.execute(
        (attempt: Attempt) =>
          attempt.region === 'us-east'
            ? new Promise<string>((_, reject) =>
                failNext.push(() =>
                  reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' })),
                ),
              )
            : Promise.resolve(attempt.region),
        { idempotent: true },
      ),
    );
    for (const fail of failNext.splice(0)) {
      fail();
      await new Promise((resolve) => setImmediate(resolve)); // one outcome at a time
    }
    await Promise.all(calls);
    const withEvent = telemetry
      .spans()
      .filter((s) => s.events.some((e) => e.name === 'regionkit.breaker'));
    expect(withEvent).toHaveLength(1);
    client.close();
  });

  it("a 503 returned when retries ran out is the call's answer: its region served it", async () => {
    const client = createRegionalClient<number>(
      { ...options, service: 'orders-503' },
      {
        classify: (result) =>
          result.ok && result.value === 503
            ? { kind: 'retriable', reason: 'status-503' }
            : { kind: 'success' },
      },
    );
    await expect(client.execute(async () => 503, { idempotent: true })).resolves.toBe(503);
    const [span] = telemetry.spans();
    expect(span?.attributes['regionkit.stopped_because']).toBe('max-attempts');
    expect(span?.attributes['cloud.region']).toEqual(expect.any(String)); // the last one asked
    const points = await telemetry.metric('regionkit.call.duration');
    const point = points.find((p) => p.attributes['regionkit.service'] === 'orders-503');
    expect(point?.attributes['cloud.region']).toBe(span?.attributes['cloud.region']);
    client.close();
  });

  it("a caller's abort is no region's failure in the metrics either", async () => {
    const client = createRegionalClient({ ...options, service: 'orders-aborted' });
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const call = client.execute(
        (a) =>
          new Promise((_, reject) =>
            a.signal.addEventListener('abort', () => reject(a.signal.reason)),
          ),
        { idempotent: true, signal: controller.signal },
      );
      controller.abort(new Error('caller left'));
      await call.catch(() => {});
    }
    const mine = (points: Array<{ attributes: Record<string, unknown> }>) =>
      points.filter((p) => p.attributes['regionkit.service'] === 'orders-aborted');
    expect(mine(await telemetry.metric('regionkit.attempts'))).toEqual([]);
    expect(
      mine(await telemetry.metric('regionkit.call.duration')).map(
        (p) => p.attributes['regionkit.outcome'],
      ),
    ).toEqual(['aborted']);
    client.close();
  });

  it('injects trace context naming the call span as the next hop’s parent', async () => {
    const client = createRegionalClient(options);
    const headers: Record<string, string> = {};
    await client.execute(
      async (a) => {
        a.injectTraceContext(headers);
        return a.region;
      },
      { idempotent: true },
    );
    const [span] = telemetry.spans();
    expect(headers.traceparent).toBe(
      `00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`,
    );
    client.close();
  });

  it('emits one CLIENT span per attempt in attemptSpans mode, children of the call span', async () => {
    const client = createRegionalClient({ ...options, telemetry: { attemptSpans: true } });
    const parents: string[] = [];
    await client.execute(
      async (a) => {
        const headers: Record<string, string> = {};
        a.injectTraceContext(headers);
        parents.push(headers.traceparent?.split('-')[2] ?? 'none');
        a.setAttributes({ 'server.address': `${a.region}.example` });
        return localDown(a);
      },
      { idempotent: true },
    );
    const spans = telemetry.spans();
    const call = spans.find((s) => s.kind === SpanKind.INTERNAL);
    const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(attempts.map((s) => s.attributes)).toEqual([
      expect.objectContaining({
        'cloud.region': 'us-east',
        'http.request.resend_count': 0,
        'error.type': 'econnreset',
        'server.address': 'us-east.example',
      }),
      expect.objectContaining({ 'cloud.region': 'us-west', 'http.request.resend_count': 1 }),
    ]);
    expect(attempts[1]?.attributes['error.type']).toBeUndefined();
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
    }
    // Each attempt's headers name that attempt's span, so the next hop nests under it.
    expect(parents).toEqual(attempts.map((s) => s.spanContext().spanId));
    client.close();
  });
  it('does not mark an attempt the caller aborted as an error (attemptSpans mode)', async () => {
    const client = createRegionalClient({ ...options, telemetry: { attemptSpans: true } });
    const controller = new AbortController();
    const aborted = client.execute(
      (a) =>
        new Promise((_, reject) => {
          a.signal.addEventListener('abort', () => reject(a.signal.reason));
          controller.abort(new Error('caller left'));
        }),
      { idempotent: true, signal: controller.signal },
    );
    await expect(aborted).rejects.toThrow('caller left');
    const attempt = telemetry.spans().find((s) => s.kind === SpanKind.CLIENT);
    expect(attempt?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(attempt?.attributes['error.type']).toBeUndefined();
    client.close();
  });
});

describe('metrics', () => {
  it('show a scripted outage: failovers from → to, weights and breaker state per region', async () => {
    const client = createRegionalClient({
      ...options,
      service: 'payments',
      health: { minRequests: 5 },
      breaker: { volumeThreshold: 5, errorThresholdPercentage: 5 },
    });
    for (let i = 0; i < 20; i++) await client.execute(async (a) => a.region, { idempotent: true });
    for (let i = 0; i < 20; i++) await client.execute(localDown, { idempotent: true });

    const failovers = await telemetry.metric('regionkit.failovers');
    expect(failovers).toContainEqual({
      attributes: {
        'regionkit.service': 'payments',
        'regionkit.from_region': 'us-east',
        'regionkit.to_region': 'us-west',
        'regionkit.reason': 'econnreset',
      },
      value: expect.any(Number),
    });
    const weights = await telemetry.metric('regionkit.region.weight');
    const weightOf = (region: string) =>
      weights.find(
        (p) =>
          p.attributes['cloud.region'] === region &&
          p.attributes['regionkit.service'] === 'payments',
      )?.value;
    expect(weightOf('us-east')).toBe(0);
    expect(weightOf('us-west')).toBeGreaterThan(0);
    const breakers = await telemetry.metric('regionkit.region.breaker_state');
    expect(
      breakers.find(
        (p) =>
          p.attributes['cloud.region'] === 'us-east' &&
          p.attributes['regionkit.service'] === 'payments',
      )?.value,
    ).toBe(2); // open
    const durations = await telemetry.metric('regionkit.call.duration');
    expect(durations.map((p) => p.attributes['cloud.region'])).toEqual(
      expect.arrayContaining(['us-east', 'us-west']),
    );
    client.close();
  });
});
