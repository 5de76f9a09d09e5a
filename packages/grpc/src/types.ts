/**
 * Public types of @regionkit/grpc. Defaults live in `options.ts` and are repeated here as
 * `@default` so an editor shows them.
 */
import type {
  ChannelCredentials,
  ChannelOptions,
  Client,
  ClientDuplexStream,
  ClientReadableStream,
  ClientUnaryCall,
  ClientWritableStream,
  Interceptor,
  Metadata,
  requestCallback,
} from '@grpc/grpc-js';
import type { Priority, RegionalClient, RegionalClientOptions, RegionSpec } from '@regionkit/core';
import type { TracePropagation } from './interceptor.js';
import type { RegionalServerStream } from './server-stream.js';

export interface GrpcRegionSpec extends RegionSpec {
  /**
   * grpc-js target of this region's servers, e.g. `greeter.us-east.internal:443`,
   * `dns:///greeter.us-east.internal` or `127.0.0.1:50051`. One channel per region is kept.
   */
  readonly target: string;
  /** Credentials of this region's channel; overrides the client-wide `credentials`. */
  readonly credentials?: ChannelCredentials;
}

/** What regionkit may do with one method's calls. */
export interface GrpcMethodPolicy {
  /**
   * Safe to run more than once (a read, an upsert with a client-chosen ID): may be retried and
   * failed over after an ambiguous failure. A method that is not idempotent is resent only when
   * the attempt provably never reached a server, or when the call carries an `idempotencyKey`.
   * @default false
   */
  readonly idempotent?: boolean;
  /** Deadline of this method's calls in ms; overrides the client's `deadlineMs`. */
  readonly deadlineMs?: number;
}

export interface RegionalGrpcClientOptions extends Omit<RegionalClientOptions, 'regions'> {
  /** Every region the service runs in, each with its own target. Must include `localRegion`. */
  readonly regions: readonly GrpcRegionSpec[];
  /**
   * Per-method policy, keyed by the method's proto name (`SayHello`) or its camelCase alias
   * (`sayHello`). Methods not listed are treated as not idempotent.
   */
  readonly methods?: Readonly<Record<string, GrpcMethodPolicy>>;
  /**
   * Channel credentials for every region without its own. Required unless every target is a
   * loopback address (then it defaults to `credentials.createInsecure()`).
   */
  readonly credentials?: ChannelCredentials;
  /**
   * grpc-js channel options for every region's channel. `grpc.enable_retries` is always 0:
   * regionkit is the only layer that retries (see the README), and setting it to anything
   * else is a configuration error.
   */
  readonly channelOptions?: ChannelOptions;
  /**
   * Client interceptors run on every call, outermost first. Per-call interceptors are added
   * after these (unlike plain grpc-js, where per-call interceptors replace client ones), and
   * regionkit's own interceptor runs last, nearest the wire.
   */
  readonly interceptors?: readonly Interceptor[];
  /**
   * Who writes W3C trace context on each attempt. `auto`: regionkit, unless the attempt already
   * carries it when regionkit's interceptor runs, i.e. an instrumentation such as
   * @opentelemetry/instrumentation-grpc injected it for its own CLIENT span (two parents must
   * never be sent). `always`: regionkit, over anything else. `off`: never regionkit.
   * Trace keys in a call's `metadata` option are dropped in every mode.
   * @default 'auto'
   */
  readonly tracePropagation?: TracePropagation;
}

/** Options of one call made through a regional gRPC client. */
export interface RegionalCallOptions {
  /**
   * Deadline of the whole call in ms, every attempt and backoff included; overrides the
   * method's and the client's. Capped by the deadline of the ambient request context.
   */
  readonly deadlineMs?: number;
  /** Request metadata; copied for each attempt, never modified. */
  readonly metadata?: Metadata;
  /** Added after the client-level interceptors, before regionkit's own. */
  readonly interceptors?: readonly Interceptor[];
  /**
   * Makes a non-idempotent call safe to resend: sent as `idempotency-key` metadata, identical
   * on every attempt, so the server can drop duplicates. 1-128 characters of `[A-Za-z0-9._:+=/-]`.
   */
  readonly idempotencyKey?: string;
  /** Aborting cancels the attempt in flight and ends the call with CANCELLED. */
  readonly signal?: AbortSignal;
  readonly priority?: Priority;
  /** Regions this call must not use. */
  readonly excludedRegions?: readonly string[];
}

/** A client-streaming call, pinned to one region. */
export type RegionalClientStream<Req, Res> = ClientWritableStream<Req> & {
  /** Settles with the server's reply or its error once the call ends. */
  readonly response: Promise<Res>;
  /** Region the stream was opened in. */
  readonly region: string;
  /** Correlation ID sent with the stream. */
  readonly correlationId: string;
};

/** A bidirectional-streaming call, pinned to one region. */
export type RegionalDuplexStream<Req, Res> = ClientDuplexStream<Req, Res> & {
  readonly region: string;
  readonly correlationId: string;
};

/** A method whose types could not be inferred (untyped `loadPackageDefinition` output). */
// biome-ignore lint/suspicious/noExplicitAny: untyped clients have no message types to offer
export type UntypedRegionalMethod = (...args: any[]) => any;

/**
 * The regional form of one grpc-js client method, inferred from the last overload of the
 * generated signature (`@grpc/proto-loader`'s `proto-loader-gen-types` and grpc-js
 * `makeClientConstructor` both end with the shortest one). The call type is told apart by
 * what the method returns, most specific first: a duplex stream is also readable and writable.
 */
export type RegionalMethod<F> = F extends (
  ...args: never[]
) => ClientDuplexStream<infer Req, infer Res>
  ? (options?: RegionalCallOptions) => RegionalDuplexStream<Req, Res>
  : F extends (argument: infer Req, ...rest: never[]) => ClientReadableStream<infer Res>
    ? (request: Req, options?: RegionalCallOptions) => RegionalServerStream<Res>
    : F extends (callback: requestCallback<infer Res>) => ClientWritableStream<infer Req>
      ? (options?: RegionalCallOptions) => RegionalClientStream<Req, Res>
      : F extends (argument: infer Req, callback: requestCallback<infer Res>) => ClientUnaryCall
        ? (request: Req, options?: RegionalCallOptions) => Promise<Res>
        : UntypedRegionalMethod;

/** Members regionkit adds next to the service's methods. */
export interface RegionalGrpcClientMembers<C> {
  /** The core engine: `status()`, `on('failover', …)` and the other events. */
  readonly client: RegionalClient;
  /** The grpc-js client (and so the channel) kept for one region. */
  grpcClientFor(region: string): C;
  /** Closes every region's channel and the core client. Calls made later fail. */
  close(): void;
  [Symbol.dispose](): void;
}

/** What `createRegionalGrpcClient` returns: the service's methods, made regional. */
export type RegionalGrpcClient<C> = {
  readonly [K in Exclude<keyof C, keyof Client> as K extends string ? K : never]: RegionalMethod<
    C[K]
  >;
} & RegionalGrpcClientMembers<C>;
