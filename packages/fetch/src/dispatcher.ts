import type { RegionalClient } from '@regionkit/core';
import { ConfigError } from '@regionkit/core';
import { Agent, Dispatcher, errors } from 'undici';
import type { ResponseHead } from './classify.js';
import { createRegionalInterceptor } from './interceptor.js';
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
  /** Calls in progress, when the base dispatcher is the caller's (see the constructor). */
  readonly #live: Set<RegionalCall> | undefined;
  /** Closing or destroying twice is fine (undici's Agent would throw). */
  #closed: Promise<void> | undefined;
  #destroyed: Promise<void> | undefined;

  constructor(options: RegionalDispatcherOptions) {
    super();
    const base = options?.dispatcher;
    if (base !== undefined && typeof (base as Partial<Dispatcher>)?.dispatch !== 'function') {
      throw new ConfigError(
        'dispatcher',
        'is not an undici Dispatcher',
        'Pass an undici Agent, Pool or composed dispatcher, or leave it out to get a new Agent.',
      );
    }
    this.#ownsBase = base === undefined;
    // An Agent of ours is destroyed with this dispatcher, and takes its requests with it; the
    // caller's is left alone, so this dispatcher must stop its own calls.
    this.#live = this.#ownsBase ? undefined : new Set();
    const interceptor = createRegionalInterceptor(options, this.#live);
    this.client = interceptor.client;
    this.logicalOrigin = interceptor.logicalOrigin;
    this.#base = base ?? new Agent();
    this.#dispatch = interceptor(this.#base.dispatch.bind(this.#base));
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    return this.#dispatch(options, handler);
  }

  /** Closes the core client and, if this dispatcher created it, the Agent (gracefully). */
  override close(callback: () => void): void;
  override close(): Promise<void>;
  override close(callback?: () => void): Promise<void> | void {
    this.client.close();
    // After destroy there is nothing left to close gracefully.
    this.#closed ??= this.#destroyed ?? (this.#ownsBase ? this.#base.close() : Promise.resolve());
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
    this.client.close();
    if (this.#live) {
      const reason = error ?? new errors.ClientDestroyedError();
      for (const call of [...this.#live]) call.abort(reason);
    }
    // Also after close, so destroy never waits for the requests close lets finish. (undici's
    // Agent, once closing, leaves a request already in flight to end on its own.)
    this.#destroyed ??= this.#ownsBase ? this.#base.destroy(error) : Promise.resolve();
    const destroyed = this.#destroyed;
    if (!done) return destroyed;
    destroyed.then(done, done);
  }
}

/** Same as `new RegionalDispatcher(options)`. */
export function regionalDispatcher(options: RegionalDispatcherOptions): RegionalDispatcher {
  return new RegionalDispatcher(options);
}
