/**
 * W3C trace context on every attempt, through the OpenTelemetry API only: real propagator
 * (@opentelemetry/core) and context manager registered, a real server on 127.0.0.1.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegionalFetch, type RegionalFetch } from './index.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

const seen: IncomingMessage['rawHeaders'][] = [];
const server = createServer((req, res) => {
  seen.push(req.rawHeaders);
  res.end('ok');
});
let orders: RegionalFetch;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  orders = createRegionalFetch({
    service: 'orders',
    localRegion: 'local',
    regions: [{ name: 'local', origin }],
  });
});
afterAll(async () => {
  await orders.close();
  server.close();
  context.disable();
  propagation.disable();
});

function traceparents(): string[] {
  const raw = seen.at(-1) ?? [];
  return raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === 'traceparent');
}

describe('trace context', () => {
  it('without an SDK nothing is injected', async () => {
    await context.with(parent, async () => (await orders('/a')).text());
    expect(traceparents()).toEqual([]);
  });

  describe('with a W3C propagator registered', () => {
    beforeAll(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });

    it('injects exactly one traceparent from the active context', async () => {
      await context.with(parent, async () => (await orders('/b')).text());
      expect(traceparents()).toEqual([`00-${TRACE_ID}-00f067aa0ba902b7-01`]);
    });

    it('keeps a caller-supplied traceparent and adds none', async () => {
      const own = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
      await context.with(parent, async () =>
        (await orders('/c', { headers: { traceparent: own } })).text(),
      );
      expect(traceparents()).toEqual([own]);
    });

    it('steps back when an undici instrumentation injects on every request (no duplicate)', async () => {
      // What @opentelemetry/instrumentation-undici does on undici:request:create.
      const instrumentation = ({
        request,
      }: {
        request: { addHeader(k: string, v: string): void };
      }) => {
        const headers: Record<string, string> = {};
        propagation.inject(context.active(), headers);
        for (const [k, v] of Object.entries(headers)) request.addHeader(k, v);
      };
      diagnosticsChannel.subscribe('undici:request:create', instrumentation as never);
      try {
        await context.with(parent, async () => (await orders('/d')).text());
      } finally {
        diagnosticsChannel.unsubscribe('undici:request:create', instrumentation as never);
      }
      expect(traceparents()).toEqual([`00-${TRACE_ID}-00f067aa0ba902b7-01`]);
    });
  });
});
