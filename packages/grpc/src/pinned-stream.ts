import type { ClientWritableStream, ServiceError } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import {
  ClientClosedError,
  currentContext,
  NoRegionAvailableError,
  newCorrelationId,
} from '@regionkit/core';
import { checkCallOptions } from './call-options.js';
import { toCallError } from './errors.js';
import { stampOf } from './interceptor.js';
import {
  attemptInterceptors,
  attemptMetadata,
  type ClientParts,
  cancelSignals,
  cancelWhenAborted,
  streamDeadline,
  where,
} from './invoke.js';
import type { ResolvedMethod } from './options.js';
import type { RegionalCallOptions } from './types.js';

/**
 * Client- and bidi-streaming calls are pinned: the region is chosen once, when the call
 * starts, and there is no failover. Messages the caller wrote cannot be replayed to another
 * region without buffering the whole stream, and a half-finished conversation has no safe
 * resend, so the caller decides (on the status) whether to open a new stream.
 *
 * The region is the first the core would pick now: local first, skipping regions whose
 * breaker is open, whose health took them out of rotation (weight 0) or that asked to be left
 * alone (pushback). If none qualifies the stream still opens, in the best region whose breaker
 * admits calls, so its status tells what happened.
 */
export function pickRegion(
  parts: ClientParts,
  method: string,
  excluded: readonly string[] | undefined,
): string {
  const health = new Map(parts.core.status().regions.map((r) => [r.region, r]));
  const candidates = parts.failoverOrder.filter((name) => !excluded?.includes(name));
  const usable = (name: string) => health.get(name)?.breaker !== 'open';
  const healthy = (name: string) => {
    const region = health.get(name);
    return region !== undefined && region.weight > 0 && region.coolingUntil === 0;
  };
  const choice =
    candidates.find((name) => usable(name) && healthy(name)) ??
    candidates.find(usable) ??
    candidates[0];
  if (choice === undefined) {
    throw toCallError(
      new NoRegionAvailableError(parts.service, 'every region is excluded by the call'),
      parts.service,
      method,
      undefined,
    );
  }
  return choice;
}

function openPinned(parts: ClientParts, method: ResolvedMethod, callOptions?: RegionalCallOptions) {
  const options = checkCallOptions(callOptions, where(parts, method));
  const ambient = currentContext();
  const signals = cancelSignals(options, ambient); // the caller's and the inbound request's
  // Refused before a region is picked, as unary calls and server streams are: nothing is sent.
  if (parts.closed()) {
    throw toCallError(new ClientClosedError(parts.service), parts.service, method.name, undefined);
  }
  const aborted = signals.find((signal) => signal.aborted);
  if (aborted) throw toCallError(undefined, parts.service, method.name, aborted);
  const region = pickRegion(parts, method.name, options.excludedRegions);
  const correlationId = ambient?.correlationId ?? newCorrelationId();
  const stamp = stampOf(
    correlationId,
    options.idempotencyKey,
    context.active(),
    1,
    options.priority ?? ambient?.priority,
  );
  return {
    region,
    correlationId,
    client: parts.grpcClient(region),
    metadata: attemptMetadata(options),
    callOptions: {
      deadline: streamDeadline(options, method, ambient?.deadline),
      interceptors: attemptInterceptors(parts, options, stamp),
    },
    cancelSignals: signals,
  };
}

export function clientStreamInvoker(parts: ClientParts, method: ResolvedMethod) {
  const { path, requestSerialize, responseDeserialize } = method.definition;
  return function call(callOptions?: RegionalCallOptions) {
    const pinned = openPinned(parts, method, callOptions);
    let settle!: (error: ServiceError | null, value?: unknown) => void;
    const response = new Promise((resolve, reject) => {
      settle = (error, value) => (error ? reject(error) : resolve(value));
    });
    // A caller that only watches the stream must not get an unhandled rejection.
    response.catch(() => {});
    const grpcCall: ClientWritableStream<unknown> = pinned.client.makeClientStreamRequest(
      path,
      requestSerialize,
      responseDeserialize,
      pinned.metadata,
      pinned.callOptions,
      (error, value) => settle(error, value),
    );
    cancelOnAbort(grpcCall, pinned.cancelSignals);
    return Object.defineProperties(grpcCall, {
      response: { value: response, enumerable: true },
      region: { value: pinned.region, enumerable: true },
      correlationId: { value: pinned.correlationId, enumerable: true },
    });
  };
}

export function bidiStreamInvoker(parts: ClientParts, method: ResolvedMethod) {
  const { path, requestSerialize, responseDeserialize } = method.definition;
  return function call(callOptions?: RegionalCallOptions) {
    const pinned = openPinned(parts, method, callOptions);
    const grpcCall = pinned.client.makeBidiStreamRequest(
      path,
      requestSerialize,
      responseDeserialize,
      pinned.metadata,
      pinned.callOptions,
    );
    cancelOnAbort(grpcCall, pinned.cancelSignals);
    return Object.defineProperties(grpcCall, {
      region: { value: pinned.region, enumerable: true },
      correlationId: { value: pinned.correlationId, enumerable: true },
    });
  };
}

function cancelOnAbort(call: ClientWritableStream<unknown>, signals: readonly AbortSignal[]): void {
  if (signals.length === 0) return;
  call.once(
    'status',
    cancelWhenAborted(signals, () => call.cancel()),
  );
}
