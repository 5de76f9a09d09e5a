import type { RegionalClient } from '@regionkit/core';
import type { Dispatcher } from 'undici';
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
 * other origins pass through untouched. Compose it last, so it is the outermost interceptor.
 */
export function regionalInterceptor(options: RegionalHttpOptions): RegionalInterceptor {
  return createRegionalInterceptor(options, undefined);
}

/** `regionalInterceptor`, keeping its calls in progress in `live` if given (see ServiceRuntime). */
export function createRegionalInterceptor(
  options: RegionalHttpOptions,
  live: Set<RegionalCall> | undefined,
): RegionalInterceptor {
  const runtime = createServiceRuntime(options, live);
  const { ownOrigins, logicalOrigin } = runtime.config;
  const interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) =>
    function regionalDispatch(opts, handler) {
      if (!isOwnOrigin(ownOrigins, logicalOrigin, opts.origin)) return dispatch(opts, handler);
      return new RegionalCall(runtime, dispatch, opts, handler).start();
    };
  return Object.assign(interceptor, {
    client: runtime.client,
    logicalOrigin: runtime.config.logicalOrigin,
    close: () => runtime.client.close(),
  });
}
