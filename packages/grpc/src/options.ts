import {
  type ChannelCredentials,
  type ChannelOptions,
  credentials as grpcCredentials,
  type Interceptor,
  type MethodDefinition,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { ConfigError, DEFAULTS, MAX_TIMER_MS, type RegionalClientOptions } from '@regionkit/core';
import type { TracePropagation } from './interceptor.js';
import type { GrpcMethodPolicy, RegionalGrpcClientOptions } from './types.js';

/** Defaults of the gRPC adapter, in one place. Core's own defaults are `DEFAULTS` in core. */
export const GRPC_DEFAULTS = {
  /** Methods not listed in `methods` are not idempotent. */
  idempotent: false,
  /** Forced on every channel: grpc-js retries (and hedging) off, so attempts never multiply. */
  channelOptions: { 'grpc.enable_retries': 0 },
  tracePropagation: 'auto' as TracePropagation,
} as const;

export type MethodKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';

export interface ResolvedMethod {
  /** Proto name, e.g. `SayHello`. */
  readonly name: string;
  readonly kind: MethodKind;
  // biome-ignore lint/suspicious/noExplicitAny: messages of a method loaded at run time
  readonly definition: MethodDefinition<any, any>;
  readonly idempotent: boolean;
  readonly deadlineMs: number | undefined;
}

export interface ResolvedRegion {
  readonly name: string;
  readonly target: string;
  readonly credentials: ChannelCredentials;
}

export interface ResolvedGrpcOptions {
  readonly core: RegionalClientOptions;
  readonly regions: readonly ResolvedRegion[];
  /** Every callable name (proto name and camelCase alias) → its method. */
  readonly methods: ReadonlyMap<string, ResolvedMethod>;
  readonly channelOptions: ChannelOptions;
  readonly interceptors: readonly Interceptor[];
  readonly tracePropagation: TracePropagation;
}

/** A grpc-js service client constructor: generated, or from `loadPackageDefinition`. */
export interface ServiceClientConstructorLike {
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js client constructors take (target, credentials, options)
  new (...args: any[]): any;
  readonly service: ServiceDefinition;
}

// Targets that never leave this host, where plaintext is a reasonable default.
const LOOPBACK_TARGET =
  /^(?:unix:|unix-abstract:|(?:dns:(?:\/\/[^/]*)?\/{0,1}|ipv4:|ipv6:)?(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$)/;

// Names this client object uses for itself; a method alias equal to one is not exposed.
const RESERVED = new Set(['client', 'close', 'grpcClientFor', 'then', 'constructor']);

/** Validates once, at construction; every later call trusts the result. */
export function resolveGrpcOptions(
  Client: ServiceClientConstructorLike,
  options: RegionalGrpcClientOptions,
): ResolvedGrpcOptions {
  const service = serviceDefinition(Client);
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(
      'options',
      'is missing',
      'Pass { service, localRegion, regions: [{ name, target }] }.',
    );
  }
  const {
    regions: grpcRegions,
    methods,
    credentials,
    channelOptions,
    interceptors,
    tracePropagation,
    ...core
  } = options;
  const regions = resolveRegions(grpcRegions, credentials);
  const channel = resolveChannelOptions(
    channelOptions,
    core.breaker?.resetTimeoutMs ?? DEFAULTS.breaker.resetTimeoutMs,
  );
  if (interceptors !== undefined) {
    if (!Array.isArray(interceptors) || interceptors.some((i) => typeof i !== 'function')) {
      throw new ConfigError(
        'interceptors',
        'must be an array of grpc-js interceptor functions',
        'Pass e.g. [(options, nextCall) => new InterceptingCall(nextCall(options), requester)].',
      );
    }
  }
  return {
    core: {
      ...core,
      regions: grpcRegions.map(({ name, rttMs, location }) => ({ name, rttMs, location })),
    },
    regions,
    methods: resolveMethods(service, methods ?? {}),
    channelOptions: channel,
    interceptors: interceptors ?? [],
    tracePropagation: resolveTracePropagation(tracePropagation),
  };
}

function resolveTracePropagation(mode: TracePropagation | undefined): TracePropagation {
  if (mode === undefined) return GRPC_DEFAULTS.tracePropagation;
  if (mode !== 'auto' && mode !== 'always' && mode !== 'off') {
    throw new ConfigError(
      'tracePropagation',
      `is ${JSON.stringify(mode)}`,
      'Use "auto" (the default), "always" or "off".',
    );
  }
  return mode;
}

function serviceDefinition(Client: ServiceClientConstructorLike): ServiceDefinition {
  const service = (Client as { service?: unknown } | undefined)?.service;
  if (typeof Client !== 'function' || typeof service !== 'object' || service === null) {
    throw new ConfigError(
      'Client',
      'is not a grpc-js service client constructor (it has no `service` definition)',
      'Pass the constructor itself, e.g. `grpc.loadPackageDefinition(def).pkg.Greeter` or a generated `GreeterClient`, not an instance or a package object.',
    );
  }
  return service as ServiceDefinition;
}

function resolveRegions(
  regions: RegionalGrpcClientOptions['regions'],
  shared: ChannelCredentials | undefined,
): ResolvedRegion[] {
  if (!Array.isArray(regions) || regions.length === 0) {
    throw new ConfigError(
      'regions',
      'must be a non-empty array',
      'List every region with its target, e.g. [{ name: "us-east", target: "greeter.us-east.internal:443" }].',
    );
  }
  return regions.map((region, i) => {
    const target: unknown = region?.target;
    if (typeof target !== 'string' || target.trim() === '') {
      throw new ConfigError(
        `regions[${i}].target`,
        target === undefined ? 'is missing' : `is ${JSON.stringify(target)}, not an address`,
        `Give region "${region?.name}" the grpc-js target of its servers, e.g. "greeter.${region?.name ?? 'us-east'}.internal:443".`,
      );
    }
    if (/\s/.test(target)) {
      throw new ConfigError(
        `regions[${i}].target`,
        `is "${target}", which contains whitespace`,
        'Use a grpc-js target such as "host:port" or "dns:///host:port".',
      );
    }
    const credentials = region.credentials ?? shared;
    if (credentials === undefined && !LOOPBACK_TARGET.test(target)) {
      throw new ConfigError(
        'credentials',
        `is missing and region "${region.name}" has the non-loopback target "${target}"`,
        'Pass credentials (e.g. grpc.credentials.createSsl()), or credentials.createInsecure() if plaintext is really intended.',
      );
    }
    return {
      name: region.name,
      target,
      credentials: credentials ?? grpcCredentials.createInsecure(),
    };
  });
}

/** Below this, a dead region's channel would reconnect hundreds of times a second. */
const MIN_RECONNECT_BACKOFF_MS = 100;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The channel options every region's channel gets. Besides forcing grpc-js retries off, the
 * reconnect backoff is capped at a tenth of the breaker's reset timeout, at least 100 ms
 * (unless the caller set it). A channel whose connection failed keeps reconnecting in the background, and fails every
 * call at once until it succeeds, with a backoff that grows to 120 s by default. A half-open
 * probe sent before the channel noticed that the region came back failed without reaching it and
 * re-opened the breaker for another reset timeout: the grpc-kill-local game day recovered in
 * 1.5 s or 6.5 s, about half and half. With the cap the channel retries every ~0.5 s (default
 * reset timeout 5 s), so by the time the breaker lets a probe through it has usually reconnected.
 */
function resolveChannelOptions(
  options: ChannelOptions | undefined,
  breakerResetTimeoutMs: number,
): ChannelOptions {
  const retries = options?.['grpc.enable_retries'];
  if (retries !== undefined && retries !== 0) {
    throw new ConfigError(
      'channelOptions["grpc.enable_retries"]',
      `is ${JSON.stringify(retries)}`,
      'Remove it: regionkit retries across regions itself, and grpc-js retries underneath would multiply attempts (up to 5 per regionkit attempt).',
    );
  }
  // The caller's own values win; ours fill the gaps and keep initial <= max.
  const ownMax = options?.['grpc.max_reconnect_backoff_ms'];
  const ownInitial = options?.['grpc.initial_reconnect_backoff_ms'];
  const maxBackoffMs =
    typeof ownMax === 'number'
      ? ownMax
      : Math.max(
          typeof ownInitial === 'number' ? ownInitial : 0,
          clamp(Math.floor(breakerResetTimeoutMs / 10), MIN_RECONNECT_BACKOFF_MS, MAX_TIMER_MS),
        );
  return {
    ...options,
    'grpc.max_reconnect_backoff_ms': maxBackoffMs,
    'grpc.initial_reconnect_backoff_ms':
      typeof ownInitial === 'number' ? ownInitial : Math.min(1_000, maxBackoffMs),
    ...GRPC_DEFAULTS.channelOptions,
  };
}

function resolveMethods(
  service: ServiceDefinition,
  policies: Readonly<Record<string, GrpcMethodPolicy>>,
): Map<string, ResolvedMethod> {
  // Both the proto name and grpc-js's camelCase alias address a method.
  const byName = new Map<string, string>();
  for (const [name, definition] of Object.entries(service)) {
    byName.set(name, name);
    if (definition.originalName) byName.set(definition.originalName, name);
  }
  const policyOf = new Map<string, GrpcMethodPolicy>();
  for (const [key, policy] of Object.entries(policies)) {
    const name = byName.get(key);
    if (name === undefined) {
      throw new ConfigError(
        `methods.${key}`,
        'is not a method of this service',
        `Use one of: ${Object.entries(service)
          .map(([n, d]) =>
            d.originalName && d.originalName !== n ? `${n} (${d.originalName})` : n,
          )
          .join(', ')}.`,
      );
    }
    if (policyOf.has(name)) {
      throw new ConfigError(
        `methods.${key}`,
        `configures ${name} a second time`,
        'List each method once, by its proto name or its camelCase alias.',
      );
    }
    checkPolicy(key, policy);
    policyOf.set(name, policy);
  }
  const methods = new Map<string, ResolvedMethod>();
  for (const [name, definition] of Object.entries(service)) {
    const policy = policyOf.get(name);
    const method: ResolvedMethod = {
      name,
      kind: kindOf(definition.requestStream, definition.responseStream),
      definition,
      idempotent: policy?.idempotent ?? GRPC_DEFAULTS.idempotent,
      deadlineMs: policy?.deadlineMs,
    };
    for (const alias of new Set([name, definition.originalName ?? name])) {
      if (!RESERVED.has(alias)) methods.set(alias, method);
    }
  }
  return methods;
}

function checkPolicy(key: string, policy: GrpcMethodPolicy): void {
  if (typeof policy !== 'object' || policy === null) {
    throw new ConfigError(
      `methods.${key}`,
      'must be an object',
      'Write e.g. { idempotent: true } or { idempotent: false, deadlineMs: 2000 }.',
    );
  }
  if (policy.idempotent !== undefined && typeof policy.idempotent !== 'boolean') {
    throw new ConfigError(
      `methods.${key}.idempotent`,
      `is ${JSON.stringify(policy.idempotent)}`,
      'Use true (safe to run twice) or false.',
    );
  }
  const { deadlineMs } = policy;
  if (deadlineMs !== undefined && !(Number.isFinite(deadlineMs) && deadlineMs > 0)) {
    throw new ConfigError(
      `methods.${key}.deadlineMs`,
      `is ${deadlineMs}`,
      'Use a positive number of milliseconds.',
    );
  }
}

function kindOf(requestStream: boolean, responseStream: boolean): MethodKind {
  if (requestStream) return responseStream ? 'bidi' : 'clientStream';
  return responseStream ? 'serverStream' : 'unary';
}
