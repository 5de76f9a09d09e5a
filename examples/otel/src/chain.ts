/**
 * The services: `orders` in three regions (Express + regionkit middleware) and `checkout` in
 * us-east calling orders through @regionkit/fetch. Everything listens on 127.0.0.1, port 0.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { regionkit } from '@regionkit/express';
import { createRegionalFetch } from '@regionkit/fetch';
import express from 'express';
import { printMetrics } from './metrics-summary.js';
import { isRegionkitCall, renderTrace } from './span-tree.js';
import type { Telemetry } from './telemetry.js';

const REGIONS = [
  { name: 'us-east', rttMs: 1 },
  { name: 'us-west', rttMs: 60 },
  { name: 'eu-west', rttMs: 80 },
];
/** Requests after the failed-over one, so the metrics have something to show. */
const MORE_REQUESTS = 30;

interface Running {
  readonly server: Server;
  readonly origin: string;
  close(): Promise<void>;
}

async function serve(app: express.Express): Promise<Running> {
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    // A hard stop, as a crashed region: no new connections, open ones cut.
    async close() {
      if (!server.listening) return;
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}

function ordersApp(region: string): express.Express {
  const app = express();
  // Internal hop behind our own gateway: keep checkout's correlation ID.
  app.use(regionkit({ region, trustInboundCorrelationId: true, shedding: false }));
  app.get('/orders/:id', (req, res) => {
    res.json({ id: req.params.id, status: 'shipped', region });
  });
  return app;
}

export async function runExample(telemetry: Telemetry): Promise<void> {
  const orders = new Map<string, Running>();
  for (const region of REGIONS) orders.set(region.name, await serve(ordersApp(region.name)));
  const labels = new Map([...orders].map(([region, r]) => [r.origin, `orders ${region}`]));

  const ordersFetch = createRegionalFetch({
    service: 'orders',
    localRegion: 'us-east',
    regions: REGIONS.map((r) => ({ ...r, origin: orders.get(r.name)?.origin as string })),
    deadlineMs: 2_000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  const checkoutApp = express();
  checkoutApp.use(regionkit({ region: 'us-east', shedding: false }));
  checkoutApp.get('/checkout/:id', async (req, res) => {
    const response = await ordersFetch(`/orders/${req.params.id}`);
    res.status(response.status).json({ checkout: req.params.id, order: await response.json() });
  });
  const checkout = await serve(checkoutApp);
  labels.set(checkout.origin, 'checkout us-east');

  const get = async (id: number) => {
    const response = await fetch(`${checkout.origin}/checkout/${id}`);
    return (await response.json()) as { order?: { region?: string } };
  };

  try {
    console.log('orders runs in us-east (local to checkout), us-west and eu-west on 127.0.0.1.');
    console.log(`1. healthy: served by ${(await get(1)).order?.region}`);
    await orders.get('us-east')?.close();
    console.log('2. orders us-east killed (connections refused from now on)');
    const served = (await get(2)).order?.region;
    console.log(`3. the next request fails over: served by ${served}\n`);

    const call = telemetry.spans
      .getFinishedSpans()
      .find((s) => isRegionkitCall(s) && s.attributes['regionkit.failed_over'] === true);
    if (call === undefined) throw new Error('no failed-over call was traced');
    const traceId = call.spanContext().traceId;
    const trace = telemetry.spans
      .getFinishedSpans()
      .filter((s) => s.spanContext().traceId === traceId);
    console.log(`Trace ${traceId} — one trace id from the client to the orders server:\n`);
    console.log(renderTrace(trace, (span) => labelOf(span, labels)));

    for (let i = 0; i < MORE_REQUESTS; i++) await get(100 + i);
    console.log(`\n4. ${MORE_REQUESTS} more requests; regionkit's metrics (Prometheus names):\n`);
    printMetrics(await telemetry.collectMetrics());
  } finally {
    await ordersFetch.close();
    await checkout.close();
    for (const running of orders.values()) await running.close();
  }
}

/** Which service and region a span ran in or called, from the origins we started. */
function labelOf(span: { attributes: Record<string, unknown> }, labels: Map<string, string>) {
  const a = span.attributes;
  const url = a['url.full'] ?? a['http.url'];
  if (typeof url === 'string') return `→ ${labels.get(new URL(url).origin) ?? new URL(url).host}`;
  const port = a['server.port'] ?? a['net.host.port'] ?? a['network.local.port'];
  if (port !== undefined) return `in ${labels.get(`http://127.0.0.1:${port}`) ?? port}`;
  return undefined;
}
