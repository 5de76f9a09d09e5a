import {
  type Attributes,
  type Context,
  context as otelContext,
  type TextMapSetter,
} from '@opentelemetry/api';
import {
  ABORTED,
  attemptDeadlineOf,
  Call,
  type CallEnvironment,
  type CallExchange,
  type CallHandle,
  type CallOrigin,
  callDeadlineOf,
  callPriority,
  isResendable,
  type Settle,
  verdictOn,
} from './call.js';
import { MAX_DEADLINE_MS } from './config.js';
import { callSignal, newCorrelationId, type RegionContext } from './context.js';
import {
  attemptTimedOut,
  injectTraceContextFrom,
  PendingAttempt,
  WatchedAttempt,
} from './pending-attempt.js';
import type { RegionState } from './region-state.js';
import type {
  Attempt,
  AttemptResult,
  CallOptions,
  Classifier,
  Priority,
  Verdict,
} from './types.js';

/**
 * Starts a call: in the direct lane when it fits, else as a full `Call`.
 *
 * Most calls are one attempt that succeeds, in a process where nothing listens to regionkit's
 * events and no OpenTelemetry SDK records them. Such a call uses none of what `Call` is built
 * for (retries, failover, failure records, events, the span), yet at thousands of calls a second
 * a `Call` and a `PendingAttempt` per call cost more main-thread time than the routing itself
 * (docs/performance.md). In the direct lane one `DirectCall` is both the call and its first
 * attempt, and does for a success exactly what `Call` would: count it for the region's breaker
 * and health, and hand the result to the exchange. Any other outcome (a failure, a timeout, the
 * caller's abort, a classifier error) or a listener that subscribed meanwhile hands the call to
 * a `Call` that continues from that outcome: every failure path is `Call`'s alone.
 */
export function startCall<T>(
  env: CallEnvironment,
  exchange: CallExchange<T>,
  classify: Classifier<T> | undefined,
  options: CallOptions,
  context: RegionContext | undefined,
): CallHandle {
  const { deadlineMs } = options;
  const now = Date.now();
  const deadline = callDeadlineOf(env.config, options, context, now);
  const signal = callSignal(options.signal, context);
  const traceContext = otelContext.active();
  // Calls that need `Call` from the start: events to build, options it refuses (naming the
  // field), regions to exclude, a caller that already gave up, no time left.
  if (
    needsEvents(env) ||
    (deadlineMs !== undefined &&
      !(typeof deadlineMs === 'number' && deadlineMs > 0 && deadlineMs <= MAX_DEADLINE_MS)) ||
    options.excludedRegions?.length ||
    signal?.aborted ||
    deadline <= now
  ) {
    return fullCall(env, exchange, classify, options, context, origin(now, signal, traceContext));
  }
  const opened = env.tracing.open(traceContext);
  if (opened) {
    return fullCall(env, exchange, classify, options, context, origin(now, signal, traceContext), {
      opened,
    });
  }
  // The one place besides `Call.#nextRegion` that asks the planner (a routing hook goes in both).
  const planned = env.planner.first(now);
  // Not closed: the attempt is a half-open breaker's probe, which only opossum admits.
  if (!planned?.breakerClosed) {
    const handedOver = { opened: undefined, planned };
    return fullCall(
      env,
      exchange,
      classify,
      options,
      context,
      origin(now, signal, traceContext),
      handedOver,
    );
  }
  const direct = new DirectCall(
    env,
    exchange,
    classify,
    options,
    context,
    signal,
    traceContext,
    now,
    deadline,
    planned,
  );
  direct.run();
  return direct;
}

/** Someone listens for a call's attempts or its end: only `Call` builds those events. */
function needsEvents(env: CallEnvironment): boolean {
  return env.events.wantsCallEvents();
}

function origin(
  startedAt: number,
  signal: AbortSignal | undefined,
  traceContext: Context,
): CallOrigin {
  return { startedAt, signal, traceContext, ownCorrelationId: undefined };
}

function fullCall<T>(
  env: CallEnvironment,
  exchange: CallExchange<T>,
  classify: Classifier<T> | undefined,
  options: CallOptions,
  context: RegionContext | undefined,
  from: CallOrigin,
  handedOver?: Parameters<Call<T>['start']>[0],
): Call<T> {
  const call = new Call(env, exchange, classify, options, context, from);
  call.start(handedOver);
  return call;
}

/**
 * A call in the direct lane (see `startCall`), and its first attempt: the `Attempt` the
 * exchange sends, the `Settle` it reports on, the deadline watch's entry. Once that attempt's
 * outcome is known, the call is done (a success) or a `Call`'s.
 */
class DirectCall<T> extends WatchedAttempt implements Attempt, Settle<T>, CallHandle {
  // Own enumerable fields are the attempt's public data only, as on `PendingAttempt`.
  readonly region: string;
  readonly number = 1;
  readonly attemptDeadline: number;
  readonly #env: CallEnvironment;
  readonly #exchange: CallExchange<T>;
  readonly #classify: Classifier<T> | undefined;
  readonly #options: CallOptions;
  readonly #context: RegionContext | undefined;
  /** The call's signal: the caller's, the context's, or both. */
  readonly #callSignal: AbortSignal | undefined;
  /** The OpenTelemetry context the call started in, for the `Call` that may take it over. */
  readonly #traceContext: Context;
  readonly #startedAt: number;
  readonly #deadline: number;
  /** The region the attempt goes to; its breaker was closed when the call started. */
  readonly #target: RegionState;
  #ownCorrelationId: string | undefined;
  /** Listens for the call's signal; only built when there is one. */
  #onAbort: (() => void) | undefined;
  /** The attempt's outcome is known: the call succeeded, or `#call` has it. */
  #settled = false;
  /** The call that took over from the attempt's outcome. */
  #call: Call<T> | undefined;
  #aborted = false;
  #abortReason: unknown;

  constructor(
    env: CallEnvironment,
    exchange: CallExchange<T>,
    classify: Classifier<T> | undefined,
    options: CallOptions,
    context: RegionContext | undefined,
    signal: AbortSignal | undefined,
    traceContext: Context,
    startedAt: number,
    deadline: number,
    target: RegionState,
  ) {
    super();
    this.region = target.name;
    this.#env = env;
    this.#exchange = exchange;
    this.#classify = classify;
    this.#options = options;
    this.#context = context;
    this.#callSignal = signal;
    this.#traceContext = traceContext;
    this.#startedAt = startedAt;
    this.#deadline = deadline;
    this.#target = target;
    const resendable = isResendable(options);
    this.attemptDeadline = attemptDeadlineOf(env.config, resendable, deadline, 1, startedAt);
  }

  /** Sends the first attempt (its region's breaker is closed: nothing to ask opossum). */
  run(): void {
    this.#env.budget.recordCall(this.#startedAt);
    this.#env.watch.add(this);
    const signal = this.#callSignal;
    if (signal) {
      this.#onAbort = () => this.#settle({ ok: false, error: signal.reason });
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    try {
      this.#exchange.send(this, this);
    } catch (error) {
      this.reject(error);
    }
  }

  abort(reason: unknown): void {
    if (this.#call) {
      this.#call.abort(reason);
      return;
    }
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    // Settled: if still deciding (an abort from inside the classifier), #takeOver passes it on;
    // after a success there is nothing left to stop.
    if (this.#settled) return;
    // As `PendingAttempt.abandon`: settled first, so the transport's own AbortError is ignored.
    this.#settle({ ok: false, error: reason });
    this.stopWork(reason);
  }

  // --- Settle: the transport's answer -------------------------------------------------------

  resolve(value: T): void {
    this.#settle({ ok: true, value });
  }

  reject(error: unknown): void {
    this.#settle({ ok: false, error });
  }

  // --- WatchedAttempt ------------------------------------------------------------------------

  expire(): void {
    const timedOut = attemptTimedOut(this, this.#startedAt);
    this.#settle(timedOut);
    this.stopWork(timedOut.error);
  }

  // --- Attempt, as the transport sees it ------------------------------------------------------

  get service(): string {
    return this.#env.config.service;
  }
  get callDeadline(): number {
    return this.#deadline;
  }
  get callSignal(): AbortSignal | undefined {
    return this.#callSignal;
  }
  get correlationId(): string {
    if (this.#context) return this.#context.correlationId;
    if (this.#call) return this.#call.correlationId(); // read first after the handover
    this.#ownCorrelationId ??= newCorrelationId();
    return this.#ownCorrelationId;
  }
  get priority(): Priority {
    return callPriority(this.#options, this.#context);
  }
  get idempotencyKey(): string | undefined {
    return this.#options.idempotencyKey;
  }
  get signal(): AbortSignal {
    return this.signalWithin(this.#callSignal);
  }
  get recording(): boolean {
    return false; // the direct lane only runs calls that no span records
  }

  injectTraceContext<C>(carrier: C, setter?: TextMapSetter<C>): void {
    injectTraceContextFrom(undefined, carrier, setter);
  }

  setAttributes(_attributes: Attributes): void {}

  // --- the outcome ----------------------------------------------------------------------------

  #settle(result: AttemptResult<T>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#env.watch.delete(this);
    if (this.#onAbort) this.#callSignal?.removeEventListener('abort', this.#onAbort);
    const target = this.#target;
    const verdict =
      this.#aborted || this.#callSignal?.aborted === true
        ? ABORTED
        : verdictOn(this.#classify, this.#exchange, result, this);
    if (!result.ok || verdict.kind !== 'success' || needsEvents(this.#env)) {
      this.#takeOver(result, verdict);
      return;
    }
    // What `Call` does with a success that nothing listens to or records.
    target.countClosedAttempt(false);
    const finished = Date.now();
    target.record(false, finished - this.#startedAt, finished);
    if (this.#context) this.#context.servedBy = target.name;
    this.#exchange.resolve(result.value);
  }

  /** A `Call` continues from this attempt's outcome, with the same start and correlation ID. */
  #takeOver(result: AttemptResult<T>, verdict: Verdict): void {
    const call = new Call(this.#env, this.#exchange, this.#classify, this.#options, this.#context, {
      startedAt: this.#startedAt,
      signal: this.#callSignal,
      traceContext: this.#traceContext,
      ownCorrelationId: this.#ownCorrelationId,
    });
    this.#call = call;
    if (this.#aborted) call.abort(this.#abortReason);
    // The attempt as `Call` records it: it ran with the breaker closed.
    const first = new PendingAttempt(call, this.#target, 1, this.#startedAt, 'closed');
    call.takeOver(first, result, verdict);
  }
}
