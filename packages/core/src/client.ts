import { EventEmitter } from 'node:events';
import {
  type CallEnvironment,
  type CallExchange,
  type CallHandle,
  promiseExchange,
  type Transport,
} from './call.js';
import { defaultClassifier } from './classify.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { currentContext } from './context.js';
import { DeadlineWatch } from './deadline-watch.js';
import { startCall } from './direct-call.js';
import { ClientClosedError } from './errors.js';
import {
  type RegionkitEventMap,
  type RegionkitEventName,
  RegionkitEvents,
  warnListenerError,
} from './events.js';
import { Planner } from './planner.js';
import { type RegionHealthSnapshot, RegionState } from './region-state.js';
import { RetryBudget } from './retry-budget.js';
import { CallTracing } from './telemetry/call-tracing.js';
import { recordClientMetrics } from './telemetry/metrics.js';
import { failoverOrder } from './topology.js';
import type { CallOptions, Classifier, RegionalClientOptions } from './types.js';

export interface ExecuteOptions<T> extends CallOptions {
  /** Overrides the client's classifier (and a `start` exchange's own) for this call. */
  readonly classify?: Classifier<T>;
}

/** Health of one service across its regions, for status pages and dashboards. */
export interface ClientStatus {
  readonly service: string;
  readonly localRegion: string;
  readonly routing: string;
  /** Retries the budget still allows in its current window. */
  readonly retryBudgetAvailable: number;
  readonly regions: ReadonlyArray<RegionHealthSnapshot & { readonly share: number }>;
}

export interface RegionalClientInternals<T> {
  /** The adapter's protocol-aware classifier; the default treats any value as success. */
  readonly classify?: Classifier<T>;
  /** Injectable randomness for tests (jitter, weighted draws, probes). */
  readonly random?: () => number;
}

const liveClients = new Set<RegionalClient>();

/** Every regional client in this process that has not been closed (for status endpoints). */
export function regionalClients(): readonly RegionalClient[] {
  return [...liveClients];
}

/** The handle of a call that never started (the client was closed). */
const ENDED: CallHandle = Object.freeze({ abort() {}, callSignal: undefined });

/**
 * The region-aware engine for one logical service. `execute` runs an adapter's transport for
 * each attempt, in the region the plan picks, and learns from every outcome.
 */
export class RegionalClient<TDefault = unknown> {
  readonly service: string;
  readonly localRegion: string;
  readonly #config: ResolvedConfig;
  readonly #events: RegionkitEvents;
  readonly #regions: Map<string, RegionState>;
  readonly #env: CallEnvironment;
  readonly #classify: Classifier<unknown>;
  readonly #rotateBuckets = new EventEmitter();
  readonly #rotateTimer: NodeJS.Timeout;
  readonly #stopMetrics: () => void;
  #closed = false;

  constructor(options: RegionalClientOptions, internals: RegionalClientInternals<TDefault> = {}) {
    this.#config = resolveConfig(options);
    this.service = this.#config.service;
    this.localRegion = this.#config.localRegion;
    this.#events = new RegionkitEvents(options.onListenerError ?? warnListenerError);
    this.#classify = (internals.classify ?? defaultClassifier) as Classifier<unknown>;
    const now = Date.now();
    // One timer rotates every region's opossum window instead of one timer per breaker.
    this.#rotateBuckets.setMaxListeners(0);
    this.#rotateTimer = setInterval(
      () => this.#rotateBuckets.emit('rotate'),
      this.#config.breaker.rollingCountTimeoutMs / 10,
    ).unref();
    this.#regions = new Map(
      failoverOrder(
        this.#config.regions,
        this.#config.localRegion,
        this.#config.preferredRegions,
      ).map((name) => [
        name,
        new RegionState(name, this.#config, this.#events, this.#rotateBuckets, now),
      ]),
    );
    const random = internals.random ?? Math.random;
    this.#env = {
      config: this.#config,
      planner: new Planner([...this.#regions.values()], this.#config.routing, random),
      budget: new RetryBudget(this.#config.retryBudget, now),
      events: this.#events,
      regions: this.#regions,
      random,
      watch: new DeadlineWatch(),
      tracing: new CallTracing(this.#config.service, this.#config.telemetry.attemptSpans),
      backoffs: new Set(),
    };
    liveClients.add(this as RegionalClient);
    this.#stopMetrics = this.#config.telemetry.metrics
      ? recordClientMetrics(this as RegionalClient)
      : () => {};
  }

  /**
   * Runs one logical call. `transport` performs a single attempt against `attempt.region`;
   * it is called again (usually for another region) while the outcome is retriable, the call
   * is safe to resend, and the deadline, attempt limit and retry budget allow.
   *
   * Resolves with the value of the attempt that ended the call. Rejects with the transport's
   * own error when that error is fatal, with `AttemptsFailedError` / `DeadlineExceededError`
   * (listing every attempt) when retriable failures ran out, or `NoRegionAvailableError`.
   */
  execute<T = TDefault>(transport: Transport<T>, options: ExecuteOptions<T> = {}): Promise<T> {
    const result = Promise.withResolvers<T>();
    this.start(promiseExchange(transport, result), options);
    return result.promise;
  }

  /**
   * `execute` in callback style, for adapters on hot paths: `exchange.send` performs each
   * attempt and reports its outcome on the `Settle` it is given, and the call's result or error
   * goes to `exchange.resolve` / `exchange.reject`. An outcome reported synchronously is
   * decided synchronously, so when the first attempt succeeds (the common case) the result
   * arrives inside the transport's own callback, with no promise between the protocol and the
   * caller. `resolve` and `reject` run on the transport's stack, so they must not throw: catch
   * and route errors yourself, as a promise's resolvers do.
   *
   * Outcomes are classified by `options.classify` if given, else by `exchange.classify`, else
   * by the client's classifier. Returns a handle whose `abort(reason)` stops the call, for
   * adapters whose caller cancels through the protocol rather than an AbortSignal (an undici
   * controller's `abort`).
   */
  start<T = TDefault>(exchange: CallExchange<T>, options: ExecuteOptions<T>): CallHandle {
    if (this.#closed) {
      exchange.reject(new ClientClosedError(this.service));
      return ENDED;
    }
    const classify =
      options.classify ?? (exchange.classify ? undefined : (this.#classify as Classifier<T>));
    return startCall(this.#env, exchange, classify, options, currentContext());
  }

  /** Subscribes to an event; returns a disposer. Events are also on `regionkit:<name>` diagnostics channels. */
  on<K extends RegionkitEventName>(name: K, listener: (event: RegionkitEventMap[K]) => void) {
    return this.#events.on(name, listener);
  }

  /** Per-region health: weight, error rate, p99, breaker state and share of recent attempts. */
  status(): ClientStatus {
    const now = Date.now();
    const snapshots = [...this.#regions.values()].map((region) => region.snapshot(now));
    const total = snapshots.reduce((sum, s) => sum + s.requests, 0);
    return {
      service: this.service,
      localRegion: this.localRegion,
      routing: this.#config.routing,
      retryBudgetAvailable: Math.floor(this.#env.budget.available(now)),
      regions: snapshots.map((s) => ({ ...s, share: total ? s.requests / total : 0 })),
    };
  }

  /** Stops the breakers' timers. Calls made after this reject with ClientClosedError. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#rotateTimer);
    this.#env.watch.close();
    for (const region of this.#regions.values()) region.shutdown();
    // A call waiting to retry would otherwise keep the process alive until its wait ends.
    for (const backoff of this.#env.backoffs) backoff.abort(new ClientClosedError(this.service));
    liveClients.delete(this as RegionalClient);
    this.#stopMetrics();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

export function createRegionalClient<T = unknown>(
  options: RegionalClientOptions,
  internals?: RegionalClientInternals<T>,
): RegionalClient<T> {
  return new RegionalClient<T>(options, internals);
}
