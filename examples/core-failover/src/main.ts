/**
 * The smallest useful picture of @regionkit/core: three HTTP servers on 127.0.0.1 play three
 * regions of an `orders` service. Calls run for 6 s; at 2 s the local region dies, at 4 s it
 * comes back. Each line shows, per 500 ms, who served the calls and whether any failed.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Attempt, createRegionalClient } from '@regionkit/core';
import { Agent, request } from 'undici';

const REGIONS = [
  { name: 'us-east', rttMs: 1 },
  { name: 'us-west', rttMs: 60 },
  { name: 'eu-west', rttMs: 80 },
];

async function listen(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function regionServer(name: string): Server {
  return createServer((_req, res) => res.end(name));
}

const servers = new Map(REGIONS.map((r) => [r.name, regionServer(r.name)]));
const ports = new Map<string, number>();
for (const [name, server] of servers) ports.set(name, await listen(server));

const agent = new Agent();
const orders = createRegionalClient({
  service: 'orders',
  localRegion: 'us-east',
  regions: REGIONS,
  deadlineMs: 1_000,
  breaker: { resetTimeoutMs: 500 },
  health: { probeIntervalMs: 100 },
});
orders.on('breaker', (e) => console.log(`  breaker ${e.region} → ${e.state}`));
orders.on('health', (e) => console.log(`  weight ${e.region} ${e.previousWeight} → ${e.weight}`));

const getOrder = (attempt: Attempt) =>
  request(`http://127.0.0.1:${ports.get(attempt.region)}/orders/42`, {
    dispatcher: agent,
    signal: attempt.signal,
  }).then((response) => response.body.text());

const started = Date.now();
const at = (ms: number) =>
  // Never negative: a window may already have run past `ms` (Node warns on negative timeouts).
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - (Date.now() - started))));

async function window(label: string, untilMs: number): Promise<void> {
  const served: Record<string, number> = {};
  let failed = 0;
  while (Date.now() - started < untilMs) {
    try {
      const region = await orders.execute(getOrder, { idempotent: true });
      served[region] = (served[region] ?? 0) + 1;
    } catch {
      failed++;
    }
    await new Promise((resolve) => setTimeout(resolve, 2)); // ~400 calls/s, bounded by time
  }
  const share = Object.entries(served)
    .map(([region, n]) => `${region} ${n}`)
    .join(', ');
  console.log(
    `${String(untilMs / 1000).padStart(4)} s  ${label.padEnd(16)} served: ${share}  failed: ${failed}`,
  );
}

console.log(
  'regions:',
  REGIONS.map((r) => `${r.name} (${r.rttMs} ms)`).join(', '),
  '— local is us-east\n',
);
for (let t = 500; t <= 6_000; t += 500) {
  if (t === 2_500) {
    const local = servers.get('us-east') as Server;
    local.closeAllConnections();
    local.close();
    console.log('  ✗ us-east killed');
  }
  if (t === 4_500) {
    const revived = regionServer('us-east');
    servers.set('us-east', revived);
    await listen(revived, ports.get('us-east'));
    console.log('  ✓ us-east back');
  }
  await window(t <= 2_000 ? 'healthy' : t <= 4_000 ? 'us-east down' : 'recovered', t);
}
await at(6_000);
console.log(
  '\nfinal health:',
  orders
    .status()
    .regions.map((r) => `${r.region} w=${r.weight} ${r.breaker}`)
    .join(' | '),
);
orders.close();
await agent.close();
for (const server of servers.values()) server.close();
