/**
 * @regionkit/express on a real Express 5 app on 127.0.0.1: correlation IDs in and out, the
 * context reaching outbound calls, inbound deadlines, priority load shedding under real
 * saturation, and the health and status endpoints.
 */
import { once } from 'node:events';
import http, { type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallEvent, currentContext, type Priority } from '@regionkit/core';
import {
  type RegionkitMiddleware,
  type RegionkitMiddlewareOptions,
  regionkit,
} from '@regionkit/express';
import { createRegionalFetch } from '@regionkit/fetch';
import express, { type Express } from 'express';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type RegionServer, regionsConfig, startRegions } from './http-fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const agent = new Agent({ connections: 64 });

interface App {
  readonly url: string;
  readonly middleware: RegionkitMiddleware;
  readonly app: Express;
}

/** An Express app with the middleware first and whatever routes `routes` adds. */
async function startApp(
  options: Partial<RegionkitMiddlewareOptions>,
  routes: (app: Express) => void,
): Promise<App> {
  const app = express();
  // Shedding is off unless a test is about it: a stalled CI machine must not shed test traffic.
  const middleware = regionkit({ region: 'us-east', shedding: false, ...options });
  app.use(middleware);
  routes(app);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    middleware.close();
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, middleware, app };
}

/** Echoes what the middleware put on the request and in the context. */
const echoRoute = (app: Express) =>
  app.get('/echo', (req, res) => {
    const ctx = currentContext();
    res.json({
      id: (req as { id?: string }).id,
      info: req.regionkit,
      context: ctx && {
        correlationId: ctx.correlationId,
        priority: ctx.priority,
        deadline: ctx.deadline,
      },
    });
  });

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { dispatcher: agent, headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

describe('correlation ID', () => {
  it('is minted when inbound IDs are not trusted, and set on req.id, the response and the context', async () => {
    const { url } = await startApp({}, echoRoute);
    const res = await get(`${url}/echo`, { 'x-request-id': 'from-outside' });
    const body = res.json();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(body.id);
    expect(body.context.correlationId).toBe(body.id);
    expect(body.info).toMatchObject({ region: 'us-east', correlationId: body.id });
  });

  it('is taken from the caller when trusted and valid; CRLF-free but bad or 10 KB IDs are replaced', async () => {
    const { url } = await startApp({ trustInboundCorrelationId: true }, echoRoute);
    expect((await get(`${url}/echo`, { 'x-request-id': 'gw-42' })).json().id).toBe('gw-42');
    for (const bad of ['a b', '<script>', 'x'.repeat(10_240), 'é']) {
      const res = await get(`${url}/echo`, { 'x-request-id': bad });
      expect(res.status).toBe(200);
      expect(res.json().id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-request-id']).toBe(res.json().id);
    }
  });

  it('a raw CR/LF in the header never reaches the app: Node rejects the request with 400', async () => {
    const { url } = await startApp({ trustInboundCorrelationId: true }, echoRoute);
    const { connect } = await import('node:net');
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.end('GET /echo HTTP/1.1\r\nhost: x\r\nx-request-id: abc\rx-evil: 1\r\n\r\n');
    let response = '';
    socket.on('data', (chunk) => {
      response += chunk;
    });
    await once(socket, 'close');
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    expect(response).not.toMatch(/x-evil/i);
  });

  it('reaches every outbound call and every failover attempt, with priority and deadline', async () => {
    const servers = await startRegions(['us-east', 'us-west']);
    cleanups.push(() => Promise.all(servers.map((s) => s.kill())));
    const east = servers[0];
    if (east) east.handler = (_req, res) => res.writeHead(503).end();
    const orders = createRegionalFetch({
      service: 'orders',
      localRegion: 'us-east',
      regions: regionsConfig(servers),
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    cleanups.push(() => orders.close());
    // An internal hop: its caller (a gateway, another service) is trusted with ID and priority.
    const trusted = { trustInboundCorrelationId: true, trustInboundPriority: true };
    const { url } = await startApp(trusted, (app) =>
      app.get('/checkout', async (_req, res) => {
        const order = await orders('/orders/1');
        res.json({ order: await order.text() });
      }),
    );
    const res = await get(`${url}/checkout`, {
      'x-request-id': 'trace-me',
      'x-regionkit-priority': 'critical',
      'x-regionkit-deadline-ms': '400',
    });
    expect(res.json()).toEqual({ order: 'us-west' });
    const attempts = servers.flatMap((s) => s.received);
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.headers['x-request-id']).toBe('trace-me');
      expect(a.headers['x-regionkit-priority']).toBe('critical');
      expect(Number(a.headers['x-regionkit-deadline-ms'])).toBeLessThanOrEqual(400);
    }
  });
});

describe("the request's own events", () => {
  it("run in the request's context: a body read with req.on('end') after the handler started", async () => {
    const { url } = await startApp({}, (app) =>
      app.post('/upload', (req, res) => {
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
        });
        req.on('end', () => {
          const ctx = currentContext(); // what an outbound call made here would carry
          res.end(
            JSON.stringify({ id: (req as { id?: string }).id, ctx: ctx?.correlationId, size }),
          );
        });
        res.flushHeaders(); // tells the client to send the body only now
      }),
    );
    const { hostname, port } = new URL(url);
    const outbound = http.request({ hostname, port, path: '/upload', method: 'POST' });
    outbound.flushHeaders();
    const [response] = (await once(outbound, 'response')) as [http.IncomingMessage];
    outbound.end('a body that arrives after the handler began');
    let text = '';
    for await (const chunk of response) text += chunk;
    const body = JSON.parse(text);
    expect(body.size).toBe(43);
    expect(body.ctx).toBe(body.id);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('inbound deadline', () => {
  it('answers 504 at once when too little time is left (including 0 and negative values)', async () => {
    let handled = 0;
    const { url } = await startApp({ minRemainingMs: 20 }, (app) =>
      app.get('/work', (_req, res) => {
        handled++;
        res.end('done');
      }),
    );
    for (const value of ['5', '0', '-30', '19']) {
      const res = await get(`${url}/work`, { 'x-regionkit-deadline-ms': value });
      expect(res.status).toBe(504);
      expect(res.json()).toMatchObject({ error: 'deadline_exceeded' });
      expect(res.json().message).toMatch(/leaves -?\d+ ms, less than the 20 ms this service needs/);
      expect(res.headers['x-request-id']).toBe(res.json().correlationId);
    }
    expect(handled).toBe(0);
  });

  it('ignores garbage, caps huge values, and passes a valid one into the context', async () => {
    const { url } = await startApp({ maxDeadlineMs: 60_000 }, echoRoute);
    for (const garbage of [
      'abc',
      '1e3',
      '12ms',
      '5 0',
      '5.5',
      '+50',
      '0x10',
      '99999999999999999999',
    ]) {
      const res = await get(`${url}/echo`, { 'x-regionkit-deadline-ms': garbage });
      expect(res.status).toBe(200);
      expect(res.json().context.deadline).toBeUndefined();
    }
    const huge = (await get(`${url}/echo`, { 'x-regionkit-deadline-ms': '999999999' })).json();
    expect(huge.context.deadline - Date.now()).toBeLessThanOrEqual(60_000);
    const sent = Date.now();
    const ok = (await get(`${url}/echo`, { 'x-regionkit-deadline-ms': '1500' })).json();
    expect(ok.context.deadline).toBeGreaterThanOrEqual(sent + 1_400);
    expect(ok.context.deadline).toBeLessThanOrEqual(Date.now() + 1_500);
  });
});

describe('load shedding', () => {
  it('under in-flight saturation sheds sheddable first and critical last, with 503 + Retry-After', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let started = 0;
    const waiters = new Map<number, () => void>();
    const { url, middleware } = await startApp(
      { trustInboundPriority: true, shedding: { maxInFlight: 4, retryAfterSeconds: 2 } },
      (app) =>
        app.get('/slow', async (_req, res) => {
          waiters.get(++started)?.();
          await gate;
          res.end('ok');
        }),
    );
    const send = (priority: Priority) => get(`${url}/slow`, { 'x-regionkit-priority': priority });
    // Resolves when the n-th request reached its handler (admitted and in flight).
    const waitForInFlight = async (n: number) => {
      if (started < n) await new Promise<void>((resolve) => waiters.set(n, resolve));
      expect(middleware.load()?.inFlight).toBe(n);
    };
    // Levels (defaults): sheddable at pressure 1 (4 in flight), default at 2 (8), critical at 4 (16).
    const held = [send('sheddable'), send('sheddable'), send('sheddable'), send('sheddable')];
    await waitForInFlight(4);
    const shedSheddable = await send('sheddable');
    expect(shedSheddable.status).toBe(503);
    expect(shedSheddable.headers['retry-after']).toBe('2');
    expect(shedSheddable.json()).toMatchObject({ error: 'overloaded', priority: 'sheddable' });
    for (let i = 0; i < 4; i++) held.push(send('default'));
    await waitForInFlight(8);
    expect((await send('default')).status).toBe(503);
    expect((await send('sheddable')).status).toBe(503);
    const health = await get(`${url}/healthz`);
    expect(health.status).toBe(503); // shedding more than sheddable traffic: steer away
    expect(health.json()).toMatchObject({
      status: 'unhealthy',
      overloaded: true,
      region: 'us-east',
    });
    for (let i = 0; i < 8; i++) held.push(send('critical'));
    await waitForInFlight(16);
    expect((await send('critical')).status).toBe(503);
    open();
    const results = await Promise.all(held);
    expect(results.map((r) => r.status)).toEqual(new Array(16).fill(200));
    expect(started).toBe(16);
    expect(middleware.load()).toMatchObject({ inFlight: 0, shedding: [] });
  });

  it('sheds on event-loop delay: sheddable is refused, critical still served', async () => {
    const { url, middleware } = await startApp(
      {
        trustInboundPriority: true,
        shedding: {
          maxEventLoopDelayMs: 20,
          sampleIntervalMs: 250,
          smoothingMs: 250,
          levels: { sheddable: 1, default: 1, critical: 1_000 },
        },
      },
      (app) => {
        app.get('/burn', (_req, res) => {
          const until = Date.now() + 120;
          while (Date.now() < until) {} // a CPU-bound handler blocks the loop
          res.end('burnt');
        });
        app.get('/light', (_req, res) => res.end('light'));
      },
    );
    expect((await get(`${url}/light`, { 'x-regionkit-priority': 'sheddable' })).status).toBe(200);
    for (let i = 0; i < 50 && (middleware.load()?.eventLoopDelayMs ?? 0) < 20; i++) {
      await get(`${url}/burn`, { 'x-regionkit-priority': 'critical' });
    }
    expect(middleware.load()?.eventLoopDelayMs).toBeGreaterThanOrEqual(20);
    expect((await get(`${url}/light`, { 'x-regionkit-priority': 'sheddable' })).status).toBe(503);
    expect((await get(`${url}/light`, { 'x-regionkit-priority': 'critical' })).status).toBe(200);
  });

  it('takes priority from a function of the request; unknown values are default', async () => {
    const { url, middleware } = await startApp(
      {
        priority: (req) => (req.path.startsWith('/admin') ? 'critical' : undefined),
        shedding: { maxInFlight: 1, levels: { sheddable: 0, default: 0, critical: 10 } },
      },
      (app) => {
        app.get('/admin/x', (_req, res) => res.end('admin'));
        app.get('/public', (_req, res) => res.end('public'));
      },
    );
    expect((await get(`${url}/admin/x`)).status).toBe(200);
    expect((await get(`${url}/public`, { 'x-regionkit-priority': 'critical' })).status).toBe(503);
    expect(middleware.load()?.shedding).toEqual(['sheddable', 'default']);
  });
});

describe('inputs a caller controls', () => {
  it('an untrusted priority header can lower a request to sheddable, never raise it', async () => {
    const { url } = await startApp({}, echoRoute);
    const as = async (priority: string) =>
      (await get(`${url}/echo`, { 'x-regionkit-priority': priority })).json().context.priority;
    expect(await as('critical')).toBe('default');
    expect(await as('sheddable')).toBe('sheddable');
  });

  it("a caller's deadline can shorten this service's own, never lengthen it", async () => {
    const { url } = await startApp({ defaultDeadlineMs: 2_000 }, echoRoute);
    const deadline = async (ms: string) =>
      (await get(`${url}/echo`, { 'x-regionkit-deadline-ms': ms })).json().context.deadline -
      Date.now();
    expect(await deadline('300000')).toBeLessThanOrEqual(2_000);
    expect(await deadline('500')).toBeLessThanOrEqual(500);
  });

  it('a client that left while earlier middleware ran is not counted in flight forever', async () => {
    const app = express();
    const middleware = regionkit({ region: 'us-east', shedding: { maxInFlight: 100 } });
    let left!: () => void;
    const clientLeft = new Promise<void>((resolve) => {
      left = resolve;
    });
    // An async middleware mounted before regionkit (auth, session): the client leaves during it.
    app.use(async (req, _res, next) => {
      req.socket.destroy();
      await once(req.socket, 'close');
      left();
      next();
    });
    app.use(middleware);
    app.get('/x', (_req, res) => res.end('x'));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => {
      middleware.close();
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    await request(url, { dispatcher: agent }).catch(() => {}); // the connection dies
    await clientLeft;
    await new Promise((resolve) => setImmediate(resolve)); // regionkit ran after next()
    expect(middleware.load()?.inFlight).toBe(0);
  });
});

/** orders in two regions whose handlers the test sets; the call events it reports. */
async function ordersService() {
  const servers = await startRegions(['us-east', 'us-west']);
  cleanups.push(() => Promise.all(servers.map((s) => s.kill())));
  const orders = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: regionsConfig(servers),
  });
  cleanups.push(() => orders.close());
  const calls: CallEvent[] = [];
  orders.client.on('call', (event) => calls.push(event));
  return { servers, orders, calls };
}

describe('a client that goes away', () => {
  /**
   * An app whose /order handler calls the orders service and reads the answer's body; `hold`
   * sets the regions' handlers and resolves with the orders response they keep open. The client
   * leaves once that response is held (and, with `afterHead`, once the handler has its head);
   * reports what the handler's outbound call ended with.
   */
  async function clientLeaves(
    options: Partial<RegionkitMiddlewareOptions>,
    hold: (servers: RegionServer[]) => Promise<ServerResponse>,
    afterHead = false,
  ) {
    const { servers, orders, calls } = await ordersService();
    const held = hold(servers);
    const headArrived = Promise.withResolvers<void>();
    const outcome = Promise.withResolvers<{ body?: string; error?: unknown }>();
    const handlerSawClose = Promise.withResolvers<void>();
    const { url } = await startApp(options, (app) =>
      app.get('/order', async (_req, res) => {
        res.once('close', () => handlerSawClose.resolve());
        try {
          const order = await orders('/orders/1');
          headArrived.resolve(); // core has returned the response: only its body is left
          outcome.resolve({ body: await order.text() });
        } catch (error) {
          outcome.resolve({ error });
        }
      }),
    );
    const client = new AbortController();
    const inbound = request(`${url}/order`, { dispatcher: agent, signal: client.signal });
    inbound.catch(() => {}); // rejected by the abort below
    const heldResponse = await held;
    if (afterHead) await headArrived.promise;
    client.abort();
    await handlerSawClose.promise;
    return { servers, orders, calls, outcome: outcome.promise, held: heldResponse };
  }

  /** The local region holds every request without answering until told. */
  function holdingOrders(options: Partial<RegionkitMiddlewareOptions>) {
    return clientLeaves(options, (servers) => {
      const arrived = Promise.withResolvers<ServerResponse>();
      (servers[0] as RegionServer).handler = (_req, res) => arrived.resolve(res);
      return arrived.promise;
    });
  }

  it("stops the request's outbound calls: the attempt is abandoned, nothing retried, no region blamed", async () => {
    const { servers, orders, calls, outcome, held } = await holdingOrders({});
    const { error } = await outcome;
    // undici's fetch reports a dispatcher's error as "fetch failed", with it as the cause.
    expect((error as Error).cause).toMatchObject({ code: 'ERR_REGIONKIT_INBOUND_CANCELLED' });
    if (!held.closed) await once(held, 'close'); // the orders server saw its request dropped
    expect(servers[1]?.received).toHaveLength(0); // no failover for a caller who has gone
    expect(calls).toEqual([expect.objectContaining({ stoppedBecause: 'aborted', attempts: 1 })]);
    expect(orders.client.status().regions.map((r) => r.errorRate)).toEqual([0, 0]);
  });

  // The first attempt's response streams straight to the caller; a failover's is held by its
  // attempt handler until core returns it: two ways a response is committed.
  it.for([
    { case: 'the first attempt', failover: false },
    { case: 'a failover attempt', failover: true },
  ])('stops an outbound response body that is still arriving ($case)', async ({ failover }) => {
    const { outcome, held } = await clientLeaves(
      {},
      (servers) => {
        const streaming = Promise.withResolvers<ServerResponse>();
        const [east, west] = servers as [RegionServer, RegionServer];
        if (failover) east.handler = (_req, res) => res.writeHead(503).end();
        (failover ? west : east).handler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('the first part; '); // the rest never comes: only a dropped request ends it
          streaming.resolve(res);
        };
        return streaming.promise;
      },
      true,
    );
    const { error } = await outcome;
    // undici's fetch ends a body whose dispatcher failed with "terminated", the reason as cause.
    expect(error).toMatchObject({
      message: 'terminated',
      cause: expect.objectContaining({ code: 'ERR_REGIONKIT_INBOUND_CANCELLED' }),
    });
    if (!held.closed) await once(held, 'close'); // the orders server saw the request dropped
  });

  it('with abortOnClientClose: false the outbound call runs on to its answer', async () => {
    const { servers, calls, outcome, held } = await holdingOrders({ abortOnClientClose: false });
    expect(held.closed).toBe(false); // the client is gone, the outbound request still open
    held.end('order 1');
    expect(await outcome).toEqual({ body: 'order 1' });
    expect(servers[1]?.received).toHaveLength(0);
    expect(calls).toEqual([expect.objectContaining({ outcome: 'success', servedBy: 'us-east' })]);
  });
});

describe('a response that was sent, or a deadline that ran out', () => {
  it('work after the response was sent is not cancelled when the connection closes', async () => {
    const { servers, orders, calls } = await ordersService();
    const closed = Promise.withResolvers<void>();
    const outcome = Promise.withResolvers<string>();
    // The orders region answers only once the inbound response has had its 'close'.
    (servers[0] as RegionServer).handler = async (_req, res) => {
      await closed.promise;
      res.end('recorded');
    };
    const { url } = await startApp({}, (app) =>
      app.get('/checkout', async (_req, res) => {
        res.once('close', () => closed.resolve());
        res.json({ accepted: true }); // answer first, then record the order
        const recorded = await orders('/audit');
        outcome.resolve(await recorded.text());
      }),
    );
    expect((await get(`${url}/checkout`)).json()).toEqual({ accepted: true });
    expect(await outcome.promise).toBe('recorded');
    expect(calls).toEqual([expect.objectContaining({ outcome: 'success', servedBy: 'us-east' })]);
  });

  it("a caller leaving at its own deadline does not hide the hung regions from the deadline's verdict", async () => {
    const { servers, orders, calls } = await ordersService();
    for (const server of servers) server.handler = () => {}; // both regions hang
    const deadline = Promise.withResolvers<number>();
    const ended = Promise.withResolvers<void>();
    const { url } = await startApp({}, (app) => {
      app.get('/warm', (_req, res) => res.end());
      app.get('/order', async (req, res) => {
        deadline.resolve(req.regionkit?.deadline as number);
        await orders('/orders/1').catch(() => {});
        ended.resolve();
        res.end();
      });
    });
    await get(`${url}/warm`); // a ready connection, so the request arrives at once
    const caller = new AbortController();
    request(`${url}/order`, {
      dispatcher: agent,
      headers: { 'x-regionkit-deadline-ms': '600' },
      signal: caller.signal,
    }).catch(() => {});
    // The caller gives up just before this service's deadline, as a caller whose clock started
    // a little earlier does at its own: within the grace, so the deadline decides.
    setTimeout(() => caller.abort(), (await deadline.promise) - 50 - Date.now());
    await ended.promise;
    expect(calls).toEqual([expect.objectContaining({ stoppedBecause: 'deadline' })]);
    // Every attempt timed out and was held against its region, the last one included.
    const status = orders.client.status().regions;
    expect(status.reduce((sum, r) => sum + r.requests, 0)).toBe(calls[0]?.attempts);
    expect(status.every((r) => r.requests === 0 || r.errorRate === 1)).toBe(true);
  });
});

describe('health and status endpoints', () => {
  it('health reports region and readiness (GET and HEAD), 503 when not ready', async () => {
    let ready = true;
    const { url } = await startApp({ region: 'eu-west', ready: () => ready }, () => {});
    const ok = await get(`${url}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.json()).toEqual({ status: 'ok', region: 'eu-west', ready: true, overloaded: false });
    ready = false;
    const down = await get(`${url}/healthz`);
    expect(down.status).toBe(503);
    expect(down.json()).toMatchObject({ status: 'unhealthy', ready: false });
    const head = await request(`${url}/healthz`, { dispatcher: agent, method: 'HEAD' });
    expect(head.statusCode).toBe(503);
    await head.body.dump();
  });

  it('an async readiness check is awaited; a rejection, a throw or no answer in time is not ready', async () => {
    let check: () => boolean | Promise<boolean> = async () => true;
    const { url } = await startApp({ ready: () => check(), readyTimeoutMs: 100 }, () => {});
    const health = async () => {
      const res = await get(`${url}/healthz`);
      return { status: res.status, ready: res.json().ready };
    };
    expect(await health()).toEqual({ status: 200, ready: true });
    check = async () => {
      throw new Error('database down');
    };
    expect(await health()).toEqual({ status: 503, ready: false }); // and the process lives on
    check = () => {
      throw new Error('database down');
    };
    expect(await health()).toEqual({ status: 503, ready: false });
    check = () => new Promise<boolean>(() => {}); // a ping that never returns
    expect(await health()).toEqual({ status: 503, ready: false });
    check = async () => 'yes' as unknown as boolean; // only `true` is ready
    expect(await health()).toEqual({ status: 503, ready: false });
  });

  it('status lists every regional client with per-region health', async () => {
    const servers = await startRegions(['us-east', 'us-west']);
    cleanups.push(() => Promise.all(servers.map((s) => s.kill())));
    const orders = createRegionalFetch({
      service: 'orders-status',
      localRegion: 'us-east',
      regions: regionsConfig(servers),
    });
    cleanups.push(() => orders.close());
    await (await orders('/x')).text();
    const { url } = await startApp({ statusPath: '/_status', shedding: {} }, () => {});
    const status = (await get(`${url}/_status`)).json();
    expect(status).toMatchObject({ region: 'us-east', health: { status: 'ok' } });
    expect(status.load).toMatchObject({ inFlight: 0, pressure: expect.any(Number) });
    const client = status.clients.find((c: { service: string }) => c.service === 'orders-status');
    expect(client.regions).toHaveLength(2);
    expect(client.regions[0]).toMatchObject({
      region: 'us-east',
      weight: expect.any(Number),
      errorRate: 0,
      p99Ms: expect.any(Number),
      requests: 1,
      breaker: 'closed',
      coolingUntil: 0,
      share: 1,
    });
  });

  it('status is off unless a path is set; health is on', async () => {
    const { url } = await startApp({}, () => {});
    expect((await get(`${url}/regionkit/status`)).status).toBe(404);
    expect((await get(`${url}/healthz`)).status).toBe(200);
  });

  it('endpoints can be turned off', async () => {
    const { url } = await startApp({ healthPath: false, statusPath: false }, () => {});
    expect((await get(`${url}/healthz`)).status).toBe(404);
    expect((await get(`${url}/regionkit/status`)).status).toBe(404);
  });
});
