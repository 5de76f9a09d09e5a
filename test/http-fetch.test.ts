/**
 * @regionkit/fetch against real HTTP servers on 127.0.0.1, one per region: failover, what is
 * kept across attempts, idempotency, body replay, Retry-After, classification, connection
 * hygiene and the headers on the wire.
 */
import { once } from 'node:events';
import { Readable } from 'node:stream';
import {
  AttemptsFailedError,
  type FailoverEvent,
  isRegionkitError,
  runInContext,
} from '@regionkit/core';
import {
  createRegionalFetch,
  type RegionalFetchOptions,
  regionalDispatcher,
  regionalInterceptor,
} from '@regionkit/fetch';
import {
  Agent,
  Client,
  type Dispatcher,
  errors,
  getGlobalDispatcher,
  interceptors,
  Pool,
  Request,
  RetryAgent,
  request,
} from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type RegionServer,
  rawHeaderValues,
  regionsConfig,
  startRegion,
  startRegions,
} from './http-fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function regions(names?: string[]): Promise<RegionServer[]> {
  const servers = await startRegions(names);
  cleanups.push(() => Promise.all(servers.map((s) => s.kill())));
  return servers;
}

function options(
  servers: RegionServer[],
  extra: Partial<RegionalFetchOptions> = {},
): RegionalFetchOptions {
  return {
    service: 'orders',
    localRegion: servers[0]?.name ?? 'us-east',
    regions: regionsConfig(servers),
    deadlineMs: 3_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  };
}

function regionalFetch(servers: RegionServer[], extra?: Partial<RegionalFetchOptions>) {
  const orders = createRegionalFetch(options(servers, extra));
  cleanups.push(() => orders.close());
  return orders;
}

function dispatcher(servers: RegionServer[], extra?: Partial<RegionalFetchOptions>) {
  const d = regionalDispatcher(options(servers, extra));
  cleanups.push(() => d.close());
  return d;
}

/** A PUT of a 6-byte stream: past `maxReplayBodyBytes: 3`, it cannot be sent a second time. */
function putTooLongToResend(d: Dispatcher) {
  return request('http://orders.regional/upload', {
    dispatcher: d,
    method: 'PUT',
    body: Readable.from(['ab', 'cd', 'ef']),
  });
}

const reply =
  (status: number, body = '', headers: Record<string, string> = {}) =>
  (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(status, headers);
    res.end(body);
  };

describe('failover', () => {
  it('rewrites only the origin: path, query, headers, body, correlation ID and key stay identical', async () => {
    const [east, west] = await regions();
    east.handler = reply(503, 'busy');
    const orders = regionalFetch([east, west] as RegionServer[]);
    const res = await orders('/orders/7?x=1&y=%20z', {
      method: 'PUT',
      headers: { 'x-tenant': 'acme', 'idempotency-key': 'k-7' },
      body: 'payload',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('us-west');
    const [first, second] = [east.received[0], west.received[0]];
    expect(east.received).toHaveLength(1);
    expect(west.received).toHaveLength(1);
    for (const r of [first, second]) {
      expect(r?.url).toBe('/orders/7?x=1&y=%20z');
      expect(r?.method).toBe('PUT');
      expect(r?.headers['x-tenant']).toBe('acme');
      expect(r?.headers['idempotency-key']).toBe('k-7');
      expect(r?.body).toBe('payload');
    }
    expect(first?.headers['x-request-id']).toBe(second?.headers['x-request-id']);
    expect(first?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect([first?.headers['x-regionkit-attempt'], second?.headers['x-regionkit-attempt']]).toEqual(
      ['1', '2'],
    );
    expect(second?.headers.host).toBe(new URL(west?.origin ?? '').host);
  });

  it('moves a GET to the nearest healthy region when the local one is dead', async () => {
    const [east, west, eu] = await regions();
    const orders = regionalFetch([east, west, eu] as RegionServer[]);
    const failovers: FailoverEvent[] = [];
    orders.client.on('failover', (e) => failovers.push(e));
    await east?.kill();
    const res = await orders('/orders/1');
    expect(await res.text()).toBe('us-west');
    expect(failovers).toMatchObject([
      { fromRegion: 'us-east', toRegion: 'us-west', reason: 'connect-refused' },
    ]);
  });

  it('works through request() and fetch(url, { dispatcher }) with the logical origin', async () => {
    const [east, west] = await regions();
    const d = dispatcher([east, west] as RegionServer[]);
    expect(d.logicalOrigin).toBe('http://orders.regional');
    const viaRequest = await request('http://orders.regional/a?b=c', { dispatcher: d });
    expect(await viaRequest.body.text()).toBe('us-east');
    const viaFetch = await fetchWith(d, 'http://orders.regional/a');
    expect(await viaFetch.text()).toBe('us-east');
    // A region's own origin names the service too: it is routed, not pinned.
    await east?.kill();
    const viaRegionOrigin = await request(`${east?.origin}/a`, { dispatcher: d });
    expect(await viaRegionOrigin.body.text()).toBe('us-west');
  });
});

async function fetchWith(d: Dispatcher, url: string, init: Record<string, unknown> = {}) {
  const { fetch } = await import('undici');
  return fetch(url, { ...init, dispatcher: d });
}

describe('idempotency', () => {
  it('a POST without a key is returned as is on 503 and never resent', async () => {
    const [east, west] = await regions();
    east.handler = reply(503, 'busy');
    const orders = regionalFetch([east, west] as RegionServer[]);
    const res = await orders('/orders', { method: 'POST', body: 'o1' });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('busy');
    expect(east.received).toHaveLength(1);
    expect(west.received).toHaveLength(0);
  });

  /** A POST through request() whose local region receives it, then drops the connection. */
  async function postThatMayHaveArrived(body: string, headers?: Record<string, string>) {
    const [east, west] = await regions();
    east.handler = (req) => req.socket.destroy(); // received, then the connection dies
    const error = await request('http://orders.regional/orders', {
      dispatcher: dispatcher([east, west] as RegionServer[]),
      method: 'POST',
      body,
      headers,
    }).catch((e: unknown) => e);
    return { error, east: east as RegionServer, west: west as RegionServer };
  }

  it('a POST without a key that may have arrived fails with the reason, and is not resent', async () => {
    const { error, east, west } = await postThatMayHaveArrived('o2');
    expect(error).toBeInstanceOf(AttemptsFailedError);
    expect((error as AttemptsFailedError).stoppedBecause).toBe('not-idempotent');
    expect((error as Error).message).toMatch(/give it an idempotency key/);
    expect(east.received).toHaveLength(1);
    expect(west.received).toHaveLength(0);
  });

  it('a POST without a key is resent when it provably never left (connection refused)', async () => {
    const [east, west] = await regions();
    await east?.kill();
    const orders = regionalFetch([east, west] as RegionServer[]);
    const res = await orders('/orders', { method: 'POST', body: 'o3' });
    expect(res.status).toBe(200);
    expect(west.received.map((r) => r.body)).toEqual(['o3']);
  });

  it('a POST with an Idempotency-Key is retried with the same key', async () => {
    const [east, west] = await regions();
    east.handler = (req) => req.socket.destroy();
    const orders = regionalFetch([east, west] as RegionServer[]);
    const res = await orders('/orders', {
      method: 'POST',
      body: 'o4',
      headers: { 'Idempotency-Key': 'key-4' },
    });
    expect(res.status).toBe(200);
    expect([...east.received, ...west.received].map((r) => r.headers['idempotency-key'])).toEqual([
      'key-4',
      'key-4',
    ]);
  });

  it('a blank Idempotency-Key is no key: not forwarded, and the POST is not resent', async () => {
    const { error, east, west } = await postThatMayHaveArrived('o5', { 'idempotency-key': ' ' });
    expect((error as AttemptsFailedError).stoppedBecause).toBe('not-idempotent');
    expect(east.received).toHaveLength(1);
    expect(east.received[0]?.headers['idempotency-key']).toBeUndefined();
    expect(west.received).toHaveLength(0);
  });

  it("idempotencyKeys: 'auto' keys POST and PATCH (same key on every attempt), not GET", async () => {
    const [east, west] = await regions();
    east.handler = reply(503);
    const orders = regionalFetch([east, west] as RegionServer[], { idempotencyKeys: 'auto' });
    expect((await orders('/o', { method: 'PATCH', body: 'p' })).status).toBe(200);
    expect((await orders('/o')).status).toBe(200);
    const patches = [east.received[0], west.received[0]];
    expect(patches[0]?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(patches[1]?.headers['idempotency-key']).toBe(patches[0]?.headers['idempotency-key']);
    expect(east.received[1]?.method).toBe('GET');
    expect(east.received[1]?.headers['idempotency-key']).toBeUndefined();
  });
});

describe('request bodies', () => {
  it('a caller that gives up while its web stream body is buffered cancels that stream', async () => {
    const [east] = await regions(['us-east']);
    const d = dispatcher([east] as RegionServer[]);
    // A source that hands out one chunk each time the test feeds it.
    let feed: () => void = () => {};
    let pulls = 0;
    const pulled: Array<() => void> = [];
    const cancelled = Promise.withResolvers<unknown>();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        pulled.shift()?.();
        return new Promise<void>((resolve) => {
          feed = () => {
            controller.enqueue(new Uint8Array(100));
            resolve();
          };
        });
      },
      cancel: (reason) => cancelled.resolve(reason),
    });
    const nextPull = () => new Promise<void>((resolve) => pulled.push(resolve));
    const firstPull = nextPull();
    const caller = new AbortController();
    const call = request('http://orders.regional/upload', {
      dispatcher: d,
      method: 'PUT',
      body: body as never, // undici's types leave out web streams; it reads them as iterables
      signal: caller.signal,
    }).catch((e: unknown) => e);
    await firstPull;
    const secondPull = nextPull();
    feed(); // the first chunk: buffered, and the next one asked for
    await secondPull;
    const reason = new Error('caller gave up');
    caller.abort(reason);
    expect(await call).toBe(reason);
    expect(await cancelled.promise).toBe(reason); // the source is told why, and not read on
    expect(pulls).toBe(2);
    expect(east.received).toHaveLength(0);
  });

  it('buffers a stream body so another region gets the same bytes', async () => {
    const [east, west] = await regions();
    east.handler = reply(503);
    const d = dispatcher([east, west] as RegionServer[]);
    const res = await request('http://orders.regional/upload', {
      dispatcher: d,
      method: 'PUT',
      body: Readable.from(['ab', Buffer.from('cd'), new Uint8Array([101])]),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect([east.received[0]?.body, west.received[0]?.body]).toEqual(['abcde', 'abcde']);
  });

  it('past maxReplayBodyBytes sends the stream once and says why it did not retry', async () => {
    const [east, west] = await regions();
    east.handler = (req) => req.socket.destroy();
    const d = dispatcher([east, west] as RegionServer[], { maxReplayBodyBytes: 3 });
    const error = await putTooLongToResend(d).catch((e: unknown) => e);
    expect(isRegionkitError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ERR_REGIONKIT_BODY_NOT_REPLAYABLE');
    expect((error as Error).message).toMatch(/longer than maxReplayBodyBytes \(3 bytes\)/);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(east.received.map((r) => r.body)).toEqual(['abcdef']);
    expect(west.received).toHaveLength(0);
  });

  it('a Retry-After on a request that cannot be resent still keeps the next calls away', async () => {
    const [east, west] = await regions();
    east.handler = reply(429, 'slow down', { 'retry-after': '30' });
    const d = dispatcher([east, west] as RegionServer[], { maxReplayBodyBytes: 3 });
    const res = await putTooLongToResend(d); // the 429 is returned
    expect(res.statusCode).toBe(429);
    await res.body.dump();
    const cooling = d.client.status().regions.find((r) => r.region === 'us-east')?.coolingUntil;
    expect(cooling).toBeGreaterThan(Date.now() + 25_000);
    const next = await request('http://orders.regional/next', { dispatcher: d });
    expect(await next.body.text()).toBe('us-west');
    expect(east.received).toHaveLength(1);
  });

  it('a response returned because its request could not be resent keeps its own errors', async () => {
    const [east, west] = await regions();
    // A 503 (retriable) whose body then breaks off.
    east.handler = (_req, res) => {
      res.writeHead(503, { 'content-length': '1000' });
      res.write('partial', () => res.socket?.destroy());
    };
    const d = dispatcher([east, west] as RegionServer[], { maxReplayBodyBytes: 3 });
    const res = await putTooLongToResend(d); // the 503 is returned
    expect(res.statusCode).toBe(503);
    const error = await res.body.text().catch((e: unknown) => e);
    // The body's own failure, not BodyNotReplayableError: that is for a call that failed.
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(west.received).toHaveLength(0);
  });

  it('fetch bodies (a stream inside undici) are replayed too', async () => {
    const [east, west] = await regions();
    east.handler = reply(502);
    const orders = regionalFetch([east, west] as RegionServer[]);
    const res = await orders('/o', { method: 'PUT', body: JSON.stringify({ n: 1 }) });
    expect(res.status).toBe(200);
    expect(west.received[0]?.body).toBe('{"n":1}');
  });

  it('through fetch, a body given in memory is replayed whatever its size; a stream is not', async () => {
    const [east, west] = await regions();
    east.handler = (req) => req.socket.destroy();
    // undici's fetch streams every body; the limit must still apply to real streams only.
    const orders = regionalFetch([east, west] as RegionServer[], { maxReplayBodyBytes: 3 });
    for (const body of [
      'a string body',
      Buffer.from('a buffer body'),
      new URLSearchParams('q=1'),
    ]) {
      const res = await orders('/o', { method: 'PUT', body });
      expect(await res.text()).toBe('us-west');
    }
    expect(west.received.map((r) => r.body)).toEqual(['a string body', 'a buffer body', 'q=1']);
    const streamed = new Blob(['a streamed body']).stream();
    const error = await orders('/o', {
      method: 'PUT',
      body: streamed,
      duplex: 'half',
    } as never).catch((e: unknown) => e);
    expect((error as Error).cause).toMatchObject({ code: 'ERR_REGIONKIT_BODY_NOT_REPLAYABLE' });
    expect(west.received).toHaveLength(3);
  });
});

describe('classification', () => {
  it('429 with Retry-After cools the region down and the call moves on at once', async () => {
    const [east, west] = await regions();
    east.handler = reply(429, 'slow down', { 'retry-after': '2' });
    const orders = regionalFetch([east, west] as RegionServer[]);
    for (let i = 0; i < 3; i++) expect(await (await orders('/o')).text()).toBe('us-west');
    expect(east.received).toHaveLength(1); // cooling: not asked again for 2 s
    const eastStatus = orders.client.status().regions.find((r) => r.region === 'us-east');
    expect(eastStatus?.coolingUntil).toBeGreaterThan(Date.now() + 1_000);
    expect(eastStatus?.errorRate).toBe(0); // 429 is pushback, not a fault
  });

  it('a 503 whose Retry-After is past the deadline is returned as is, without waiting', async () => {
    const [east] = await regions(['us-east']);
    east.handler = reply(503, 'later', { 'retry-after': '30' });
    const orders = regionalFetch([east] as RegionServer[], { deadlineMs: 1_000 });
    const started = Date.now();
    const res = await orders('/o');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.text()).toBe('later');
    expect(Date.now() - started).toBeLessThan(500);
    expect(east.received).toHaveLength(1);
  });

  it('other 4xx are returned as is and leave the region healthy', async () => {
    const [east, west] = await regions();
    east.handler = reply(404, 'no such order');
    const orders = regionalFetch([east, west] as RegionServer[], {
      health: { minRequests: 5 },
    });
    for (let i = 0; i < 10; i++) {
      const res = await orders(`/orders/${i}`);
      expect(res.status).toBe(404);
      await res.text();
    }
    expect(west.received).toHaveLength(0);
    const eastStatus = orders.client.status().regions.find((r) => r.region === 'us-east');
    expect(eastStatus).toMatchObject({
      errorRate: 0,
      weight: expect.any(Number),
      breaker: 'closed',
    });
    expect(eastStatus?.weight).toBeGreaterThan(0);
  });

  it('a 500 is returned as is (not retried) but counts against the region', async () => {
    const [east, west] = await regions();
    east.handler = reply(500, 'bug');
    const orders = regionalFetch([east, west] as RegionServer[], { health: { minRequests: 1 } });
    const res = await orders('/o');
    expect(res.status).toBe(500);
    expect(west.received).toHaveLength(0);
    expect(orders.client.status().regions[0]?.errorRate).toBe(1);
  });
});

describe('connections', () => {
  it("drains a retried 5xx response's body, keeping its connection for reuse", async () => {
    const [east] = await regions(['us-east']);
    let n = 0;
    east.handler = (_req, res) =>
      (n++ === 0 ? reply(503, 'x'.repeat(2_000)) : reply(200, 'ok'))(_req, res);
    const orders = regionalFetch([east] as RegionServer[]);
    expect(await (await orders('/o')).text()).toBe('ok');
    expect((await orders('/o')).status).toBe(200);
    const [first, , third] = east.received;
    expect(first?.socket.destroyed).toBe(false);
    // Two connections at most: the drained one went back to the pool.
    expect(east.sockets.size).toBeLessThanOrEqual(2);
    expect(new Set(east.received.map((r) => r.socketId)).size).toBeLessThanOrEqual(2);
    expect(third).toBeDefined();
  });

  it('closes the connection of a retried response whose body is too long to drain', async () => {
    const [east] = await regions(['us-east']);
    let n = 0;
    east.handler = (_req, res) =>
      (n++ === 0 ? reply(503, 'x'.repeat(1_000_000)) : reply(200, 'ok'))(_req, res);
    const orders = regionalFetch([east] as RegionServer[]);
    expect(await (await orders('/o')).text()).toBe('ok');
    const first = east.received[0]?.socket;
    if (first && !first.destroyed) await once(first, 'close');
    expect(east.received[1]?.socketId).not.toBe(east.received[0]?.socketId);
  });

  it('a retried response whose body stalls frees its connection instead of holding it', async () => {
    const [east, west] = await regions();
    let stalled: import('node:net').Socket | undefined;
    east.handler = (req, res) => {
      stalled = req.socket;
      req.socket.on('error', () => {}); // the client closes this connection on purpose
      res.writeHead(503); // chunked: nothing says how long the rest will take
      res.write('a little, then nothing');
    };
    const orders = regionalFetch([east, west] as RegionServer[]);
    expect(await (await orders('/o')).text()).toBe('us-west');
    // Closed after the drain timeout (1 s), not undici's bodyTimeout (5 min, reset per chunk).
    if (stalled && !stalled.destroyed) await once(stalled, 'close');
    expect(stalled?.destroyed).toBe(true);
  });

  it("a retried response's body that arrives after the retry still closes past the drain limit", async () => {
    const [east, west] = await regions();
    // Far more than socket buffers hold: the server can finish sending only if it is drained.
    const bodyBytes = 16 * 1024 * 1024;
    let ending: Promise<string> | undefined;
    east.handler = (req, res) => {
      req.socket.on('error', () => {}); // the client resets this connection on purpose
      ending = new Promise((resolve) => {
        res.on('finish', () => resolve('sent to the end'));
        req.socket.on('close', () => resolve('closed mid-body'));
      });
      res.writeHead(503, { 'content-length': String(bodyBytes) });
      res.write('a');
      // The rest only once the retry reached us-west: the first attempt was discarded by then.
      west.handler = (_req, westRes) => {
        res.end(Buffer.alloc(bodyBytes - 1, 'a'));
        westRes.end('us-west');
      };
    };
    const orders = regionalFetch([east, west] as RegionServer[]);
    expect(await (await orders('/o')).text()).toBe('us-west');
    expect(await ending).toBe('closed mid-body');
  });

  it('an attempt that timed out while queued for a connection is never sent', async () => {
    const [east, west] = await regions();
    let release: () => void = () => {};
    east.handler = (req, res) => {
      if (req.url === '/hold') release = () => res.end('held');
      else res.end('us-east');
    };
    const base = new Agent({ connections: 1 });
    cleanups.push(() => base.close());
    // The only connection to us-east is busy, so the call's first attempt waits in the queue.
    const held = base.request({ origin: east.origin, path: '/hold', method: 'GET' });
    await once(east.server, 'request');
    const d = dispatcher([east, west] as RegionServer[], {
      dispatcher: base,
      // Long enough for the retry's new connection to us-west on a loaded machine.
      retry: { attemptTimeoutMs: 300, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const res = await request('http://orders.regional/x', { dispatcher: d });
    expect(await res.body.text()).toBe('us-west');
    release();
    await (await held).body.text();
    // Queued behind the timed-out attempt: by the time this arrives, that one was sent or dropped.
    await (await base.request({ origin: east.origin, path: '/after', method: 'GET' })).body.text();
    expect(east.received.map((r) => r.url)).toEqual(['/hold', '/after']);
  });

  it('aborts a timed-out attempt (its socket closes) and fails over', async () => {
    const [east, west] = await regions();
    const hung = new Promise<import('node:net').Socket>((resolve) => {
      east.handler = (req) => resolve(req.socket); // never answers
    });
    const orders = regionalFetch([east, west] as RegionServer[], {
      retry: { attemptTimeoutMs: 100, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const res = await orders('/slow');
    expect(await res.text()).toBe('us-west');
    const socket = await hung;
    if (!socket.destroyed) await once(socket, 'close');
    expect(socket.destroyed).toBe(true);
  });

  it('the caller aborting stops the call and closes the attempt', async () => {
    const [east, west] = await regions();
    const arrived = new Promise<import('node:net').Socket>((resolve) => {
      east.handler = (req) => resolve(req.socket);
    });
    const orders = regionalFetch([east, west] as RegionServer[]);
    const controller = new AbortController();
    const pending = orders('/slow', { signal: controller.signal });
    const socket = await arrived;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    if (!socket.destroyed) await once(socket, 'close');
    expect(west.received).toHaveLength(0);
  });

  it('the caller aborting while the call waits to retry (Retry-After) fails at once', async () => {
    const [east] = await regions(['us-east']);
    east.handler = reply(503, 'busy', { 'retry-after': '60' });
    const d = dispatcher([east] as RegionServer[], { deadlineMs: 120_000 });
    const retried = new Promise<void>((resolve) => d.client.on('retry', () => resolve()));
    const controller = new AbortController();
    const pending = request('http://orders.regional/orders/1', {
      dispatcher: d,
      signal: controller.signal,
    });
    await retried; // the 503 came back; the call now waits up to 60 s to try again
    controller.abort(new Error('caller left'));
    await expect(pending).rejects.toThrow('caller left'); // not after the wait
    expect(east.received).toHaveLength(1);
  });

  it('the caller aborting while a stream body is still being read fails at once', async () => {
    const [east] = await regions(['us-east']);
    const d = dispatcher([east] as RegionServer[]);
    const body = new Readable({ read() {} }); // sends one chunk, then stalls
    body.push('partial');
    const controller = new AbortController();
    const pending = request('http://orders.regional/orders', {
      dispatcher: d,
      method: 'PUT',
      body,
      signal: controller.signal,
    });
    controller.abort(new Error('caller left'));
    await expect(pending).rejects.toThrow('caller left');
    expect(body.destroyed).toBe(true);
    expect(east.received).toHaveLength(0);
  });

  it('streams a large response body with backpressure', async () => {
    const [east] = await regions(['us-east']);
    const big = Buffer.alloc(3_000_000, 'r');
    east.handler = (_req, res) => res.end(big);
    const d = dispatcher([east] as RegionServer[]);
    const res = await request('http://orders.regional/big', { dispatcher: d, highWaterMark: 1024 });
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      await new Promise((r) => setImmediate(r)); // a slow reader
    }
    expect(size).toBe(big.length);
  });
});

describe('headers on every attempt', () => {
  it('carries the context: correlation ID, priority and remaining deadline', async () => {
    const [east, west] = await regions();
    east.handler = reply(503);
    const orders = regionalFetch([east, west] as RegionServer[]);
    await runInContext(
      { correlationId: 'ctx-123', priority: 'sheddable', deadline: Date.now() + 800 },
      async () => (await orders('/o')).text(),
    );
    for (const r of [east.received[0], west.received[0]]) {
      expect(r?.headers['x-request-id']).toBe('ctx-123');
      expect(r?.headers['x-regionkit-priority']).toBe('sheddable');
      const deadline = Number(r?.headers['x-regionkit-deadline-ms']);
      expect(deadline).toBeGreaterThan(0);
      expect(deadline).toBeLessThanOrEqual(800);
    }
  });

  it("drops a caller's own regionkit headers and validates its correlation ID", async () => {
    const [east] = await regions(['us-east']);
    const orders = regionalFetch([east] as RegionServer[], {
      correlationHeader: 'X-Correlation-ID',
    });
    await orders('/a', {
      headers: {
        'x-correlation-id': 'caller-1',
        'x-regionkit-attempt': '99',
        'x-regionkit-deadline-ms': '999999',
        'x-regionkit-priority': 'critical',
      },
    });
    await orders('/b', { headers: { 'x-correlation-id': 'has space' } });
    await orders('/c', { headers: { 'x-correlation-id': 'x'.repeat(10_240) } });
    const [a, b, c] = east.received;
    expect(rawHeaderValues(a as never, 'x-correlation-id')).toEqual(['caller-1']);
    expect(rawHeaderValues(a as never, 'x-regionkit-attempt')).toEqual(['1']);
    expect(rawHeaderValues(a as never, 'x-regionkit-priority')).toEqual([]);
    expect(Number(a?.headers['x-regionkit-deadline-ms'])).toBeLessThanOrEqual(3_000);
    expect(b?.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(c?.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a CRLF correlation ID in the context never reaches the wire', async () => {
    const [east] = await regions(['us-east']);
    const orders = regionalFetch([east] as RegionServer[]);
    await runInContext({ correlationId: 'abc\r\nx-evil: 1' }, () => orders('/a'));
    const r = east.received[0];
    expect(r?.headers['x-evil']).toBeUndefined();
    expect(r?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('per-request options: deadline and priority; bad ones are refused with the field named', async () => {
    const [east] = await regions(['us-east']);
    const d = dispatcher([east] as RegionServer[]);
    const res = await request('http://orders.regional/a', {
      dispatcher: d,
      regionkit: { deadlineMs: 200, priority: 'critical' },
    } as never);
    await res.body.dump();
    expect(Number(east.received[0]?.headers['x-regionkit-deadline-ms'])).toBeLessThanOrEqual(200);
    expect(east.received[0]?.headers['x-regionkit-priority']).toBe('critical');
    await expect(
      request('http://orders.regional/a', {
        dispatcher: d,
        regionkit: { deadlineMs: -1 },
      } as never),
    ).rejects.toThrow(/regionkit\.deadlineMs is -1/);
    // Never on the wire as "1e+22": refused, naming the limit.
    await expect(
      request('http://orders.regional/a', {
        dispatcher: d,
        regionkit: { deadlineMs: 1e22 },
      } as never),
    ).rejects.toThrow(
      /regionkit\.deadlineMs is 1e\+22; use a number of ms above 0 and up to 2147483647/,
    );
    expect(east.received).toHaveLength(1);
    const orders = regionalFetch([east] as RegionServer[]);
    await (await orders('/b', { regionkit: { deadlineMs: 150 } })).text();
    expect(Number(east.received[1]?.headers['x-regionkit-deadline-ms'])).toBeLessThanOrEqual(150);
  });
  it('through fetch, per-request options mean what they mean for request()', async () => {
    const [east, west] = await regions();
    const orders = regionalFetch([east, west] as RegionServer[], { deadlineMs: 300 });
    // A longer deadline than the client's: it replaces it, as for request().
    await (await orders('/long', { regionkit: { deadlineMs: 6_000 } })).text();
    expect(Number(east.received[0]?.headers['x-regionkit-deadline-ms'])).toBeGreaterThan(1_000);
    // Inside a context, its deadline still caps the call.
    await runInContext({ deadline: Date.now() + 250 }, async () =>
      (await orders('/capped', { regionkit: { deadlineMs: 6_000 } })).text(),
    );
    expect(Number(east.received[1]?.headers['x-regionkit-deadline-ms'])).toBeLessThanOrEqual(250);
    const res = await orders('/elsewhere', { regionkit: { excludedRegions: ['us-east'] } });
    expect(await res.text()).toBe('us-west');
    east.handler = reply(503);
    const post = await orders('/charge', { method: 'POST', regionkit: { idempotent: true } });
    expect(await post.text()).toBe('us-west'); // resent because the caller said it is safe
    expect(east.received).toHaveLength(3);
  });

  it('the remaining-deadline header is whole milliseconds, whatever the deadlines', async () => {
    const [east] = await regions(['us-east']);
    // A fixed attempt timeout passes the call's fractional deadline on as is.
    const orders = regionalFetch([east] as RegionServer[], {
      deadlineMs: 250.5,
      retry: { baseDelayMs: 1, maxDelayMs: 5, attemptTimeoutMs: 5_000 },
    });
    await (await orders('/a')).text();
    await (await orders('/b', { regionkit: { deadlineMs: 900.25 } })).text();
    const sent = east.received.map((r) => r.headers['x-regionkit-deadline-ms']);
    expect(sent).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);
    expect(Number(sent[1])).toBeGreaterThan(250); // the per-request deadline, not the client's
  });

  it("per-request options keep the caller's own correlation ID (init headers or a Request)", async () => {
    const [east] = await regions(['us-east']);
    const orders = regionalFetch([east] as RegionServer[]);
    const regionkit = { deadlineMs: 1_000 };
    await (await orders('/a', { headers: { 'x-request-id': 'caller-a' }, regionkit })).text();
    const req = new Request('http://orders.regional/b', {
      headers: { 'x-request-id': 'caller-b' },
    });
    await (await orders(req, { regionkit })).text();
    await (await orders('/c', { headers: { 'x-request-id': 'bad id' }, regionkit })).text();
    const ids = east.received.map((r) => rawHeaderValues(r, 'x-request-id'));
    expect(ids.slice(0, 2)).toEqual([['caller-a'], ['caller-b']]);
    expect(ids[2]?.[0]).toMatch(/^[0-9a-f-]{36}$/); // invalid: replaced, never echoed
  });
});

describe('undici integration', () => {
  it.each([
    ['its own Agent', false],
    ["the caller's Agent", true],
  ])(
    'close is graceful with %s: calls in progress fail over to the end, new ones are refused',
    async (_case, callersAgent) => {
      const [east, west] = await regions();
      let answerEast: () => void = () => {};
      const eastHolding = new Promise<void>((resolve) => {
        east.handler = (_req, res) => {
          answerEast = () => res.writeHead(503).end('closing down');
          resolve();
        };
      });
      const base = callersAgent ? new Agent() : undefined;
      if (base) cleanups.push(() => base.close());
      const d = regionalDispatcher(options([east, west] as RegionServer[], { dispatcher: base }));
      const inFlight = request('http://orders.regional/o', { dispatcher: d }).then((res) =>
        res.body.text(),
      );
      await eastHolding;
      let closed = false;
      const closing = d.close().then(() => {
        closed = true;
      });
      await expect(
        request('http://orders.regional/late', { dispatcher: d }),
      ).rejects.toBeInstanceOf(errors.ClientClosedError);
      expect(closed).toBe(false); // a call is still in progress
      answerEast(); // and it is retried in us-west, though close was called
      expect(await inFlight).toBe('us-west');
      await closing;
    },
  );

  it('refuses a single-origin Pool or Client as its base, naming the field and the fix', async () => {
    const pool = new Pool('http://127.0.0.1:9');
    const client = new Client('http://127.0.0.1:9');
    cleanups.push(
      () => pool.close(),
      () => client.close(),
    );
    for (const dispatcher of [pool, client, pool.compose(interceptors.dns())]) {
      expect(() =>
        regionalDispatcher({
          service: 'orders',
          localRegion: 'a',
          regions: [{ name: 'a', origin: 'http://127.0.0.1:9' }],
          dispatcher,
        }),
      ).toThrow(/`dispatcher` is a single-origin undici dispatcher .* Use an Agent/);
    }
    const interceptor = regionalInterceptor({
      service: 'orders',
      localRegion: 'a',
      regions: [{ name: 'a', origin: 'http://127.0.0.1:9' }],
    });
    cleanups.push(() => interceptor.close());
    expect(() => pool.compose(interceptor)).toThrow(/single-origin undici dispatcher/);
  });

  it("undici's retry composed outside regionkit gets each call's outcome, and its own error", async () => {
    const [east, west] = await regions();
    east.handler = reply(503);
    west.handler = reply(503);
    const retrying = new RetryAgent(dispatcher([east, west] as RegionServer[]), {
      maxRetries: 1,
      minTimeout: 1,
      maxTimeout: 5,
      statusCodes: [503],
    });
    // undici's retry handler throws from onResponseEnd on purpose and expects the error back in
    // onResponseError; rethrown elsewhere, the request never settled.
    const error = await request('http://orders.regional/x', { dispatcher: retrying }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'UND_ERR_REQ_RETRY', statusCode: 503 });
    const calls = new Set(
      [...east.received, ...west.received].map((r) => r.headers['x-request-id']),
    );
    expect(calls.size).toBe(2); // the first call, and undici's one retry of it
  });

  it('pins interceptor order: composed last = outermost; earlier interceptors run per attempt', async () => {
    const [east, west] = await regions();
    east.handler = reply(503);
    const seen: Record<'inner' | 'outer', string[]> = { inner: [], outer: [] };
    const recorder =
      (name: 'inner' | 'outer'): Dispatcher.DispatcherComposeInterceptor =>
      (dispatch) =>
        function record(opts, handler) {
          const attempt = rawAttempt(opts.headers);
          seen[name].push(`${String(opts.origin)}#${attempt ?? '-'}`);
          return dispatch(opts, handler);
        };
    const regional = regionalInterceptor(options([east, west] as RegionServer[]));
    const agent = new Agent().compose(recorder('inner'), regional, recorder('outer'));
    cleanups.push(
      () => agent.close(),
      () => regional.close(),
    );
    const res = await request('http://orders.regional/x', { dispatcher: agent });
    await res.body.dump();
    // undici composes right to left: the last interceptor sees the caller's request once...
    expect(seen.outer).toEqual(['http://orders.regional#-']);
    // ...and the ones before regionkit see every attempt, already re-targeted.
    expect(seen.inner).toEqual([`${east?.origin}#1`, `${west?.origin}#2`]);
  });

  it('passes requests to other origins through untouched', async () => {
    const [east] = await regions(['us-east']);
    const other = await startRegion('elsewhere');
    cleanups.push(() => other.kill());
    const d = dispatcher([east] as RegionServer[]);
    const res = await request(`${other.origin}/x`, { dispatcher: d, headers: { 'x-a': '1' } });
    expect(await res.body.text()).toBe('elsewhere');
    expect(other.received[0]?.headers['x-regionkit-attempt']).toBeUndefined();
    expect(other.received[0]?.headers['x-request-id']).toBeUndefined();
  });

  it("accepts the global Request (Node's own undici), body and headers included", async () => {
    const [east] = await regions(['us-east']);
    const orders = regionalFetch([east] as RegionServer[]);
    const global = new globalThis.Request('http://orders.regional/orders?x=1', {
      method: 'PUT',
      body: 'o9',
      headers: { 'x-request-id': 'global-1', 'x-tenant': 'acme' },
    });
    expect(global).not.toBeInstanceOf(Request); // a different class from undici's
    expect((await orders(global)).status).toBe(200);
    const [received] = east.received;
    expect(received).toMatchObject({ method: 'PUT', url: '/orders?x=1', body: 'o9' });
    expect(received?.headers).toMatchObject({ 'x-request-id': 'global-1', 'x-tenant': 'acme' });
  });

  it('the fetch function refuses URLs outside the service', async () => {
    const [east] = await regions(['us-east']);
    const orders = regionalFetch([east] as RegionServer[]);
    await expect(orders('//evil.example/x')).rejects.toThrow(
      /evil\.example is not an origin of orders/,
    );
    await expect(orders('http://127.0.0.1:1/x')).rejects.toThrow(/not an origin of orders/);
    expect(east.received).toHaveLength(0);
  });

  it('destroy after close does not wait for the requests close is waiting for', async () => {
    const [east] = await regions(['us-east']);
    east.handler = () => {}; // never answers, and the deadline is far
    const d = regionalDispatcher(options([east] as RegionServer[], { deadlineMs: 60_000 }));
    const hung = request('http://orders.regional/hang', { dispatcher: d }).catch((e) => e);
    await once(east.server, 'request');
    void d.close(); // graceful: waits for the hung request
    await d.destroy(); // resolves at once (it used to return close's promise)
    await east.kill(); // undici leaves a request in flight at close alone; end it here
    expect(await hung).toBeInstanceOf(Error);
  });

  it("destroy stops the calls in flight on a dispatcher of the caller's, and leaves it usable", async () => {
    const [east] = await regions(['us-east']);
    east.handler = () => {}; // never answers, and the deadline is far
    const base = new Agent();
    cleanups.push(() => base.close());
    const d = regionalDispatcher(
      options([east] as RegionServer[], { deadlineMs: 60_000, dispatcher: base }),
    );
    const hung = request('http://orders.regional/hang', { dispatcher: d }).catch((e) => e);
    await once(east.server, 'request');
    await d.destroy();
    expect(await hung).toBeInstanceOf(errors.ClientDestroyedError);
    east.handler = reply(200, 'still here');
    const res = await request(`${east.origin}/x`, { dispatcher: base });
    expect(await res.body.text()).toBe('still here');
  });

  it("never touches undici's global dispatcher", async () => {
    const before = getGlobalDispatcher();
    const [east] = await regions(['us-east']);
    const orders = regionalFetch([east] as RegionServer[]);
    await (await orders('/x')).text();
    await orders.close();
    expect(getGlobalDispatcher()).toBe(before);
  });

  it('rejects upgrade requests with a clear error', async () => {
    const [east] = await regions(['us-east']);
    const d = dispatcher([east] as RegionServer[]);
    await expect(
      d.upgrade({ path: '/ws', origin: 'http://orders.regional' } as never),
    ).rejects.toMatchObject({ code: 'ERR_REGIONKIT_UNSUPPORTED_REQUEST' });
  });
});

function rawAttempt(headers: unknown): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  const i = headers.indexOf('x-regionkit-attempt');
  return i >= 0 ? String(headers[i + 1]) : undefined;
}

/** A caller handler's data, end and error events, recorded in `events`; `done` on either end. */
function recordEnding(
  events: string[],
  done: () => void,
): Pick<Dispatcher.DispatchHandler, 'onResponseData' | 'onResponseEnd' | 'onResponseError'> {
  return {
    onResponseData: (_controller, chunk) => void events.push(`data:${chunk}`),
    onResponseEnd: () => {
      events.push('end');
      done();
    },
    onResponseError: (_controller, error) => {
      events.push(`error:${error.message}`);
      done();
    },
  };
}

describe('caller handlers', () => {
  it('a pause made while a held body is replayed holds what arrives next', async () => {
    const [east, west] = await regions();
    east.handler = reply(503);
    let sendRest: () => void = () => {};
    const restSent = new Promise<void>((resolve) => {
      west.handler = (_req, res) => {
        // Head and first chunk together: they arrive before the retry is decided, are held,
        // and are replayed to the caller once it is.
        res.writeHead(200, { 'content-length': '20000' });
        res.write(Buffer.alloc(10_000, 'a'));
        sendRest = () => res.end(Buffer.alloc(10_000, 'b'), resolve);
      };
    });
    const d = dispatcher([east, west] as RegionServer[]);
    let paused: Dispatcher.DispatchController | undefined;
    let whilePaused = 0;
    let received = 0;
    const events: string[] = [];
    const ended = new Promise<void>((resolve) => {
      d.dispatch(
        { origin: 'http://orders.regional', path: '/o', method: 'GET' },
        {
          ...recordEnding(events, resolve),
          onResponseData(controller, chunk) {
            if (paused) whilePaused += chunk.length;
            received += chunk.length;
            if (received === chunk.length) {
              controller.pause();
              paused = controller;
              sendRest();
            }
          },
        },
      );
    });
    await restSent;
    // Nothing can announce that no chunk will come; give one a fair chance to, then check.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(whilePaused).toBe(0);
    const controller = paused as Dispatcher.DispatchController;
    paused = undefined;
    controller.resume();
    await ended;
    expect(events).toEqual(['end']);
    expect(received).toBe(20_000);
  });

  it('an abort with no reason while the request is queued: one error, and the POST is never sent', async () => {
    const [east] = await regions(['us-east']);
    let releaseHold: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      east.handler = (req, res) => {
        if (req.url !== '/hold') return void res.end('ok');
        releaseHold = () => res.end('held');
        resolve();
      };
    });
    const base = new Agent({ connections: 1 }); // /hold keeps the only connection busy
    cleanups.push(() => base.close());
    const d = dispatcher([east] as RegionServer[], { dispatcher: base });
    const held = request('http://orders.regional/hold', { dispatcher: d });
    await holding;
    const events: string[] = [];
    const ended = new Promise<void>((resolve) => {
      d.dispatch(
        { origin: 'http://orders.regional', path: '/charge', method: 'POST', body: 'x' },
        {
          // As undici's wrapper of a legacy handler does: abort() with no reason.
          onRequestStart: (controller) => controller.abort(undefined as unknown as Error),
          ...recordEnding(events, resolve),
        },
      );
    });
    await ended;
    expect(events).toEqual(['error:Request aborted']);
    releaseHold();
    await (await held).body.text();
    // The connection serves requests in order: once this one is answered, a /charge still
    // queued before it would have been sent.
    await (await request('http://orders.regional/after', { dispatcher: d })).body.text();
    expect(east.received.map((r) => r.url)).toEqual(['/hold', '/after']);
  });

  it('a handler that aborts in onResponseStart gets exactly one error, and the call ends', async () => {
    const [east] = await regions(['us-east']);
    const d = dispatcher([east] as RegionServer[]);
    const events: string[] = [];
    const reason = new Error('not interested');
    await new Promise<void>((resolve) => {
      d.dispatch(
        { origin: 'http://orders.regional', path: '/x', method: 'GET' },
        {
          onResponseStart(controller) {
            events.push('start');
            controller.abort(reason);
          },
          ...recordEnding(events, resolve),
        },
      );
    });
    expect(events).toEqual(['start', 'error:not interested']);
  });

  it('a handler that aborts mid-body gets one error, no more data, and the socket closes', async () => {
    const [east] = await regions(['us-east']);
    const closed = new Promise<void>((resolve) => {
      east.handler = (req, res) => {
        req.socket.once('close', () => resolve());
        res.write(Buffer.alloc(64 * 1024, 'a')); // the rest never comes: only an abort ends it
      };
    });
    const d = dispatcher([east] as RegionServer[]);
    const events: string[] = [];
    const reason = new Error('enough');
    await new Promise<void>((resolve) => {
      d.dispatch(
        { origin: 'http://orders.regional', path: '/x', method: 'GET' },
        {
          onResponseData(controller) {
            if (!events.includes('data')) events.push('data');
            controller.abort(reason);
          },
          onResponseEnd: () => events.push('end'),
          onResponseError(_controller, error) {
            events.push(`error:${error.message}`);
            resolve();
          },
        },
      );
    });
    await closed;
    expect(events).toEqual(['data', 'error:enough']);
  });

  it('a pause made before the response started holds the response until resume', async () => {
    const [east] = await regions(['us-east']);
    east.handler = reply(200, 'hello');
    const d = dispatcher([east] as RegionServer[]);
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      d.dispatch(
        { origin: 'http://orders.regional', path: '/x', method: 'GET' },
        {
          onRequestStart(c) {
            c.pause();
          },
          onResponseStart(c) {
            events.push('start');
            setTimeout(() => {
              events.push('resume');
              c.resume();
            }, 20);
          },
          ...recordEnding(events, resolve),
        },
      );
    });
    expect(events).toEqual(['start', 'resume', 'data:hello', 'end']);
  });

  it('a handler that pauses gets the buffered body only after resume', async () => {
    const [east] = await regions(['us-east']);
    east.handler = reply(200, 'hello');
    const d = dispatcher([east] as RegionServer[]);
    let controller: Dispatcher.DispatchController | undefined;
    const events: string[] = [];
    const ended = new Promise<void>((resolve) => {
      d.dispatch(
        { origin: 'http://orders.regional', path: '/x', method: 'GET' },
        {
          onResponseStart(c) {
            controller = c;
            c.pause();
            events.push('start');
            setImmediate(() => {
              events.push('resume');
              c.resume();
            });
          },
          ...recordEnding(events, resolve),
        },
      );
    });
    await ended;
    expect(controller?.paused).toBe(false);
    expect(events).toEqual(['start', 'resume', 'data:hello', 'end']);
  });
});
