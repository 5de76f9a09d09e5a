import { type Attributes, type Context, context as otelContext } from '@opentelemetry/api';
import pRetry from 'p-retry';
import { fullJitterDelayMs } from './backoff.js';
import { MAX_DEADLINE_MS, type ResolvedConfig } from './config.js';
import { callSignal, newCorrelationId, type RegionContext, runWithContext } from './context.js';
import type { DeadlineWatch } from './deadline-watch.js';
import {
  type AttemptRecord,
  AttemptsFailedError,
  AttemptTimeoutError,
  ClientClosedError,
  DeadlineExceededError,
  NoRegionAvailableError,
  type StopReason,
} from './errors.js';
import type { CallEvent, RegionkitEvents } from './events.js';
import { type BreakerCount, PendingAttempt } from './pending-attempt.js';
import type { Planner } from './planner.js';
import type { RegionState } from './region-state.js';
import type { RetryBudget } from './retry-budget.js';
import { sleep } from './sleep.js';
import type { CallSpan, CallTracing, OpenedSpan } from './telemetry/call-tracing.js';
import {
  ATTR_BREAKER_STATE,
  ATTR_CLOUD_REGION,
  ATTR_DELAY_MS,
  ATTR_FROM_REGION,
  ATTR_REASON,
  ATTR_TO_REGION,
  EVENT_BREAKER,
  EVENT_BUDGET_EXHAUSTED,
  EVENT_FAILOVER,
  EVENT_RETRY,
} from './telemetry/semconv.js';
import type {
  Attempt,
  AttemptResult,
  CallOptions,
  Classifier,
  Priority,
  Verdict,
} from './types.js';

/** What a call shares with the client that runs it. */
export interface CallEnvironment {
  readonly config: ResolvedConfig;
  readonly planner: Planner;
  readonly budget: RetryBudget;
  readonly events: RegionkitEvents;
  readonly regions: ReadonlyMap<string, RegionState>;
  readonly random: () => number;
  readonly watch: DeadlineWatch;
  readonly tracing: CallTracing;
  /** The backoff waits in progress, ended by the client's close(). */
  readonly backoffs: Set<AbortController>;
}

/** Performs one attempt and answers with a promise (see `RegionalClient.execute`). */
export type Transport<T> = (attempt: Attempt) => Promise<T>;

/** What `RegionalClient.start` returns: a way to stop the call it started. */
export interface CallHandle {
  /**
   * Stops the call as if its `signal` had aborted: the attempt in flight is abandoned (its
   * `attempt.signal` aborts), a backoff wait ends at once, no further attempt is made, and
   * the exchange is told `reason`. Does nothing once the call has ended.
   */
  abort(reason: unknown): void;
  /**
   * What stops the call: the caller's `signal`, the context's, or one that aborts with either
   * (see `callSignal`). An adapter whose response outlives the call (a body still streaming)
   * can keep following it.
   */
  readonly callSignal: AbortSignal | undefined;
}

/** Receives exactly one outcome; later calls are ignored. */
export interface Settle<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * One call as an adapter runs it (see `RegionalClient.start`): `send` performs each attempt,
 * `classify` (if present) judges each attempt's outcome, and `resolve` / `reject` receive the
 * call's result. One object per call, so an adapter's per-call state is also what the call
 * reports to, with no closure per call.
 */
export interface CallExchange<T> extends Settle<T> {
  /**
   * Performs one attempt against `attempt.region` and reports its outcome on `outcome`,
   * synchronously if it can: an adapter that knows the answer inside a protocol callback (a
   * response head) lets the call decide in that same callback.
   */
  send(attempt: Attempt, outcome: Settle<T>): void;
  /**
   * The protocol's classifier. The call's `options.classify` overrides it; the client's
   * classifier is used when neither is given.
   */
  classify?(result: AttemptResult<T>, attempt: Attempt): Verdict;
}

/** The exchange of `execute`: a promise transport, and the call's result on `done`. */
export function promiseExchange<T>(transport: Transport<T>, done: Settle<T>): CallExchange<T> {
  return {
    send(attempt, outcome) {
      transport(attempt).then(
        (value) => outcome.resolve(value),
        (error: unknown) => outcome.reject(error),
      );
    },
    resolve: (value) => done.resolve(value),
    reject: (error) => done.reject(error),
  };
}

type RetriableVerdict = Extract<Verdict, { kind: 'retriable' }>;

/** A retriable attempt, thrown so that p-retry runs the next one. */
class RetriableAttempt<T> extends Error {
  constructor(
    readonly region: RegionState,
    readonly result: AttemptResult<T>,
    readonly verdict: RetriableVerdict,
  ) {
    super(verdict.reason);
  }
}

/** Thrown out of p-retry to end the call with a value (a final 503 response, say). */
class ReturnValue<T> {
  constructor(
    readonly value: T,
    readonly stoppedBecause: StopReason,
    /** The region that answered with it: it served the call. */
    readonly region: string,
  ) {}
}

/** opossum's answer once the client was closed (its breakers shut down) mid-call. */
function isShutdown(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ESHUTDOWN';
}

/** An opossum rejection: the breaker is open and the attempt was never run. */
function isBreakerRejection(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EOPENBREAKER';
}

export const ABORTED: Verdict = Object.freeze({ kind: 'aborted' });

/** The classifier threw: the call ends with its error, which is not held against the region. */
class ClassifierFailed {
  readonly kind = 'fatal';
  readonly reason = 'classifier-error';
  readonly result: AttemptResult<never>;
  constructor(error: unknown) {
    this.result = { ok: false, error };
  }
}

/**
 * The verdict on an attempt's outcome: the call's or client's classifier if given, else the
 * exchange's. A classifier bug must not leave the call (or a half-open breaker) waiting
 * forever: its error comes back as a `ClassifierFailed` verdict.
 */
export function verdictOn<T>(
  classify: Classifier<T> | undefined,
  exchange: CallExchange<T>,
  result: AttemptResult<T>,
  attempt: Attempt,
): Verdict {
  try {
    const verdict = classify
      ? classify(result, attempt)
      : (exchange as Required<CallExchange<T>>).classify(result, attempt);
    return excuseClientStall(result, verdict);
  } catch (error) {
    return new ClassifierFailed(error);
  }
}

/** What the direct lane (direct-call.ts) already worked out for a call it hands over. */
export interface CallOrigin {
  readonly startedAt: number;
  /** The OpenTelemetry context the call started in: its retries run in it too. */
  readonly traceContext: Context;
  /** The signal that stops the call (see `callSignal`). */
  readonly signal: AbortSignal | undefined;
  /** The correlation ID its first attempt sent, if the call drew its own. */
  readonly ownCorrelationId: string | undefined;
}

/** An attempt's deadline: the fixed attempt timeout if configured, else an equal share of what is left. */
export function attemptDeadlineOf(
  config: ResolvedConfig,
  resendable: boolean,
  callDeadline: number,
  number: number,
  now: number,
): number {
  const fixed = config.retry.attemptTimeoutMs;
  if (fixed !== undefined) return Math.min(now + fixed, callDeadline);
  // A call that cannot be resent gets all the time that is left.
  const attemptsLeft = resendable ? config.retry.maxAttempts - number + 1 : 1;
  return now + Math.max(1, Math.floor((callDeadline - now) / attemptsLeft));
}

/** A call's deadline (epoch ms): its own `deadlineMs`, capped by the context's deadline. */
export function callDeadlineOf(
  config: ResolvedConfig,
  options: CallOptions,
  context: RegionContext | undefined,
  startedAt: number,
): number {
  const ownDeadline = startedAt + (options.deadlineMs ?? config.deadlineMs);
  const inherited = context?.deadline;
  return inherited !== undefined ? Math.min(ownDeadline, inherited) : ownDeadline;
}

/** A call's priority: its own, else the context's. */
export function callPriority(options: CallOptions, context: RegionContext | undefined): Priority {
  return options.priority ?? context?.priority ?? 'default';
}

/** May a call with these options be sent more than once? */
export function isResendable(options: CallOptions): boolean {
  // A blank key identifies nothing: the server cannot tell two sends of it apart.
  return options.idempotent === true || isKey(options.idempotencyKey);
}

const BREAKER_REJECTED: RetriableVerdict = Object.freeze({
  kind: 'retriable',
  reason: 'breaker-open',
  neverSent: true,
  regionFault: false,
});

/**
 * One logical call: plans regions, runs attempts through each region's breaker, and decides
 * after every failure whether and where to try again. p-retry drives the loop (attempt count,
 * abort); this class decides the target, the delay and when to stop.
 *
 * The first attempt's outcome is handled synchronously, from the transport's answer to the
 * caller's result, with no promise in between: at thousands of calls a second, each await on the
 * common path costs more CPU than the routing decisions. Retries are rare and use plain async
 * code.
 *
 * Shaped for what comes next: an attempt is self-contained (a `PendingAttempt` that settles on
 * its own and reports to the call), so hedging can start a second one in parallel once
 * `#attemptOver` routes outcomes per attempt rather than by number, and the target choice
 * (`#nextRegion`, and `startCall` for the direct lane's first attempt) is where home-region
 * pinning or session stickiness would hook in.
 */
export class Call<T> implements CallHandle {
  readonly #env: CallEnvironment;
  /** Sends the attempts; told the call's result (or error) once, when the call ends. */
  readonly #exchange: CallExchange<T>;
  /** The call's or the client's classifier; undefined when the exchange classifies. */
  readonly #classify: Classifier<T> | undefined;
  readonly #options: CallOptions;
  /** The request context this call was made in; undefined outside any. */
  readonly #context: RegionContext | undefined;
  /** Aborts the call: the caller's `options.signal`, the context's, or both. */
  readonly #signal: AbortSignal | undefined;
  /** The ID of a call made outside any context, drawn when first read. */
  #ownCorrelationId: string | undefined;
  readonly #startedAt: number;
  readonly #deadline: number;
  readonly #deadlineMs: number;
  /** May this call be sent more than once? */
  readonly #resendable: boolean;
  readonly #priority: Priority;
  #next: RegionState | undefined;
  /** Attempts that got an outcome (a breaker's refusal included). */
  #attempts = 0;
  /** Region of the latest attempt that got an outcome. */
  #lastRegion: RegionState | undefined;
  /**
   * Regions whose attempt failed retriably (a breaker's refusal included), in order: the ones
   * a retry avoids. Allocated by the first such failure.
   */
  #tried: RegionState[] | undefined;
  #failures: AttemptRecord[] | undefined;
  #lastVerdict: Verdict['kind'] = 'success';
  #servedBy: string | undefined;
  #failoverReason: string | undefined;
  /** Present only when an OpenTelemetry SDK records this call. */
  #span: CallSpan | undefined;
  /** The OpenTelemetry context the call started in (see #inCallersScope). */
  readonly #traceContext: Context;
  /** The call has ended: its result or error went to the exchange (or is going there now). */
  #over = false;
  /** `abort()` was called; the reason is in #abortReason. */
  #aborted = false;
  #abortReason: unknown;
  /** The attempt whose transport is running, for `abort()`. */
  #inFlight: PendingAttempt<T> | undefined;
  /** Ends the current backoff wait early; only exists while the call waits. */
  #backoff: AbortController | undefined;
  /** Where the retry in flight reports to (see #attemptOver). */
  #retryOver: ((outcome: AttemptResult<T> | Error) => void) | undefined;

  constructor(
    env: CallEnvironment,
    exchange: CallExchange<T>,
    classify: Classifier<T> | undefined,
    options: CallOptions,
    context: RegionContext | undefined,
    origin?: CallOrigin,
  ) {
    this.#env = env;
    this.#exchange = exchange;
    this.#classify = classify;
    this.#options = options;
    this.#context = context;
    this.#signal = origin ? origin.signal : callSignal(options.signal, context);
    this.#startedAt = origin?.startedAt ?? Date.now();
    this.#ownCorrelationId = origin?.ownCorrelationId;
    this.#traceContext = origin?.traceContext ?? otelContext.active();
    this.#deadline = callDeadlineOf(env.config, options, context, this.#startedAt);
    this.#deadlineMs = this.#deadline - this.#startedAt;
    this.#resendable = isResendable(options);
    this.#priority = callPriority(options, context);
  }

  /**
   * Runs the call; its result or error goes to the exchange. The direct lane (direct-call.ts),
   * handing a call over before its first attempt, passes the span it opened and, if it got that
   * far, the region it planned (planning may have claimed a probe).
   */
  start(handedOver?: {
    readonly opened: OpenedSpan | undefined;
    readonly planned?: RegionState | undefined;
  }): void {
    const { config, budget, tracing } = this.#env;
    this.#span = tracing.start(
      this,
      handedOver ? handedOver.opened : tracing.open(this.#traceContext),
    );
    const { deadlineMs } = this.#options;
    const signal = this.#signal;
    if (
      deadlineMs !== undefined &&
      (typeof deadlineMs !== 'number' || Number.isNaN(deadlineMs) || deadlineMs > MAX_DEADLINE_MS)
    ) {
      this.#finish(true, undefined, undefined);
      this.#exchange.reject(
        new TypeError(
          `${config.service}: options.deadlineMs is ${String(deadlineMs)}; pass a number of milliseconds up to ${MAX_DEADLINE_MS}, or leave it out for the client's deadline`,
        ),
      );
      return;
    }
    // An already-aborted signal fires no 'abort' event: without this the request would go out.
    if (signal?.aborted) {
      this.#finish(true, 'aborted', signal.reason);
      this.#exchange.reject(signal.reason);
      return;
    }
    if (this.#deadlineMs <= 0) {
      const error = new DeadlineExceededError(config.service, this.#deadlineMs, []);
      this.#finish(true, 'deadline', error);
      this.#exchange.reject(error);
      return;
    }
    const first = handedOver?.planned ?? this.#nextRegion(this.#startedAt);
    if (!first) {
      const error = new NoRegionAvailableError(config.service, this.#unavailableDetail());
      this.#finish(true, 'no-region-left', error);
      this.#exchange.reject(error);
      return;
    }
    this.#next = first;
    budget.recordCall(this.#startedAt);
    // The first attempt runs outside p-retry and its outcome is handled synchronously: most
    // calls succeed at once and should pay neither for the retry machinery nor for promise
    // hops between the transport's answer and the caller.
    new PendingAttempt(this, first, 1, this.#startedAt).start();
  }

  /**
   * Where an attempt's outcome goes: the first attempt's to the call, a retry's to the p-retry
   * loop waiting for it (attempts run one at a time, so there is one such wait).
   */
  #attemptOver(pending: PendingAttempt<T>, outcome: AttemptResult<T> | Error): void {
    if (pending.number === 1) this.#afterFirstAttempt(outcome);
    else this.#retryOver?.(outcome);
  }

  /** The first attempt's outcome: the call's result, or the start of the retry loop. */
  #afterFirstAttempt(outcome: AttemptResult<T> | Error): void {
    if (!(outcome instanceof Error)) this.#end(outcome);
    else if (outcome instanceof RetriableAttempt) {
      this.#retry(outcome).then(
        (result) => this.#end(result),
        (error: unknown) => this.#stop(error),
      );
    } else this.#stop(outcome);
  }

  /** Attempts 2..maxAttempts, driven by p-retry after the first attempt failed retriably. */
  async #retry(first: RetriableAttempt<T>): Promise<AttemptResult<T>> {
    const maxAttempts = this.#env.config.retry.maxAttempts;
    await this.#beforeRetry(first, 1, maxAttempts - 1);
    return pRetry((n) => this.#attempt(this.#next as RegionState, n + 1), {
      retries: maxAttempts - 2,
      minTimeout: 0, // the delay is ours (full jitter, Retry-After), taken in #beforeRetry
      signal: this.#signal,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) =>
        this.#beforeRetry(error as RetriableAttempt<T>, attemptNumber + 1, retriesLeft),
    });
  }

  /** One attempt as p-retry wants it: resolves when the call is over, rejects otherwise. */
  #attempt(planned: RegionState, number: number): Promise<AttemptResult<T>> {
    if (this.#aborted) return this.#gaveUpBeforeAttempt();
    const now = Date.now();
    const region = this.#stillAdmitted(planned, now);
    this.#noteFailover(region);
    // A failover listener may have aborted the call (or its signal): send nothing then.
    if (this.#callerGaveUp()) return this.#gaveUpBeforeAttempt();
    return new Promise((resolve, reject) => {
      this.#retryOver = (outcome) =>
        outcome instanceof Error ? reject(outcome) : resolve(outcome);
      new PendingAttempt(this, region, number, now).start();
    });
  }

  /**
   * The retry's target was chosen before the backoff wait. If its breaker opened meanwhile, or
   * another call took its half-open probe, sending there would only spend this attempt on a
   * rejection: the attempt goes to the next region instead. It keeps the target, and takes the
   * rejection, when no other region is left or the other one is cooling down after a
   * Retry-After: the retry loop then waits that out as it would for any retry.
   */
  #stillAdmitted(planned: RegionState, now: number): RegionState {
    if (planned.breakerAdmits) return planned;
    const next = this.#nextRegion(now);
    if (!next || next === planned || next.isCooling(now)) return planned;
    this.#next = next;
    return next;
  }

  /**
   * A retry that leaves the region its last attempt failed in is a failover, told when the
   * attempt starts: by then the target is final (see #stillAdmitted), so the event, the span
   * and the call's `failedOver` / `failoverReason` always agree.
   */
  #noteFailover(region: RegionState): void {
    const left = this.#failures?.at(-1); // the failed attempt this retry follows
    if (!left || region.name === left.region) return;
    this.#failoverReason ??= left.reason;
    this.#emitFailover(left.region, region.name, left.reason);
  }

  /** The call ends with this attempt's result: a success, a fatal error or the caller's abort. */
  #end(result: AttemptResult<T>): void {
    const ended =
      this.#lastVerdict === 'success'
        ? undefined
        : this.#lastVerdict === 'aborted' || this.#callerGaveUp()
          ? 'aborted'
          : 'fatal';
    this.#finish(ended !== undefined, ended, result.ok ? undefined : result.error);
    if (result.ok) this.#exchange.resolve(result.value);
    else this.#exchange.reject(result.error);
  }

  /** The call ends without an attempt's result: retries ran out, or the client closed. */
  #stop(error: unknown): void {
    if (error instanceof ReturnValue) {
      // The last retriable answer (a 503 when retries ran out) is returned: its region served it.
      this.#served(error.region);
      this.#finish(true, error.stoppedBecause, undefined);
      this.#exchange.resolve(error.value as T);
      return;
    }
    this.#finish(true, this.#callerGaveUp() ? 'aborted' : stopReasonOf(error), error);
    this.#exchange.reject(error);
  }

  /**
   * The transport of `pending` settled: classifies the outcome, has the region's breaker count
   * it, and hands the attempt's verdict on.
   */
  attemptSettled(pending: PendingAttempt<T>, result: AttemptResult<T>): void {
    if (this.#inFlight === pending) this.#inFlight = undefined;
    // The caller gave up: not the region's fault, not worth another attempt, and the call ends
    // with the caller's reason, whatever the attempt's own outcome was.
    if (this.#callerGaveUp()) {
      this.#judged(pending, { ok: false, error: this.#gaveUpReason() }, ABORTED);
      return;
    }
    this.#judged(pending, result, verdictOn(this.#classify, this.#exchange, result, pending));
  }

  /**
   * Continues a call the direct lane ran until now, from its first attempt's outcome and the
   * verdict already passed on it (see direct-call.ts).
   */
  takeOver(first: PendingAttempt<T>, result: AttemptResult<T>, verdict: Verdict): void {
    this.#judged(first, result, verdict);
  }

  /** Has the region's breaker count an attempt's verdict, and hands the verdict on. */
  #judged(pending: PendingAttempt<T>, settled: AttemptResult<T>, verdict: Verdict): void {
    const result = verdict instanceof ClassifierFailed ? verdict.result : settled;
    const span = this.#span;
    if (span && pending.trace) {
      const failed = verdict.kind !== 'success' && verdict.kind !== 'aborted'; // no error
      span.endAttempt(pending.trace, failed ? verdict.reason : undefined);
    }
    // opossum counts it synchronously (see BreakerReport), so the decision below sees, and the
    // span records, any breaker state change this outcome caused (and only this one's: another
    // call's attempt may have moved the breaker while this one was out).
    const stateBeforeReport = pending.target.breakerState;
    pending.reportToBreaker(breakerCount(verdict));
    this.#decide(pending, result, verdict, pending.target.breakerState !== stateBeforeReport);
  }

  /** opossum did not run the attempt: its breaker is open, or the client was closed. */
  attemptRefused(pending: PendingAttempt<T>, error: unknown): void {
    if (isShutdown(error))
      this.#attemptOver(pending, new ClientClosedError(this.#env.config.service));
    else if (isBreakerRejection(error))
      this.#decide(pending, { ok: false, error }, BREAKER_REJECTED, false);
    else this.#attemptOver(pending, error instanceof Error ? error : new Error(String(error))); // a bug here
  }

  /** Records an attempt's outcome against its region and tells the attempt's owner. */
  #decide(
    pending: PendingAttempt<T>,
    result: AttemptResult<T>,
    verdict: Verdict,
    movedBreaker: boolean,
  ): void {
    const region = pending.target;
    const finished = Date.now();
    const durationMs = finished - pending.startedAt;
    if (this.#span && movedBreaker) {
      this.#span.event(EVENT_BREAKER, {
        [ATTR_CLOUD_REGION]: region.name,
        [ATTR_BREAKER_STATE]: region.breakerState,
      });
    }
    // Neither an unsent attempt nor one the caller abandoned says anything about the region.
    if (verdict !== BREAKER_REJECTED && !provedNothing(verdict)) {
      region.record(isRegionFault(verdict), durationMs, finished);
    }
    if (
      (verdict.kind === 'retriable' || verdict.kind === 'fatal') &&
      verdict.retryAfterMs !== undefined
    ) {
      region.coolDown(finished + verdict.retryAfterMs);
    }
    this.#attempts++;
    this.#lastRegion = region;
    this.#noteAttempt(region, pending.number, result, verdict, durationMs);
    if (verdict.kind === 'retriable') {
      if (this.#tried) this.#tried.push(region);
      else this.#tried = [region];
      this.#attemptOver(pending, new RetriableAttempt(region, result, verdict));
      return;
    }
    this.#lastVerdict = verdict.kind;
    if (verdict.kind !== 'aborted') {
      this.#served(region.name);
    }
    this.#attemptOver(pending, result);
  }

  abort(reason: unknown): void {
    if (this.#over || this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#inFlight?.abandon(reason); // settles as ABORTED: the call ends with `reason`
    this.#backoff?.abort(reason); // or the retry loop stops waiting and ends with it
  }

  /** `region` answered the call: the call's record, and the context's (see RegionContext). */
  #served(region: string): void {
    this.#servedBy = region;
    if (this.#context) this.#context.servedBy = region;
  }

  /** The caller gave up, through the call's or the context's signal, or `abort()`. */
  #callerGaveUp(): boolean {
    return this.#aborted || this.#signal?.aborted === true;
  }

  #gaveUpReason(): unknown {
    return this.#aborted ? this.#abortReason : this.#signal?.reason;
  }

  /** The caller gave up before the next attempt: the call ends with its reason as the result. */
  #gaveUpBeforeAttempt(): Promise<AttemptResult<T>> {
    this.#lastVerdict = 'aborted';
    // A result, not a rejection: p-retry rejects non-Errors, and the reason may be anything.
    return Promise.resolve({ ok: false, error: this.#gaveUpReason() });
  }

  /** The backoff wait before a retry; ends early (rejecting) if the caller gives up. */
  async #wait(delayMs: number): Promise<void> {
    if (this.#aborted) return; // #attempt ends the call with the reason
    const backoff = new AbortController();
    this.#backoff = backoff;
    this.#env.backoffs.add(backoff);
    const callerSignal = this.#signal;
    try {
      await sleep(
        delayMs,
        callerSignal ? AbortSignal.any([callerSignal, backoff.signal]) : backoff.signal,
      );
    } finally {
      this.#backoff = undefined;
      this.#env.backoffs.delete(backoff);
    }
  }

  /** Sends `pending` through the exchange, with the call's (or the attempt's own) span active. */
  startTransport(pending: PendingAttempt<T>): void {
    this.#inFlight = pending;
    if (pending.number === 1) this.#sendWithSpan(pending);
    else this.#inCallersScope(() => this.#sendWithSpan(pending));
  }

  #sendWithSpan(pending: PendingAttempt<T>): void {
    const span = this.#span;
    if (!span) {
      pending.send(this.#exchange);
      return;
    }
    span.runAttempt(pending.region, pending.number, (trace) => {
      pending.trace = trace;
      pending.send(this.#exchange);
    });
  }

  /**
   * Runs `fn` in the async context the call started in. The first attempt is sent from the
   * caller's own code; a retry is sent from a backoff timer or from the previous attempt's
   * callback, which run in whatever context the transport's connection was opened in: on a
   * reused keep-alive socket, another request's. Without this a retry would inject that
   * request's `traceparent` and baggage, and instrumentations and interceptors below it would
   * see that request's trace and regionkit context.
   */
  #inCallersScope(fn: () => void): void {
    otelContext.with(this.#traceContext, () => runWithContext(this.#context, fn));
  }

  /**
   * After retriable attempt number `attempt` failed: throws to end the call, or picks the next
   * region, waits the backoff and resolves so the next attempt runs.
   */
  async #beforeRetry(
    failure: RetriableAttempt<T>,
    attempt: number,
    retriesLeft: number,
  ): Promise<void> {
    if (!(failure instanceof RetriableAttempt)) throw failure;
    if (this.#aborted) throw this.#abortReason;
    const now = Date.now();
    const { verdict } = failure;
    const stop = (reason: StopReason): never => {
      throw failure.result.ok
        ? new ReturnValue(failure.result.value, reason, failure.region.name)
        : this.#stopError(reason, failure);
    };
    if (now >= this.#deadline) stop('deadline');
    if (!verdict.neverSent && !this.#resendable) stop('not-idempotent');
    if (retriesLeft <= 0) stop('max-attempts');
    const next = this.#nextRegion(now);
    if (!next) return stop('no-region-left');
    // Backoff spares a server that just failed and de-synchronises clients that failed
    // together. An attempt that never reached anyone, moving to another region, needs neither.
    const unsentFailover = verdict.neverSent === true && next !== failure.region;
    let delayMs = unsentFailover
      ? 0
      : fullJitterDelayMs(attempt, this.#env.config.retry, this.#env.random);
    if (next.isCooling(now)) delayMs = Math.max(delayMs, next.coolingUntil - now);
    if (now + delayMs >= this.#deadline) stop('deadline');
    // Unsent attempts cost the servers nothing, so only real resends draw on the budget.
    if (!verdict.neverSent && !this.#env.budget.tryAcquire(now)) {
      this.#emitBudgetExhausted(failure.region.name);
      this.#span?.event(EVENT_BUDGET_EXHAUSTED, { [ATTR_CLOUD_REGION]: failure.region.name });
      stop('budget-exhausted');
    }
    this.#next = next;
    this.#emitRetry(failure, next, attempt + 1, delayMs);
    if (delayMs > 0) await this.#wait(delayMs);
  }

  /**
   * The next target: the best healthy region this call has not tried yet, else the best region
   * overall, tried or not (a healthy one it tried beats an evicted or cooling one it did not).
   * Tried regions are skipped in the first pass, so they neither crowd it nor use a probe slot.
   */
  #nextRegion(now: number): RegionState | undefined {
    const { planner } = this.#env;
    const excluded = this.#options.excludedRegions;
    const isExcluded = excluded?.length
      ? (region: RegionState) => excluded.includes(region.name)
      : undefined;
    const tried = this.#tried;
    if (!tried) return planner.first(now, isExcluded);
    const untried = planner.firstHealthy(
      now,
      (region) => tried.includes(region) || isExcluded?.(region) === true,
    );
    return untried ?? planner.first(now, isExcluded);
  }

  /** An attempt's deadline (see attemptDeadlineOf). */
  attemptDeadline(number: number, now: number): number {
    return attemptDeadlineOf(this.#env.config, this.#resendable, this.#deadline, number, now);
  }

  #stopError(reason: StopReason, failure: RetriableAttempt<T>): Error {
    const attempts = this.#failures ?? [];
    const cause = failure.result.ok ? undefined : failure.result.error;
    if (reason === 'deadline') {
      return new DeadlineExceededError(this.#env.config.service, this.#deadlineMs, attempts, cause);
    }
    return new AttemptsFailedError(this.#env.config.service, attempts, reason, cause);
  }

  #unavailableDetail(): string {
    const excluded = this.#options.excludedRegions ?? [];
    return [...this.#env.regions.values()]
      .map(
        (r) =>
          `${r.name}: ${excluded.includes(r.name) ? 'excluded by the call' : `breaker ${r.breakerState}`}`,
      )
      .join(', ');
  }

  #noteAttempt(
    region: RegionState,
    number: number,
    result: AttemptResult<T>,
    verdict: Verdict,
    durationMs: number,
  ): void {
    const failed = verdict.kind !== 'success';
    const { events } = this.#env;
    if (!failed && !events.wants('attempt')) return; // the hot path allocates nothing here
    const record: AttemptRecord = {
      attempt: number,
      region: region.name,
      outcome: verdict === BREAKER_REJECTED ? 'rejected' : verdict.kind,
      reason:
        verdict.kind === 'success' ? 'ok' : verdict.kind === 'aborted' ? 'aborted' : verdict.reason,
      durationMs,
      ...(result.ok ? {} : { error: result.error }),
    };
    if (failed) {
      this.#failures ??= [];
      this.#failures.push(record);
    }
    if (events.wants('attempt')) {
      events.emit('attempt', {
        ...record,
        service: this.#env.config.service,
        correlationId: this.correlationId(),
      });
    }
  }

  #emitRetry(
    failure: RetriableAttempt<T>,
    next: RegionState,
    nextAttempt: number,
    delayMs: number,
  ): void {
    const { events, config } = this.#env;
    const base = {
      service: config.service,
      correlationId: this.correlationId(),
      fromRegion: failure.region.name,
      toRegion: next.name,
      reason: failure.verdict.reason,
    };
    if (events.wants('retry')) events.emit('retry', { ...base, nextAttempt, delayMs });
    this.#span?.event(EVENT_RETRY, { ...spanAttributes(base), [ATTR_DELAY_MS]: delayMs });
  }

  #emitFailover(fromRegion: string, toRegion: string, reason: string): void {
    const { events, config } = this.#env;
    const event = { fromRegion, toRegion, reason };
    if (events.wants('failover')) {
      events.emit('failover', {
        service: config.service,
        correlationId: this.correlationId(),
        ...event,
      });
    }
    this.#span?.event(EVENT_FAILOVER, spanAttributes(event));
  }

  #emitBudgetExhausted(region: string): void {
    const { events, config } = this.#env;
    if (events.wants('budgetExhausted')) {
      events.emit('budgetExhausted', {
        service: config.service,
        correlationId: this.correlationId(),
        region,
      });
    }
  }

  /** Ends the call's span and emits the `call` event, for whoever records them. */
  #finish(failed: boolean, stoppedBecause: CallEvent['stoppedBecause'], error: unknown): void {
    this.#over = true;
    const { events, config } = this.#env;
    const wantsEvent = events.wants('call');
    if (!wantsEvent && !this.#span) return;
    const attempts = this.#attempts;
    // Attempts that got an outcome went to more than one region. (A failover is announced when
    // the retry starts; if that attempt never ran — the client closed — the call did not move.)
    const lastRegion = this.#lastRegion;
    const failedOver = this.#tried?.some((region) => region !== lastRegion) === true;
    this.#span?.end({
      failed,
      servedBy: this.#servedBy,
      attempts,
      failedOver,
      failoverReason: this.#failoverReason,
      stoppedBecause,
      aborted: stoppedBecause === 'aborted',
      error,
    });
    if (!wantsEvent) return;
    events.emit('call', {
      service: config.service,
      correlationId: this.correlationId(),
      outcome: failed ? 'failure' : 'success',
      servedBy: this.#servedBy,
      attempts,
      failedOver,
      durationMs: Date.now() - this.#startedAt,
      ...(stoppedBecause ? { stoppedBecause } : {}),
      ...(this.#failoverReason ? { failoverReason: this.#failoverReason } : {}),
    });
  }

  // Read by PendingAttempt.
  get callDeadline(): number {
    return this.#deadline;
  }
  get priority(): Priority {
    return this.#priority;
  }
  get options(): CallOptions {
    return this.#options;
  }
  get signal(): AbortSignal | undefined {
    return this.#signal;
  }
  get callSignal(): AbortSignal | undefined {
    return this.#signal;
  }
  get watch(): DeadlineWatch {
    return this.#env.watch;
  }
  get service(): string {
    return this.#env.config.service;
  }
  // Read by CallTracing, only when an SDK records the call.
  get localRegion(): string {
    return this.#env.config.localRegion;
  }
  get idempotent(): boolean {
    return this.#resendable;
  }
  /**
   * The context's ID; a call made outside any context draws its own, only if something reads
   * it (most such calls send it, but generating one costs more than the rest of the call).
   */
  correlationId(): string {
    if (this.#context) return this.#context.correlationId;
    this.#ownCorrelationId ??= newCorrelationId();
    return this.#ownCorrelationId;
  }
}

function spanAttributes(move: {
  fromRegion: string;
  toRegion: string;
  reason: string;
}): Attributes {
  return {
    [ATTR_FROM_REGION]: move.fromRegion,
    [ATTR_TO_REGION]: move.toRegion,
    [ATTR_REASON]: move.reason,
  };
}

/** A timeout caused by this process stalling is retried, but not held against the region. */
function excuseClientStall<T>(result: AttemptResult<T>, verdict: Verdict): Verdict {
  if (result.ok || verdict.kind !== 'retriable') return verdict;
  const error = result.error;
  if (!(error instanceof AttemptTimeoutError) || !error.clientStalled) return verdict;
  return { ...verdict, reason: 'client-stall', regionFault: false };
}

function isKey(idempotencyKey: string | undefined): boolean {
  return typeof idempotencyKey === 'string' && /\S/.test(idempotencyKey);
}

function stopReasonOf(error: unknown): StopReason | undefined {
  if (error instanceof AttemptsFailedError) return error.stoppedBecause;
  if (error instanceof DeadlineExceededError) return 'deadline';
  if (error instanceof NoRegionAvailableError) return 'no-region-left';
  return undefined;
}

/**
 * An attempt that says nothing about its region: the caller gave up on it, or this process
 * stalled past its deadline (its answer may sit unread in a socket).
 */
function provedNothing(verdict: Verdict): boolean {
  return (
    verdict.kind === 'aborted' ||
    (verdict.kind === 'retriable' && verdict.reason === 'client-stall')
  );
}

/**
 * How the region's breaker counts the attempt. One that proved nothing is not counted: as a
 * success it would dilute the error rate a hung region must reach to open its breaker (and a
 * half-open breaker's probe, which opossum must hear about, then counts as a failure: see
 * `PendingAttempt.reportToBreaker`).
 */
function breakerCount(verdict: Verdict): BreakerCount {
  if (isRegionFault(verdict)) return 'fault';
  return provedNothing(verdict) ? 'none' : 'success';
}

function isRegionFault(verdict: Verdict): boolean {
  return verdict.kind === 'retriable'
    ? verdict.regionFault !== false
    : verdict.kind === 'fatal' && verdict.regionFault === true;
}
