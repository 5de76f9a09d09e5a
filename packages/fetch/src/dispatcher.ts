import type { RegionalClient } from '@regionkit/core';
import { ConfigError } from '@regionkit/core';
import { Agent, BalancedPool, Client, Dispatcher, errors, Pool, RoundRobinPool } from 'undici';
import type { CallsInProgress } from './calls-in-progress.js';
import type { ResponseHead } from './classify.js';
import { createRegionalInterceptor, singleOriginError } from './interceptor.js';
import type { RegionalCall } from './regional-call.js';
import type { RegionalDispatcherOptions } from './types.js';

/**
 * An undici Dispatcher for one regional service: pass it as `dispatcher` to `request()`,
 * `fetch()`, `stream()` or any undici API. Never installed as the global dispatcher.
 */
export class RegionalDispatcher extends Dispatcher {
  readonly client: RegionalClient<ResponseHead>;
  readonly logicalOrigin: string;
  readonly #base: Dispatcher;
  readonly #ownsBase: boolean;
  readonly #dispatch: Dispatcher.Dispatch;
  readonly #calls: CallsInProgress<RegionalCall>;
  /** Closing or destroying twice is fine (undici's Agent would throw). */
  #closed: Promise<void> | undefined;
  #destroyed: Promise<void> | undefined;

  /** @param internal set by `createRegionalFetch` only: this dispatcher serves a fetch function. */
  constructor(options: RegionalDispatcherOptions, internal?: { readonly viaFetch: boolean }) {
    super();
    const base = options?.dispatcher;
    if (base !== undefined && typeof (base as Partial<Dispatcher>)?.dispatch !== 'function') {
      throw new ConfigError(
        'dispatcher',
        'is not an undici Dispatcher',
        'Pass an undici Agent or a dispatcher composed on one, or leave it out to get a new Agent.',
      );
    }
    if (isSingleOrigin(base)) throw singleOriginError('given as its base', originOf(base));
    this.#ownsBase = base === undefined;
    // An Agent of ours is destroyed with this dispatcher, and takes its requests with it; the
    // caller's is left open, so this dispatcher must stop its own calls one by one.
    const { interceptor, calls } = createRegionalInterceptor(options, {
      keepCalls: !this.#ownsBase,
      viaFetch: internal?.viaFetch === true,
    });
    this.client = interceptor.client;
    this.logicalOrigin = interceptor.logicalOrigin;
    this.#calls = calls;
    this.#base = base ?? new Agent();
    this.#dispatch = interceptor(this.#base.dispatch.bind(this.#base));
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    if (this.#closed || this.#destroyed) {
      // As undici's dispatchers answer once closed: an error, and no work queued.
      const error = this.#destroyed
        ? new errors.ClientDestroyedError()
        : new errors.ClientClosedError();
      handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, error);
      return true;
    }
    return this.#dispatch(options, handler);
  }

  /**
   * Graceful, as undici's close is: no new request is taken, the calls in progress go on (with
   * their retries and failovers) to their end, then the core client closes and, if this
   * dispatcher created it, its Agent.
   */
  override close(callback: () => void): void;
  override close(): Promise<void>;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed ??= this.#calls.idle().then(() => {
      this.client.close();
      // After destroy there is nothing left to close gracefully.
      return this.#destroyed ?? (this.#ownsBase ? this.#base.close() : undefined);
    });
    const closed = this.#closed;
    if (!callback) return closed;
    closed.then(callback, callback);
  }

  override destroy(error: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(
    errorOrCallback?: Error | null | (() => void),
    callback?: () => void,
  ): Promise<void> | void {
    const error = typeof errorOrCallback === 'function' ? null : (errorOrCallback ?? null);
    const done = typeof errorOrCallback === 'function' ? errorOrCallback : callback;
    this.client.close(); // a call waiting to retry stops now
    this.#calls.abortAll(error ?? new errors.ClientDestroyedError());
    // Also after close, so destroy never waits for the requests close lets finish. (undici's
    // Agent, once closing, leaves a request already in flight to end on its own.)
    this.#destroyed ??= this.#ownsBase ? this.#base.destroy(error) : Promise.resolve();
    const destroyed = this.#destroyed;
    if (!done) return destroyed;
    destroyed.then(done, done);
  }
}

/** undici dispatchers bound to one origin (composed ones too: compose returns a proxy of it). */
function isSingleOrigin(base: unknown): boolean {
  return (
    base instanceof Pool ||
    base instanceof Client ||
    base instanceof BalancedPool ||
    base instanceof RoundRobinPool
  );
}

function originOf(base: unknown): string {
  return String((base as { origin?: unknown })?.origin ?? 'one origin');
}

/** Same as `new RegionalDispatcher(options)`. */
export function regionalDispatcher(options: RegionalDispatcherOptions): RegionalDispatcher {
  return new RegionalDispatcher(options);
}
