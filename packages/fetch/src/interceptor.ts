import { ConfigError, type RegionalClient } from '@regionkit/core';
import type { Dispatcher } from 'undici';
import type { CallsInProgress } from './calls-in-progress.js';
import type { ResponseHead } from './classify.js';
import { RegionalCall } from './regional-call.js';
import { createServiceRuntime, isOwnOrigin } from './runtime.js';
import type { RegionalHttpOptions } from './types.js';

export interface RegionalInterceptor extends Dispatcher.DispatcherComposeInterceptor {
  /** The core client: `status()`, `on(...)`, `close()`. */
  readonly client: RegionalClient<ResponseHead>;
  /** Origin that names the whole service (`http://orders.regional` by default). */
  readonly logicalOrigin: string;
  /** Closes the core client (breaker timers). The dispatchers it was composed on stay yours. */
  close(): void;
}

/**
 * undici interceptor factory: `agent.compose(regionalInterceptor({ service, localRegion, regions }))`.
 *
 * Requests whose origin is the service's logical origin or any region's origin are routed by
 * regionkit: each attempt is re-dispatched to the chosen region's origin with the same path,
 * query, headers and body, through the interceptors composed *before* this one. Requests to
 * other origins pass through untouched. Interceptors composed before it run once per attempt,
 * those after it once per call (see the README for which go where).
 */
export function regionalInterceptor(options: RegionalHttpOptions): RegionalInterceptor {
  return createRegionalInterceptor(options, { keepCalls: false, viaFetch: false }).interceptor;
}

/** `regionalInterceptor`, and its calls in progress (see ServiceRuntime for the flags). */
export function createRegionalInterceptor(
  options: RegionalHttpOptions,
  { keepCalls, viaFetch }: { readonly keepCalls: boolean; readonly viaFetch: boolean },
): { interceptor: RegionalInterceptor; calls: CallsInProgress<RegionalCall> } {
  const runtime = createServiceRuntime(options, keepCalls, viaFetch);
  const { ownOrigins, logicalOrigin } = runtime.config;
  const interceptor = (dispatch: Dispatcher.Dispatch, origin?: unknown): Dispatcher.Dispatch => {
    // undici's compose passes the origin of a single-origin dispatcher (a Pool, a Client),
    // which would send every region's attempts to that one origin.
    if (origin != null) throw singleOriginError('composed onto', String(origin));
    return function regionalDispatch(opts, handler) {
      if (!isOwnOrigin(ownOrigins, logicalOrigin, opts.origin)) return dispatch(opts, handler);
      return new RegionalCall(runtime, dispatch, opts, handler).start();
    };
  };
  return {
    interceptor: Object.assign(interceptor, {
      client: runtime.client,
      logicalOrigin: runtime.config.logicalOrigin,
      close: () => runtime.client.close(),
    }),
    calls: runtime.calls,
  };
}

/** regionkit sends each attempt to its region's origin, which a one-origin dispatcher ignores. */
export function singleOriginError(how: string, origin: string): ConfigError {
  return new ConfigError(
    'dispatcher',
    `is a single-origin undici dispatcher (${origin}) that regionkit was ${how}; it would send every region's attempts to that one origin`,
    'Use an Agent (new Agent({ connections }) tunes the pool of every origin), or leave it out to get a new Agent.',
  );
}
