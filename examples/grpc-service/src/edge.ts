/**
 * The edge: an Express app in us-east. The regionkit middleware gives each request a
 * correlation ID (minted here: the edge does not trust IDs from the internet), runs the
 * handler inside it, and the regional gRPC client carries it to Catalog.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ServiceError, status } from '@grpc/grpc-js';
import { regionkit } from '@regionkit/express';
import { isRegionalGrpcError, type RegionalGrpcClient } from '@regionkit/grpc';
import express from 'express';
import type { CatalogClient } from './generated/shop/v1/Catalog.js';
import { recordHop } from './hops.js';

export async function startEdge(region: string, catalog: RegionalGrpcClient<CatalogClient>) {
  const app = express();
  const middleware = regionkit({ region, shedding: false });
  app.use(middleware);
  app.get('/products/:id', async (req, res) => {
    recordHop({
      hop: 'edge',
      region,
      what: `GET /products/${req.params.id}`,
      correlationId: req.regionkit?.correlationId ?? '(none)',
      traceparent: req.get('traceparent'),
    });
    try {
      res.json(await catalog.getProduct({ id: req.params.id }));
    } catch (error) {
      const failure = error as ServiceError;
      // A fatal status (NOT_FOUND) is grpc-js's own error, even after a failover: only a
      // RegionalGrpcError (retries ran out) knows how many attempts there were.
      res.status(failure.code === status.NOT_FOUND ? 404 : 502).json({
        error: `${status[failure.code]}: ${failure.details}`,
        ...(isRegionalGrpcError(error) ? { attempts: error.attempts.length } : {}),
      });
    }
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      middleware.close();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
