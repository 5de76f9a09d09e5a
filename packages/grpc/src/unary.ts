import type { ServiceError } from '@grpc/grpc-js';
import { type Attempt, currentContext, type Settle } from '@regionkit/core';
import { checkCallOptions } from './call-options.js';
import { markServerResponded } from './classify.js';
import { toCallError } from './errors.js';
import {
  attemptInterceptors,
  attemptMetadata,
  type ClientParts,
  coreCallOptions,
  firstAborted,
  where,
} from './invoke.js';
import type { ResolvedMethod } from './options.js';
import { ATTR_RPC_GRPC_STATUS_CODE, rpcAttributes } from './semconv.js';
import type { RegionalCallOptions } from './types.js';

/**
 * The promise form of a unary method. Each attempt is one grpc-js call to the attempt's
 * region, with the attempt's deadline as its gRPC deadline; the core decides whether and where
 * the next one goes.
 */
export function unaryInvoker(parts: ClientParts, method: ResolvedMethod) {
  const { path, requestSerialize, responseDeserialize } = method.definition;
  const label = where(parts, method);
  const rpc = rpcAttributes(path);
  return function call(request: unknown, callOptions?: RegionalCallOptions): Promise<unknown> {
    let options: RegionalCallOptions;
    try {
      options = checkCallOptions(callOptions, label);
    } catch (error) {
      return Promise.reject(error);
    }
    // The caller's signal and the inbound request's (the context's): either cancels the call.
    // The core watches both; this only needs to know whether there is one.
    const inbound = currentContext()?.signal;
    const cancellable = options.signal !== undefined || inbound !== undefined;
    // Callback style (core's `start`): grpc-js answers in a callback, and the call is decided
    // there, without a promise per attempt.
    const transport = (attempt: Attempt, outcome: Settle<unknown>) => {
      let responded = false;
      // Removed when the call completes: a listener on attempt.signal keeps the attempt (and
      // this grpc-js call) alive for as long as the caller's signal lives, often the process.
      let cancelOnAbort: (() => void) | undefined;
      const grpcCall = parts.grpcClient(attempt.region).makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        request,
        attemptMetadata(options),
        {
          deadline: attempt.attemptDeadline,
          interceptors: attemptInterceptors(parts, options, attempt),
        },
        (error: ServiceError | null, value?: unknown) => {
          if (cancelOnAbort) attempt.signal.removeEventListener('abort', cancelOnAbort);
          attempt.setAttributes(rpc);
          attempt.setAttributes({ [ATTR_RPC_GRPC_STATUS_CODE]: error ? error.code : 0 });
          if (error) {
            if (responded) markServerResponded(error);
            outcome.reject(error);
          } else {
            outcome.resolve(value);
          }
        },
      );
      grpcCall.on('metadata', () => {
        responded = true;
      });
      // The deadline ends a timed-out attempt by itself; only the caller's abort needs a cancel.
      if (cancellable) {
        cancelOnAbort = () => grpcCall.cancel();
        attempt.signal.addEventListener('abort', cancelOnAbort, { once: true });
      }
    };
    const result = Promise.withResolvers<unknown>();
    parts.core.start(
      {
        send: transport,
        resolve: result.resolve,
        reject: (error: unknown) =>
          result.reject(
            toCallError(error, parts.service, method.name, firstAborted(options.signal, inbound)),
          ),
      },
      coreCallOptions(method, options, options.signal),
    );
    return result.promise;
  };
}
