/**
 * regionkit over gRPC: `@regionkit/grpc` with one channel per region, local first. GetItem is
 * declared idempotent; PlaceOrder is not and carries its idempotency key as metadata.
 */
import { createRegionalGrpcClient, type RegionalGrpcClientOptions } from '@regionkit/grpc';
import { type Item, type Order, storeService } from '../world/store-proto.js';
import { grpcErrorStatus } from './grpc-status.js';
import type { CallSpec, LoadOutcome, RegionalLoadClient, WriteBody } from './load-client.js';

type StoreMethod<Req, Res> = (
  request: Req,
  options: { deadlineMs: number; signal: AbortSignal; idempotencyKey?: string },
) => Promise<Res>;

export function createRegionkitGrpcClient(
  options: Omit<RegionalGrpcClientOptions, 'methods'>,
): RegionalLoadClient {
  const store = createRegionalGrpcClient(storeService(), {
    ...options,
    methods: { GetItem: { idempotent: true }, PlaceOrder: { idempotent: false } },
  });
  const getItem = store.getItem as StoreMethod<{ id: string }, Item>;
  const placeOrder = store.placeOrder as StoreMethod<WriteBody, Order>;

  async function call<T extends { region: string }>(run: () => Promise<T>): Promise<LoadOutcome> {
    try {
      const answer = await run();
      return { ok: true, status: 'OK', servedBy: answer.region };
    } catch (error) {
      return { ok: false, status: grpcErrorStatus(error), servedBy: undefined };
    }
  }
  const per = (spec: CallSpec) => ({ deadlineMs: spec.deadlineMs, signal: spec.signal });

  return {
    label: 'regionkit (@regionkit/grpc)',
    read: (id, spec) => call(() => getItem({ id }, per(spec))),
    write: (key, body, spec) => call(() => placeOrder(body, { ...per(spec), idempotencyKey: key })),
    breakers: () =>
      Object.fromEntries(store.client.status().regions.map((r) => [r.region, r.breaker])),
    onBreaker: (listener) => {
      store.client.on('breaker', (event) => listener(event.region, event.state));
    },
    close: async () => store.close(),
  };
}
