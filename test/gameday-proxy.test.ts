/**
 * The game day's simulated network: a real HTTP server behind the latency proxy on 127.0.0.1.
 * Delays, kill (refused connections), blackhole (accepted, counted, never answered) and latency
 * faults, observed through a real undici client.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LatencyProxy } from '../packages/gameday/src/world/latency-proxy.js';

const RTT_MS = 40;
const HEALTHY = { killed: false, blackholed: false, addMs: 0 };

describe('latency proxy', () => {
  let server: Server;
  let served = 0;
  let proxy: LatencyProxy;
  const arrivals: { count: number; delivered: boolean }[] = [];
  let onArrival: (() => void) | undefined;
  let agent: Agent;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      served++;
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new LatencyProxy({
      region: 'us-west',
      targetPort: (server.address() as AddressInfo).port,
      rttMs: RTT_MS,
      protocol: 'http1',
      onArrivals: (count, delivered) => {
        arrivals.push({ count, delivered });
        onArrival?.();
      },
    });
    await proxy.listen();
  });

  afterEach(async () => {
    await agent?.close();
    await proxy.setCondition(HEALTHY);
    arrivals.length = 0;
    served = 0;
  });

  afterAll(async () => {
    await proxy.close();
    server.closeAllConnections();
    server.close();
  });

  const get = (signal?: AbortSignal) =>
    request(`http://127.0.0.1:${proxy.port}/`, { dispatcher: agent, signal }).then(async (res) => {
      await res.body.text();
      return res.statusCode;
    });

  async function timed(): Promise<number> {
    const started = performance.now();
    expect(await get()).toBe(200);
    return performance.now() - started;
  }

  it('a new connection costs two round trips (handshake + request), a warm one one', async () => {
    agent = new Agent({ keepAliveTimeout: 10_000 });
    const cold = await timed();
    // undici may open a second connection for a request sent right after the first completes;
    // the fastest of three is on a warm connection.
    const warm = Math.min(await timed(), await timed(), await timed());
    expect(cold).toBeGreaterThanOrEqual(2 * RTT_MS - 2);
    expect(warm).toBeGreaterThanOrEqual(RTT_MS - 2);
    expect(warm).toBeLessThan(2 * RTT_MS - 2);
    expect(arrivals).toEqual(Array(4).fill({ count: 1, delivered: true }));
  });

  it('a latency fault adds to the round trip of open connections too', async () => {
    agent = new Agent({ keepAliveTimeout: 10_000 });
    await Promise.all([timed(), timed()]); // open two connections
    await proxy.setCondition({ ...HEALTHY, addMs: 100 });
    const slow = Math.min(await timed(), await timed());
    expect(slow).toBeGreaterThanOrEqual(RTT_MS + 100 - 2);
    expect(slow).toBeLessThan(2 * RTT_MS + 100);
  });

  it('kill refuses new connections, resets open ones, counts nothing; the region comes back on the same port', async () => {
    agent = new Agent({ keepAliveTimeout: 10_000 });
    await timed();
    const port = proxy.port;
    await proxy.setCondition({ ...HEALTHY, killed: true });
    // The open keep-alive connection was reset; the retry of undici's pool meets a closed port.
    await expect(get()).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/),
    });
    await expect(get()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(arrivals).toEqual([{ count: 1, delivered: true }]);
    await proxy.setCondition(HEALTHY);
    expect(proxy.port).toBe(port);
    expect(await get()).toBe(200);
    expect(served).toBe(2);
  });

  it('blackhole accepts and counts the request but never answers; lifting it resets the connection', async () => {
    agent = new Agent({ keepAliveTimeout: 10_000 });
    await proxy.setCondition({ ...HEALTHY, blackholed: true });
    const arrived = new Promise<void>((resolve) => {
      onArrival = resolve;
    });
    const controller = new AbortController();
    const pending = get(controller.signal);
    pending.catch(() => {});
    await arrived;
    onArrival = undefined;
    expect(arrivals).toEqual([{ count: 1, delivered: false }]);
    expect(served).toBe(0);
    await proxy.setCondition(HEALTHY);
    // The swallowed request's connection is reset, so the caller learns instead of hanging on.
    await expect(pending).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/),
    });
    expect(await get()).toBe(200);
    expect(served).toBe(1);
  });
});
