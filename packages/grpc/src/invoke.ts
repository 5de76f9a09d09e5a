import { type Client, type Interceptor, Metadata } from '@grpc/grpc-js';
import type {
  CallOptions as CoreCallOptions,
  RegionalClient,
  RegionContext,
} from '@regionkit/core';
import {
  type AttemptStamp,
  attemptInterceptor,
  dropTraceContext,
  type TracePropagation,
} from './interceptor.js';
import type { ResolvedMethod } from './options.js';
import type { RegionalCallOptions } from './types.js';

/** What a method's invoker needs from the regional client that owns it. */
export interface ClientParts {
  readonly service: string;
  readonly core: RegionalClient;
  /** The cached grpc-js client (one channel) of a region. */
  readonly grpcClient: (region: string) => Client;
  /** Region names, local first, then failover order. */
  readonly failoverOrder: readonly string[];
  readonly interceptors: readonly Interceptor[];
  readonly tracePropagation: TracePropagation;
  /** The client was closed: its channels are shut down. */
  readonly closed: () => boolean;
}

/** `greeter/SayHello`, for error messages. */
export function where(parts: ClientParts, method: ResolvedMethod): string {
  return `${parts.service}/${method.name}`;
}

/** A fresh copy of the caller's metadata for one attempt (interceptors may modify it). */
export function attemptMetadata(options: RegionalCallOptions): Metadata {
  return options.metadata ? dropTraceContext(options.metadata.clone()) : new Metadata();
}

/** Client-level, then per-call, then regionkit's own (innermost, nearest the wire). */
export function attemptInterceptors(
  parts: ClientParts,
  options: RegionalCallOptions,
  stamp: AttemptStamp,
): Interceptor[] {
  return [
    ...parts.interceptors,
    ...(options.interceptors ?? []),
    attemptInterceptor(stamp, parts.tracePropagation),
  ];
}

/** The core's options for one call of `method`. */
export function coreCallOptions(
  method: ResolvedMethod,
  options: RegionalCallOptions,
  signal: AbortSignal | undefined,
): CoreCallOptions {
  return {
    idempotent: method.idempotent,
    idempotencyKey: options.idempotencyKey,
    deadlineMs: options.deadlineMs ?? method.deadlineMs,
    signal,
    priority: options.priority,
    excludedRegions: options.excludedRegions,
  };
}

/**
 * The gRPC deadline of a stream, which covers the whole stream: only an explicit deadline
 * applies (the call's or the method's, and the inbound request's), never the client's default,
 * since a subscription may rightly run for hours. Infinity when there is none.
 */
export function streamDeadline(
  options: RegionalCallOptions,
  method: ResolvedMethod,
  ambientDeadline: number | undefined,
): number {
  const deadlineMs = options.deadlineMs ?? method.deadlineMs;
  const own = deadlineMs !== undefined ? Date.now() + deadlineMs : Infinity;
  return Math.min(own, ambientDeadline ?? Infinity);
}

/**
 * The signals that cancel a call: its own and the ambient context's (an inbound call whose
 * caller went away). Watched one by one rather than combined with `AbortSignal.any`, which
 * would register a dependant on a long-lived signal for every call.
 */
export function cancelSignals(options: RegionalCallOptions, ambient: RegionContext | undefined) {
  const signals: AbortSignal[] = [];
  if (options.signal) signals.push(options.signal);
  if (ambient?.signal) signals.push(ambient.signal);
  return signals;
}

/**
 * Runs `cancel` once when any of `signals` aborts (at once if one already has); returns what
 * stops watching, to call when the call is over so the listeners do not outlive it.
 */
export function cancelWhenAborted(signals: readonly AbortSignal[], cancel: () => void): () => void {
  if (signals.some((signal) => signal.aborted)) {
    cancel();
    return noop;
  }
  for (const signal of signals) signal.addEventListener('abort', cancel, { once: true });
  return () => {
    for (const signal of signals) signal.removeEventListener('abort', cancel);
  };
}

const noop = () => {};

/** The first of `signals` that has aborted, to report why the call was cancelled. */
export function firstAborted(
  ...signals: ReadonlyArray<AbortSignal | undefined>
): AbortSignal | undefined {
  return signals.find((signal) => signal?.aborted);
}
