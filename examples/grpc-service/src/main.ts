/**
 * Express → gRPC → gRPC across three regions on 127.0.0.1, with one correlation ID on every
 * hop. Runs three acts, killing servers in us-east between them, prints what each hop saw,
 * then stops everything and exits (bounded: it gives up after 20 s).
 *
 *   client ──HTTP──▶ edge (Express, us-east)
 *                     └─gRPC─▶ Catalog   (us-east | us-west | eu-west)
 *                               └─gRPC─▶ Inventory (Catalog's own region first)
 */
import { createRegionalGrpcClient, type GrpcRegionSpec } from '@regionkit/grpc';
import { startEdge } from './edge.js';
import { type Hop, recordNote, takeHops } from './hops.js';
import { shop } from './proto.js';
import { type RegionServer, startCatalog, startInventory } from './services.js';
import { setupTracing, tracePropagationActive } from './tracing.js';

setupTracing();
const HARD_LIMIT_MS = 20_000;
setTimeout(() => {
  console.error(`example did not finish within ${HARD_LIMIT_MS} ms; exiting`);
  process.exit(1);
}, HARD_LIMIT_MS).unref();

// Round trips between the regions (ms): who is the nearest backup of whom.
const RTT: Record<string, Record<string, number>> = {
  'us-east': { 'us-east': 1, 'us-west': 60, 'eu-west': 80 },
  'us-west': { 'us-east': 60, 'us-west': 1, 'eu-west': 140 },
  'eu-west': { 'us-east': 80, 'us-west': 140, 'eu-west': 1 },
};
const REGIONS = Object.keys(RTT);
const EDGE_REGION = 'us-east';

function specs(from: string, targets: Record<string, string>): GrpcRegionSpec[] {
  return REGIONS.map((name) => ({
    name,
    target: targets[name] as string,
    rttMs: RTT[from]?.[name],
  }));
}

const shared = { retry: { baseDelayMs: 5, maxDelayMs: 20 }, deadlineMs: 2_000 };

async function main(): Promise<void> {
  const cleanups: Array<() => unknown> = [];
  try {
    // Inventory everywhere, then Catalog everywhere, each Catalog with its own regional
    // Inventory client (local region first).
    const inventory = new Map<string, RegionServer>();
    for (const region of REGIONS) inventory.set(region, await startInventory(region));
    const inventoryTargets = Object.fromEntries(REGIONS.map((r) => [r, inventory.get(r)?.target]));
    const catalog = new Map<string, RegionServer>();
    for (const region of REGIONS) {
      const client = createRegionalGrpcClient(shop.Inventory, {
        ...shared,
        service: 'inventory',
        localRegion: region,
        regions: specs(region, inventoryTargets as Record<string, string>),
        methods: { GetStock: { idempotent: true } },
      });
      client.client.on('failover', (e) =>
        recordNote(
          `inventory client in ${region} failed over ${e.fromRegion} → ${e.toRegion} (${e.reason})`,
        ),
      );
      cleanups.push(() => client.close());
      catalog.set(region, await startCatalog(region, client));
    }
    const catalogTargets = Object.fromEntries(REGIONS.map((r) => [r, catalog.get(r)?.target]));
    const catalogClient = createRegionalGrpcClient(shop.Catalog, {
      ...shared,
      service: 'catalog',
      localRegion: EDGE_REGION,
      regions: specs(EDGE_REGION, catalogTargets as Record<string, string>),
      methods: { GetProduct: { idempotent: true } },
    });
    catalogClient.client.on('failover', (e) =>
      recordNote(
        `catalog client at the edge failed over ${e.fromRegion} → ${e.toRegion} (${e.reason})`,
      ),
    );
    cleanups.push(() => catalogClient.close());
    const edge = await startEdge(EDGE_REGION, catalogClient);
    cleanups.push(() => edge.close());
    cleanups.push(() => {
      for (const server of [...inventory.values(), ...catalog.values()]) server.kill();
    });

    console.log(
      'regionkit gRPC example: client → Express edge → Catalog (gRPC) → Inventory (gRPC)',
    );
    for (const region of REGIONS) {
      console.log(
        `  ${region.padEnd(8)} catalog ${catalog.get(region)?.target}  inventory ${inventory.get(region)?.target}`,
      );
    }

    let requests = 0;
    let consistent = 0;
    const get = async (id: string) => {
      requests++;
      const response = await fetch(`${edge.url}/products/${id}`);
      const body = await response.json();
      const id_ = response.headers.get('x-request-id') ?? '(none)';
      const { hops, notes } = takeHops();
      const same = hops.every((h) => h.correlationId === id_);
      if (same) consistent++;
      console.log(`\nGET /products/${id} → ${response.status} ${JSON.stringify(body)}`);
      console.log(`   x-request-id returned to the client: ${id_}`);
      for (const hop of hops) console.log(formatHop(hop));
      for (const note of notes) console.log(`   ↪ ${note}`);
      console.log(
        `   ${same ? '✓' : '✗'} ${hops.length} hops, ${same ? 'one' : 'MORE THAN ONE'} correlation ID`,
      );
    };

    console.log('\n── act 1: every region up ──');
    await get('p-1');
    await get('p-2');

    console.log('\n── act 2: Inventory in us-east killed; Catalog us-east fails over for it ──');
    inventory.get('us-east')?.kill();
    await get('p-3');
    await get('p-1');

    console.log('\n── act 3: Catalog in us-east killed too; the edge fails over to us-west ──');
    catalog.get('us-east')?.kill();
    await get('p-2');
    await get('missing');

    console.log(`\n${consistent}/${requests} requests kept one correlation ID across every hop.`);
    console.log(
      tracePropagationActive()
        ? 'Trace context: propagated (see the traceparent column).'
        : 'Trace context: no OpenTelemetry SDK registered, so no traceparent; see src/tracing.ts.',
    );
    if (consistent !== requests) process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

function formatHop(hop: Hop): string {
  const attempt = hop.attempt ? `attempt ${hop.attempt}` : '';
  const trace = hop.traceparent ? `  traceparent ${hop.traceparent}` : '';
  return `   ${hop.hop.padEnd(9)} ${hop.region.padEnd(8)} ${hop.what.padEnd(22)} ${attempt.padEnd(9)} id=${hop.correlationId}${trace}`;
}

await main();
