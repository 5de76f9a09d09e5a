/**
 * End to end on 127.0.0.1: an Express app in "us-east" (with @regionkit/express) serves
 * checkout traffic by calling an "orders" service that runs in three regions, through
 * @regionkit/fetch. Mid-run the local orders region dies with requests in flight.
 *
 * The orders regions share one idempotency store, as a globally replicated table would, so an
 * order applied in us-east just before it died is found, not applied again, in us-west.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FailoverEvent } from '@regionkit/core';
import { regionkit } from '@regionkit/express';
import { createRegionalFetch } from '@regionkit/fetch';
import express from 'express';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Received, type RegionServer, regionsConfig, startRegions } from './http-fixtures.js';

const ITERATIONS = 60; // checkout rounds, each a GET, a keyed POST and an unkeyed POST
const CONCURRENCY = 8;
// From its 40th request on, us-east holds the notes it receives unanswered, and dies at the
// first keyed order it applies while holding one: unkeyed and keyed writes are surely in flight.
const KILL_AFTER = 40;

interface OrdersWorld {
  readonly regions: RegionServer[];
  /** Idempotency-Key → times the order was applied (must end at exactly 1). */
  readonly applied: Map<string, number>;
  /** Note ID → times a region received it (must never exceed 1). */
  readonly notesReceived: Map<string, number>;
}

async function startOrders(): Promise<OrdersWorld> {
  const regions = await startRegions(['us-east', 'us-west', 'eu-west']);
  const applied = new Map<string, number>();
  const responses = new Map<string, string>();
  const notesReceived = new Map<string, number>();
  const [east] = regions as [RegionServer];
  let notesHeldAtEast = 0;
  for (const region of regions) {
    region.handler = (req, res, body) => {
      const answer = (status: number, payload: unknown, keyed = false) =>
        respond(region, res, status, payload, keyed);
      if (req.method === 'GET')
        return answer(200, { id: req.url?.split('/').pop(), region: region.name });
      if (req.url === '/notes') {
        const note = JSON.parse(body).note as string;
        notesReceived.set(note, (notesReceived.get(note) ?? 0) + 1);
        if (region === east && east.received.length >= KILL_AFTER) {
          notesHeldAtEast++; // received, maybe written, never answered: lost with the region
          return;
        }
        return answer(201, { note, region: region.name });
      }
      const key = String(req.headers['idempotency-key']);
      const previous = responses.get(key);
      if (previous) return answer(200, JSON.parse(previous)); // replayed: already applied
      applied.set(key, (applied.get(key) ?? 0) + 1);
      const order = { key, region: region.name };
      responses.set(key, JSON.stringify(order));
      return answer(201, order, true);
    };
  }
  return { regions, applied, notesReceived };

  function respond(
    region: RegionServer,
    res: ServerResponse,
    status: number,
    payload: unknown,
    keyedOrderApplied: boolean,
  ) {
    if (region === east && keyedOrderApplied && notesHeldAtEast > 0) {
      void east.kill(); // dies with this and every other in-flight request unanswered
      return;
    }
    // us-east answers a little later, so requests are in flight when it dies.
    const delay = region === east ? 3 : 0;
    setTimeout(() => {
      if (!res.destroyed)
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    }, delay);
  }
}

describe('checkout in us-east while its local orders region dies', () => {
  let world: OrdersWorld;
  let appUrl: string;
  let closeAll: () => Promise<void>;
  const failovers: FailoverEvent[] = [];

  beforeAll(async () => {
    world = await startOrders();
    const orders = createRegionalFetch({
      service: 'orders',
      localRegion: 'us-east',
      regions: regionsConfig(world.regions),
      deadlineMs: 3_000,
      retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 20 },
      // A burst of in-flight failures retries at once; the default budget (20 %) is for
      // steady traffic and would rightly refuse part of this burst.
      retryBudget: { ratio: 1, minRetriesPerSecond: 1_000 },
    });
    orders.client.on('failover', (e) => failovers.push(e));
    // Load shedding is tested on its own; here a stall of the test machine must not shed.
    const middleware = regionkit({
      region: 'us-east',
      trustInboundCorrelationId: true,
      shedding: false,
    });
    const app = express();
    app.use(middleware);
    app.use(express.json());
    const relay = async (res: express.Response, call: () => ReturnType<typeof orders>) => {
      try {
        const upstream = await call();
        res.status(upstream.status).json(await upstream.json());
      } catch (error) {
        res.status(502).json({ error: (error as Error).message });
      }
    };
    app.get('/api/orders/:id', (req, res) => relay(res, () => orders(`/orders/${req.params.id}`)));
    app.post('/api/orders', (req, res) =>
      relay(res, () =>
        orders('/orders', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': String(req.get('idempotency-key')),
          },
          body: JSON.stringify(req.body),
        }),
      ),
    );
    app.post('/api/notes', (req, res) =>
      relay(res, () =>
        orders('/notes', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(req.body),
        }),
      ),
    );
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeAll = async () => {
      middleware.close();
      server.closeAllConnections();
      server.close();
      await orders.close();
      await Promise.all(world.regions.map((r) => r.kill()));
    };
  });
  afterAll(() => closeAll());

  it('GETs all succeed, keyed POSTs apply exactly once, unkeyed POSTs are never sent twice, one ID per request', async () => {
    const agent = new Agent({ connections: CONCURRENCY * 3 });
    const call = async (
      method: 'GET' | 'POST',
      path: string,
      id: string,
      body?: unknown,
      key?: string,
    ) => {
      const res = await request(`${appUrl}${path}`, {
        dispatcher: agent,
        method,
        headers: {
          'x-request-id': id,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      await res.body.dump();
      expect(res.headers['x-request-id']).toBe(id);
      return res.statusCode;
    };
    const statuses = { get: [] as number[], keyed: [] as number[], unkeyed: [] as number[] };
    let next = 0;
    const worker = async () => {
      while (next < ITERATIONS) {
        const i = next++;
        const [g, p, n] = await Promise.all([
          call('GET', `/api/orders/${i}`, `req-${i}-get`),
          call('POST', '/api/orders', `req-${i}-order`, { i }, `order-${i}`),
          call('POST', '/api/notes', `req-${i}-note`, { note: `note-${i}` }),
        ]);
        statuses.get[i] = g;
        statuses.keyed[i] = p;
        statuses.unkeyed[i] = n;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await agent.close();

    const [east, west, eu] = world.regions as [RegionServer, RegionServer, RegionServer];
    // The local region really died mid-run, with traffic before and after.
    expect(east.server.listening).toBe(false);
    expect(east.received.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(west.received.length + eu.received.length).toBeGreaterThan(0);
    expect(failovers.length).toBeGreaterThan(0);

    expect(statuses.get).toEqual(new Array(ITERATIONS).fill(200));
    expect(statuses.keyed.every((s) => s === 200 || s === 201)).toBe(true);
    expect(world.applied.size).toBe(ITERATIONS);
    expect([...world.applied.values()].every((count) => count === 1)).toBe(true);
    expect([...world.notesReceived.values()].every((count) => count === 1)).toBe(true);
    // An unkeyed POST lost with the region fails (502 here); it is never resent. Some were.
    expect(statuses.unkeyed.every((s) => s === 201 || s === 502)).toBe(true);
    const lost = statuses.unkeyed.flatMap((s, i) => (s === 502 ? [`note-${i}`] : []));
    expect(lost.length).toBeGreaterThan(0);
    const notesAt = (region: RegionServer) =>
      new Set(
        region.received.filter((r) => r.url === '/notes').map((r) => JSON.parse(r.body).note),
      );
    // Lost with us-east (some were received there, others only written to its sockets), and
    // never sent anywhere else.
    expect(lost.some((note) => notesAt(east).has(note))).toBe(true);
    for (const note of lost) expect(notesAt(west).has(note) || notesAt(eu).has(note)).toBe(false);
    // Some keyed orders reached us-east before it died and were retried elsewhere with the
    // same key: the exactly-once above was really put to the test.
    const keysAtEast = new Set(east.received.map((r) => r.headers['idempotency-key']));
    const replayed = [...west.received, ...eu.received].filter(
      (r) => r.method === 'POST' && keysAtEast.has(r.headers['idempotency-key']),
    );
    expect(replayed.length).toBeGreaterThan(0);

    // Every attempt at every region carried the ID the checkout request came in with.
    const attempts = world.regions.flatMap((r) => r.received);
    for (const attempt of attempts)
      expect(attempt.headers['x-request-id']).toBe(expectedId(attempt));
    const byId = new Map<string, Received[]>();
    for (const a of attempts) {
      const id = String(a.headers['x-request-id']);
      byId.set(id, [...(byId.get(id) ?? []), a]);
    }
    for (const tries of byId.values()) {
      // Attempts refused at connect never reach a server, so numbers may skip, never repeat.
      const numbers = tries.map((t) => Number(t.headers['x-regionkit-attempt']));
      expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
    }
    const retried = [...byId.values()].filter((tries) => tries.length > 1);
    expect(retried.length).toBeGreaterThan(0);
  });
});

/** The correlation ID the driver sent for the checkout request this attempt belongs to. */
function expectedId(attempt: Received): string {
  if (attempt.method === 'GET') return `req-${attempt.url.split('/').pop()}-get`;
  if (attempt.url === '/notes') return `req-${JSON.parse(attempt.body).note.slice(5)}-note`;
  return `req-${JSON.parse(attempt.body).i}-order`;
}
