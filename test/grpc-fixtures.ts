/**
 * Real grpc-js servers on 127.0.0.1, one per "region", for the @regionkit/grpc tests. Every
 * request that reaches a server application is recorded as an arrival (method, metadata,
 * deadline), so tests can count what was really sent.
 */
import { EventEmitter, once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { GrpcRegionSpec } from '@regionkit/grpc';
import type { ProtoGrpcType } from '../packages/grpc/src/testing/generated/greeter.js';

export const PROTO_PATH = fileURLToPath(
  new URL('../packages/grpc/protos/greeter.proto', import.meta.url),
);

export type TestingPackage = ProtoGrpcType['regionkit']['testing'];

export function loadGreeter(): TestingPackage {
  const definition = protoLoader.loadSync(PROTO_PATH, { defaults: true, longs: String });
  return (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).regionkit.testing;
}

export const testing: TestingPackage = loadGreeter();
export type GreeterConstructor = typeof testing.Greeter;

export interface Arrival {
  readonly region: string;
  readonly method: string;
  readonly correlationId: string | undefined;
  readonly attempt: string | undefined;
  readonly idempotencyKey: string | undefined;
  /** Absolute deadline the server got for this call (epoch ms), or Infinity. */
  readonly deadline: number;
  readonly metadata: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: handlers of every call type
type AnyHandler = (call: any, callback?: any) => void;
export type Handlers = Partial<
  Record<'SayHello' | 'CreateOrder' | 'ListThings' | 'Upload' | 'Chat', AnyHandler>
>;

/** The default behaviour of every region: answer at once, naming the region. */
function defaultHandlers(region: string): Required<Handlers> {
  return {
    SayHello: (call, callback) => callback(null, { message: `hello ${call.request.name}`, region }),
    CreateOrder: (call, callback) =>
      callback(null, { orderId: `order-${call.request.item}`, region }),
    ListThings: (call) => {
      for (let index = 0; index < call.request.count; index++) call.write({ index, region });
      call.end();
    },
    Upload: (call, callback) => {
      let count = 0;
      call.on('data', () => count++);
      call.on('end', () => callback(null, { count, region }));
    },
    Chat: (call) => {
      call.on('data', (thing: { index: number }) => call.write({ index: thing.index, region }));
      call.on('end', () => call.end());
    },
  };
}

function text(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

export class RegionServer extends EventEmitter {
  readonly name: string;
  readonly arrivals: Arrival[] = [];
  /** Per-method overrides of the default handlers; change them at any time. */
  handlers: Handlers = {};
  server: grpc.Server | undefined;
  port = 0;

  constructor(name: string) {
    super();
    this.name = name;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  count(method?: string): number {
    return method ? this.arrivals.filter((a) => a.method === method).length : this.arrivals.length;
  }

  /** Resolves at the next arrival of `method` (or of any method). */
  async nextArrival(method?: string): Promise<Arrival> {
    for (;;) {
      const [arrival] = (await once(this, 'arrival')) as [Arrival];
      if (!method || arrival.method === method) return arrival;
    }
  }

  async start(options: grpc.ServerOptions = {}): Promise<void> {
    const server = new grpc.Server(options);
    const defaults = defaultHandlers(this.name);
    const implementation = Object.fromEntries(
      (Object.keys(defaults) as (keyof Handlers)[]).map((method) => [
        method,
        (call: grpc.ServerUnaryCall<unknown, unknown>, callback?: unknown) => {
          const deadline = call.getDeadline();
          const arrival: Arrival = {
            region: this.name,
            method,
            correlationId: text(call.metadata, 'x-request-id'),
            attempt: text(call.metadata, 'x-regionkit-attempt'),
            idempotencyKey: text(call.metadata, 'idempotency-key'),
            deadline: deadline instanceof Date ? deadline.getTime() : deadline,
            metadata: call.metadata.getMap(),
          };
          this.arrivals.push(arrival);
          this.emit('arrival', arrival);
          (this.handlers[method] ?? defaults[method])(call, callback);
        },
      ]),
    );
    server.addService(testing.Greeter.service, implementation);
    // A restarted region keeps its port, so clients' channels find it again.
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `127.0.0.1:${this.port}`,
        grpc.ServerCredentials.createInsecure(),
        (error, port) => (error ? reject(error) : resolve(port)),
      ),
    );
    this.server = server;
  }

  /** A hard stop: open calls are cut off, new connections refused. */
  kill(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}

export interface Regions {
  readonly east: RegionServer;
  readonly west: RegionServer;
  readonly eu: RegionServer;
  /** us-east (local, 2 ms), us-west (60 ms), eu-west (80 ms): us-west is the nearest backup. */
  readonly specs: GrpcRegionSpec[];
  totalArrivals(method?: string): number;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startRegions(options: grpc.ServerOptions = {}): Promise<Regions> {
  const east = new RegionServer('us-east');
  const west = new RegionServer('us-west');
  const eu = new RegionServer('eu-west');
  await Promise.all([east.start(options), west.start(options), eu.start(options)]);
  const all = [east, west, eu];
  return {
    east,
    west,
    eu,
    specs: [
      { name: 'us-east', target: east.target, rttMs: 2 },
      { name: 'us-west', target: west.target, rttMs: 60 },
      { name: 'eu-west', target: eu.target, rttMs: 80 },
    ],
    totalArrivals: (method) => all.reduce((sum, r) => sum + r.count(method), 0),
    async [Symbol.asyncDispose]() {
      for (const region of all) region.kill();
    },
  };
}

/** Options every test client shares: quick backoff so failover tests stay fast. */
export function clientOptions(regions: Regions) {
  return {
    service: 'greeter',
    localRegion: 'us-east',
    regions: regions.specs,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    methods: {
      SayHello: { idempotent: true },
      CreateOrder: { idempotent: false },
      ListThings: { idempotent: true },
    },
  } as const;
}

/** A status a handler can fail a call with, optionally with trailers. */
export function failure(
  code: grpc.status,
  details: string,
  trailers?: Record<string, string>,
): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(trailers ?? {})) metadata.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata });
}

/**
 * Opens every region's connection with one call each, then forgets those arrivals: timing tests
 * then measure calls, not TCP and HTTP/2 handshakes on a loaded machine.
 */
export async function warmUp(
  greeter: {
    sayHello(request: { name: string }, options?: { excludedRegions?: string[] }): Promise<unknown>;
  },
  regions: Regions,
): Promise<void> {
  const names = regions.specs.map((r) => r.name);
  for (const name of names) {
    await greeter.sayHello(
      { name: 'warm-up' },
      { excludedRegions: names.filter((n) => n !== name) },
    );
  }
  for (const region of [regions.east, regions.west, regions.eu]) region.arrivals.length = 0;
}
