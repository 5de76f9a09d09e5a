import { type ClientWritableStream, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import { currentContext, newCorrelationId } from '@regionkit/core';
import { checkCallOptions } from './call-options.js';
import { RegionalGrpcError } from './errors.js';
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
export function pickRegion(parts: ClientParts, excluded: readonly string[] | undefined): string {
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
    throw new RegionalGrpcError({
      code: status.UNAVAILABLE,
      details: 'every region is excluded by the call',
      metadata: new Metadata(),
      service: parts.service,
      method: '',
      attempts: [],
      stoppedBecause: 'no-region-left',
      summary: 'nothing was sent',
      cause: undefined,
    });
  }
  return choice;
}

function openPinned(parts: ClientParts, method: ResolvedMethod, callOptions?: RegionalCallOptions) {
  const options = checkCallOptions(callOptions, where(parts, method));
  const region = pickRegion(parts, options.excludedRegions);
  const ambient = currentContext();
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
    cancelSignals: cancelSignals(options, ambient), // the caller's and the inbound request's
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
