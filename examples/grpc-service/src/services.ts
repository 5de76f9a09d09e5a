/**
 * The two gRPC services. Each region runs one Catalog and one Inventory server; both run
 * their handlers inside the caller's context (regionkitServerInterceptor), so the Catalog
 * handler's call to Inventory carries the same correlation ID, priority and deadline.
 */
import * as grpc from '@grpc/grpc-js';
import { currentContext } from '@regionkit/core';
import {
  METADATA_KEYS,
  type RegionalGrpcClient,
  regionkitServerInterceptor,
} from '@regionkit/grpc';
import type { InventoryClient } from './generated/shop/v1/Inventory.js';
import { type Hop, recordHop } from './hops.js';
import { shop } from './proto.js';

const STOCK: Record<string, number> = { 'p-1': 12, 'p-2': 0, 'p-3': 7 };
const NAMES: Record<string, string> = { 'p-1': 'kettle', 'p-2': 'teapot', 'p-3': 'mug' };

function hop(hop: Hop['hop'], region: string, what: string, metadata: grpc.Metadata): void {
  const text = (key: string) => {
    const value = metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  };
  recordHop({
    hop,
    region,
    what,
    // The context's ID: validated by the interceptor (the metadata now holds the same value).
    correlationId: currentContext()?.correlationId ?? '(none)',
    attempt: text(METADATA_KEYS.attempt),
    traceparent: text('traceparent'),
  });
}

export interface RegionServer {
  readonly target: string;
  kill(): void;
}

async function serve(
  add: (server: grpc.Server) => void,
): Promise<RegionServer & { server: grpc.Server }> {
  const server = new grpc.Server({ interceptors: [regionkitServerInterceptor()] });
  add(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, target: `127.0.0.1:${port}`, kill: () => server.forceShutdown() };
}

export function startInventory(region: string) {
  return serve((server) =>
    server.addService(shop.Inventory.service, {
      GetStock(
        call: grpc.ServerUnaryCall<{ productId: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) {
        hop('inventory', region, `GetStock ${call.request.productId}`, call.metadata);
        callback(null, { count: STOCK[call.request.productId] ?? 0, region });
      },
    }),
  );
}

export function startCatalog(region: string, inventory: RegionalGrpcClient<InventoryClient>) {
  return serve((server) =>
    server.addService(shop.Catalog.service, {
      async GetProduct(
        call: grpc.ServerUnaryCall<{ id: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) {
        hop('catalog', region, `GetProduct ${call.request.id}`, call.metadata);
        const name = NAMES[call.request.id];
        if (!name) {
          callback({ code: grpc.status.NOT_FOUND, details: `no product ${call.request.id}` });
          return;
        }
        try {
          // Runs in the request's context: same correlation ID, deadline capped by ours.
          const stock = await inventory.getStock({ productId: call.request.id });
          callback(null, {
            id: call.request.id,
            name,
            inStock: stock.count,
            catalogRegion: region,
            inventoryRegion: stock.region,
          });
        } catch (error) {
          callback(error as grpc.ServiceError);
        }
      },
    }),
  );
}
