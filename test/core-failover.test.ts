/**
 * Three real HTTP servers on 127.0.0.1 stand in for three regions of one service, behind a
 * minimal transport (undici request against the attempt's region). The local region is stopped
 * mid-run and started again.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Attempt, createRegionalClient, defaultClassifier } from '@regionkit/core';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Region {
  name: string;
  port: number;
  server: Server;
  served: number;
}

async function startRegion(name: string, port = 0): Promise<Region> {
  const region: Region = { name, port, server: createServer(), served: 0 };
  region.server.on('request', (_req, res) => {
    region.served++;
    res.end(name);
  });
  region.server.listen(port, '127.0.0.1');
  await once(region.server, 'listening');
  region.port = (region.server.address() as AddressInfo).port;
  return region;
}

async function stopRegion(region: Region): Promise<void> {
  region.server.closeAllConnections();
  region.server.close();
  await once(region.server, 'close');
}

describe('failover across three local regions (real sockets)', () => {
  const regions = new Map<string, Region>();
  const agent = new Agent({ keepAliveTimeout: 1_000 });

  beforeAll(async () => {
    for (const name of ['us-east', 'us-west', 'eu-west'])
      regions.set(name, await startRegion(name));
  });
  afterAll(async () => {
    for (const region of regions.values()) if (region.server.listening) await stopRegion(region);
    await agent.close();
  });

  const transport = async (attempt: Attempt): Promise<string> => {
    const port = regions.get(attempt.region)?.port;
    const response = await request(`http://127.0.0.1:${port}/`, {
      dispatcher: agent,
      signal: attempt.signal,
    });
    return response.body.text();
  };

  it('stays local, moves to the nearest backup when local dies, and comes back', async () => {
    const client = createRegionalClient(
      {
        service: 'orders',
        localRegion: 'us-east',
        regions: [
          { name: 'us-east', rttMs: 1 },
          { name: 'eu-west', rttMs: 80 },
          { name: 'us-west', rttMs: 60 },
        ],
        deadlineMs: 2_000,
        breaker: { resetTimeoutMs: 300 },
        health: { probeIntervalMs: 50 },
      },
      { classify: defaultClassifier },
    );
    const servedBy = async (calls: number) => {
      const counts: Record<string, number> = {};
      for (let i = 0; i < calls; i++) {
        const body = await client.execute(transport, { idempotent: true });
        counts[body] = (counts[body] ?? 0) + 1;
      }
      return counts;
    };

    expect(await servedBy(50)).toEqual({ 'us-east': 50 });

    const local = regions.get('us-east') as Region;
    await stopRegion(local);
    // Every call still succeeds (servedBy throws otherwise), on the nearest backup.
    expect(await servedBy(200)).toEqual({ 'us-west': 200 });

    regions.set('us-east', await startRegion('us-east', local.port));
    // Recovery is seen through probes and the half-open breaker; bounded in calls and time.
    const started = Date.now();
    let lastBatch: Record<string, number> = {};
    while (Date.now() - started < 10_000) {
      lastBatch = await servedBy(20);
      if (lastBatch['us-east'] === 20) break;
      await new Promise((resolve) => setTimeout(resolve, 50)); // let probe intervals pass
    }
    expect(lastBatch).toEqual({ 'us-east': 20 });
    client.close();
  });
});
