import type { Client } from '@grpc/grpc-js';
import { createRegionalClient, failoverOrder } from '@regionkit/core';
import { classifyGrpc } from './classify.js';
import type { ClientParts } from './invoke.js';
import {
  type ResolvedMethod,
  resolveGrpcOptions,
  type ServiceClientConstructorLike,
} from './options.js';
import { bidiStreamInvoker, clientStreamInvoker } from './pinned-stream.js';
import { serverStreamInvoker } from './server-stream.js';
import type { RegionalGrpcClient, RegionalGrpcClientOptions } from './types.js';
import { unaryInvoker } from './unary.js';

/**
 * Makes a grpc-js service client region-aware. Returns an object with the service's methods
 * (proto names and camelCase aliases): unary methods return promises and run through the
 * core (local first, failover to the nearest healthy region, backoff, per-region breakers,
 * retry budget); streaming methods follow the rules in the README.
 *
 * One grpc-js client, and so one channel, is kept per region, with grpc-js retries disabled.
 *
 * @example
 * const greeter = createRegionalGrpcClient(pkg.helloworld.Greeter, {
 *   service: 'greeter', localRegion: 'us-east',
 *   regions: [{ name: 'us-east', target: 'greeter.us-east.internal:443', rttMs: 1 }, …],
 *   credentials: grpc.credentials.createSsl(),
 *   methods: { SayHello: { idempotent: true } },
 * });
 * const reply = await greeter.sayHello({ name: 'Ada' }, { deadlineMs: 500 });
 */
export function createRegionalGrpcClient<C extends ServiceClientConstructorLike>(
  Client: C,
  options: RegionalGrpcClientOptions,
): RegionalGrpcClient<InstanceType<C>> {
  const resolved = resolveGrpcOptions(Client, options);
  const core = createRegionalClient(resolved.core, { classify: classifyGrpc });
  const clients = new Map<string, Client>();
  try {
    for (const region of resolved.regions) {
      clients.set(
        region.name,
        new Client(region.target, region.credentials, resolved.channelOptions) as Client,
      );
    }
  } catch (error) {
    for (const client of clients.values()) client.close();
    core.close();
    throw error;
  }
  const parts: ClientParts = {
    service: core.service,
    core,
    grpcClient: (region) => clients.get(region) as Client,
    failoverOrder: failoverOrder(
      resolved.core.regions,
      resolved.core.localRegion,
      resolved.core.preferredRegions ?? [],
    ),
    interceptors: resolved.interceptors,
    tracePropagation: resolved.tracePropagation,
    closed: () => closed,
  };

  let closed = false;
  const regional: Record<string | symbol, unknown> = {};
  for (const [name, method] of resolved.methods) regional[name] = invoker(parts, method);
  const close = () => {
    if (closed) return;
    closed = true;
    core.close();
    for (const client of clients.values()) client.close();
  };
  Object.assign(regional, {
    client: core,
    grpcClientFor(region: string) {
      const client = clients.get(region);
      if (!client) {
        throw new RangeError(
          `${core.service}: no region "${region}"; regions are ${[...clients.keys()].join(', ')}.`,
        );
      }
      return client;
    },
    close,
    [Symbol.dispose]: close,
  });
  return Object.freeze(regional) as RegionalGrpcClient<InstanceType<C>>;
}

function invoker(parts: ClientParts, method: ResolvedMethod) {
  switch (method.kind) {
    case 'unary':
      return unaryInvoker(parts, method);
    case 'serverStream':
      return serverStreamInvoker(parts, method);
    case 'clientStream':
      return clientStreamInvoker(parts, method);
    case 'bidi':
      return bidiStreamInvoker(parts, method);
  }
}
