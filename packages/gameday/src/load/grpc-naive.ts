/**
 * The gRPC baseline: a plain grpc-js client to the local region only, p-retry with the same
 * 3 retries as the HTTP baseline on UNAVAILABLE / RESOURCE_EXHAUSTED, each attempt with what
 * is left of the call's deadline.
 */
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import pRetry from 'p-retry';
import { type Item, type Order, storeService } from '../world/store-proto.js';
import { grpcErrorStatus } from './grpc-status.js';
import { NAIVE_RETRY } from './http-naive.js';
import type { CallSpec, LoadOutcome, RegionalLoadClient, WriteBody } from './load-client.js';

const RETRIED = new Set<number>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED]);

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response?: Res) => void,
) => unknown;

export function createNaiveGrpcClient(localTarget: string): RegionalLoadClient {
  const Store = storeService();
  const client = new Store(localTarget, credentials.createInsecure());
  const getItem = client.getItem.bind(client) as Unary<{ id: string }, Item>;
  const placeOrder = client.placeOrder.bind(client) as Unary<WriteBody, Order>;

  function attempt<Req, Res>(
    method: Unary<Req, Res>,
    request: Req,
    metadata: Metadata,
    deadline: number,
  ) {
    return new Promise<Res>((resolve, reject) => {
      method(request, metadata, { deadline }, (error, response) =>
        error ? reject(error) : resolve(response as Res),
      );
    });
  }

  async function call<Req, Res extends { region: string }>(
    method: Unary<Req, Res>,
    request: Req,
    metadata: Metadata,
    spec: CallSpec,
  ): Promise<LoadOutcome> {
    const deadline = Date.now() + spec.deadlineMs;
    try {
      const answer = await pRetry(() => attempt(method, request, metadata, deadline), {
        ...NAIVE_RETRY,
        signal: spec.signal,
        shouldRetry: ({ error }) => RETRIED.has((error as Partial<ServiceError>).code ?? -1),
      });
      return { ok: true, status: 'OK', servedBy: answer.region };
    } catch (error) {
      return { ok: false, status: grpcErrorStatus(error), servedBy: undefined };
    }
  }

  return {
    label: 'naive (grpc-js + p-retry, local region only)',
    read: (id, spec) => call(getItem, { id }, new Metadata(), spec),
    write: (key, body, spec) => {
      const metadata = new Metadata();
      metadata.set('idempotency-key', key);
      return call(placeOrder, body, metadata, spec);
    },
    close: async () => client.close(),
  };
}
