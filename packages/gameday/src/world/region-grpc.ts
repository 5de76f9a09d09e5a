/**
 * One region's gRPC service: the twin of the HTTP app (GetItem, PlaceOrder with an
 * `idempotency-key`), with the same server-side fault injection: UNAVAILABLE for `errors`,
 * RESOURCE_EXHAUSTED with `grpc-retry-pushback-ms` for `throttle`.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { regionkitServerInterceptor } from '@regionkit/grpc';
import { injectedAnswer } from './region-faults.js';
import type { RegionServerContext } from './region-http.js';
import {
  type GetItemRequest,
  type Item,
  type Order,
  type PlaceOrderRequest,
  storeService,
} from './store-proto.js';

const SAFE_KEY = /^[A-Za-z0-9._:+=/-]{1,128}$/;

function failure(code: status, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata });
}

/** Answers with the injected fault, if any; true when it did. */
function injected<T>(ctx: RegionServerContext, callback: sendUnaryData<T>): boolean {
  const answer = injectedAnswer(ctx.condition(), ctx.random);
  if (answer?.kind === 'throttle') {
    const trailers = new Metadata();
    trailers.set('grpc-retry-pushback-ms', String(answer.retryAfterS * 1000));
    ctx.answered('throttled');
    callback(
      failure(status.RESOURCE_EXHAUSTED, `throttled by the game day in ${ctx.region}`, trailers),
    );
    return true;
  }
  if (answer?.kind === 'error') {
    ctx.answered('error');
    callback(
      failure(status.UNAVAILABLE, `unavailable (injected by the game day) in ${ctx.region}`),
    );
    return true;
  }
  return false;
}

export async function startRegionGrpc(
  ctx: RegionServerContext,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = new Server({ interceptors: [regionkitServerInterceptor()] });
  server.addService(storeService().service, {
    GetItem(call: ServerUnaryCall<GetItemRequest, Item>, callback: sendUnaryData<Item>) {
      if (injected(ctx, callback)) return;
      ctx.answered('ok');
      callback(null, { id: call.request.id, region: ctx.region });
    },
    PlaceOrder(call: ServerUnaryCall<PlaceOrderRequest, Order>, callback: sendUnaryData<Order>) {
      if (injected(ctx, callback)) return;
      const { writeId } = call.request;
      const key = call.metadata.get('idempotency-key')[0];
      if (
        !SAFE_KEY.test(writeId) ||
        (key !== undefined && (typeof key !== 'string' || !SAFE_KEY.test(key)))
      ) {
        ctx.answered('rejected');
        callback(
          failure(
            status.INVALID_ARGUMENT,
            'writeId and idempotency-key must be 1-128 safe characters',
          ),
        );
        return;
      }
      const result = ctx.ledger.apply(key, writeId, ctx.region);
      ctx.answered('ok');
      callback(null, { writeId, region: ctx.region, replayed: result.replayed });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
