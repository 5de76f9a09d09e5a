import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInboundTrace } from './inbound-trace.js';

const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const activeTraceId = () => trace.getSpanContext(context.active())?.traceId;

describe('withInboundTrace', () => {
  it('without an SDK runs the handler as is', () => {
    expect(withInboundTrace({ traceparent: valid }, () => activeTraceId())).toBeUndefined();
  });

  describe('with a W3C propagator', () => {
    beforeAll(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    afterAll(() => {
      context.disable();
      propagation.disable();
    });

    it('makes the caller’s trace the active parent', () => {
      expect(withInboundTrace({ traceparent: valid }, () => activeTraceId())).toBe(
        '4bf92f3577b34da6a3ce929d0e0e4736',
      );
    });

    it('drops a malformed traceparent: no parent, and the request still runs', () => {
      for (const bad of [
        '00-xyz-00f067aa0ba902b7-01',
        '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
        `${valid}\r\nx: 1`,
        'garbage',
      ]) {
        expect(withInboundTrace({ traceparent: bad }, () => activeTraceId() ?? 'none')).toBe(
          'none',
        );
      }
    });

    it('leaves an already active server span (an HTTP instrumentation) as the parent', () => {
      const server = trace.setSpanContext(context.active(), {
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
        traceFlags: 1,
      });
      const seen = context.with(server, () =>
        withInboundTrace({ traceparent: valid }, () => activeTraceId()),
      );
      expect(seen).toBe('a'.repeat(32));
    });
  });
});
