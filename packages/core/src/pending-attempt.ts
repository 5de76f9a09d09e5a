import {
  type Attributes,
  type Context,
  context as otelContext,
  propagation,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { Call, CallExchange, Settle } from './call.js';
import type { Watched } from './deadline-watch.js';
import { AttemptTimeoutError } from './errors.js';
import type { BreakerState } from './events.js';
import { type BreakerAttempt, REGION_FAULT, type RegionState } from './region-state.js';
import type { AttemptTrace } from './telemetry/call-tracing.js';
import type { Attempt, AttemptResult, Priority } from './types.js';

/** How an attempt's verdict counts for its region's breaker ('none': not at all). */
export type BreakerCount = 'fault' | 'success' | 'none';

/** A sweep this much later than an attempt's deadline means the client itself stalled. */
const CLIENT_STALL_MS = 100;

const noop = () => {};

const NOT_STOPPED = Object.freeze({ stopped: false, reason: undefined });

/**
 * What both kinds of attempt (`PendingAttempt`, the direct lane's `DirectCall`) share: how the
 * client's deadline sweep sees it (`Watched`: its deadline, its place in the sweep's list) and
 * its `signal`, all kept private so the attempt's own enumerable fields stay its public data.
 */
export abstract class WatchedAttempt implements Watched {
  abstract readonly attemptDeadline: number;
  #watchIndex = -1;

  get deadline(): number {
    return this.attemptDeadline;
  }
  get watchIndex(): number {
    return this.#watchIndex;
  }
  set watchIndex(index: number) {
    this.#watchIndex = index;
  }

  /** Called by the sweep once `deadline` has passed: the attempt settles as timed out. */
  abstract expire(): void;

  /** `Attempt.remainingMs`. */
  remainingMs(): number {
    // Whole ms: deadlines may be fractional (a deadlineMs of 250.5), a header must not be.
    return Math.max(0, Math.floor(this.attemptDeadline - Date.now()));
  }

  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  /** Whether (and why) the transport's work was stopped: timed out, or the caller gave up. */
  #stop: { readonly stopped: boolean; readonly reason: unknown } = NOT_STOPPED;

  /** The attempt's `signal`, built on first read (see attemptAbortSignal). */
  protected signalWithin(callSignal: AbortSignal | undefined): AbortSignal {
    if (!this.#signal) {
      const built = attemptAbortSignal(callSignal, this.#stop);
      this.#controller = built.controller;
      this.#signal = built.signal;
    }
    return this.#signal;
  }

  /** Aborts the transport's work through the attempt's signal, now or when it is first read. */
  protected stopWork(reason: unknown): void {
    if (this.#stop.stopped) return;
    this.#stop = { stopped: true, reason };
    this.#controller?.abort(reason);
  }
}

/**
 * The outcome of an attempt that reached its deadline. A sweep far later than the deadline
 * means this process stalled (GC, a busy event loop), so the response may be sitting unread in
 * a socket: not evidence against the region.
 */
export function attemptTimedOut(
  attempt: Attempt,
  startedAt: number,
): { readonly ok: false; readonly error: AttemptTimeoutError } {
  const now = Date.now();
  const error = new AttemptTimeoutError(attempt.region, now - startedAt);
  if (now - attempt.attemptDeadline > CLIENT_STALL_MS) error.clientStalled = true;
  return { ok: false, error };
}

/**
 * An attempt's signal, built when the transport first reads it (most never do), and what aborts
 * it: the attempt's own controller (timeout, abandon) and, if the call has one, the call's
 * signal. An attempt already stopped when it is first read gets a signal aborted with the reason
 * it stopped: a transport that reads it late (after an await) must not start work nobody waits for.
 */
function attemptAbortSignal(
  callSignal: AbortSignal | undefined,
  stop: { readonly stopped: boolean; readonly reason: unknown },
): { readonly controller: AbortController; readonly signal: AbortSignal } {
  const controller = new AbortController();
  if (stop.stopped) controller.abort(stop.reason);
  const signal = callSignal ? AbortSignal.any([callSignal, controller.signal]) : controller.signal;
  return { controller, signal };
}

/** Writes the next hop's trace context from `from`, or from the active context. */
export function injectTraceContextFrom<C>(
  from: Context | undefined,
  carrier: C,
  setter?: TextMapSetter<C>,
): void {
  propagation.inject(from ?? otelContext.active(), carrier, setter);
}

/**
 * One attempt: what the transport is handed (the `Attempt`, and the `Settle` it reports on)
 * and its time in flight, admitted by its region's opossum breaker. It settles with the
 * transport's value or error, or with an AttemptTimeoutError at the attempt deadline (aborting
 * its signal), or with the caller's abort reason, whichever comes first, and hands that to the
 * call to classify. One object for all of that: every call makes at least one.
 *
 * The breaker counts the verdict (success, or failure for a region fault) at the moment the
 * call decides, so it sees exactly what the call decided: through the region's counts when the
 * breaker was closed at the start (see RegionState.countClosedAttempt), otherwise through a
 * BreakerReport this attempt settles.
 */
export class PendingAttempt<T>
  extends WatchedAttempt
  implements Attempt, Settle<T>, BreakerAttempt
{
  // Own enumerable fields are what a transport that logs or spreads its attempt sees: the
  // attempt's public data only. What the call and the deadline watch need is private, read
  // through accessors.
  readonly region: string;
  readonly number: number;
  readonly attemptDeadline: number;
  /** Set while an OpenTelemetry SDK records the call. */
  trace: AttemptTrace | undefined;
  readonly #call: Call<T>;
  readonly #target: RegionState;
  readonly #startedAt: number;
  readonly #breakerBefore: BreakerState;
  /** Listens for the caller's abort; only built when the call has a signal. */
  #onAbort: (() => void) | undefined;
  #settled = false;
  /** Present once the breaker admitted this attempt: where its verdict is counted. */
  #report: BreakerReport | undefined;
  /** opossum's answer to `fire`: rejects if the attempt is refused or counted as a fault. */
  #counted: Promise<unknown> | undefined;

  /**
   * `now` is when the attempt starts: passed in, as the call has just read the clock.
   * `breakerBefore` is given for an attempt that already ran (see direct-call.ts).
   */
  constructor(
    call: Call<T>,
    target: RegionState,
    number: number,
    now: number,
    breakerBefore: BreakerState = target.breakerState,
  ) {
    super();
    this.#call = call;
    this.#target = target;
    this.region = target.name;
    this.number = number;
    this.#startedAt = now;
    this.attemptDeadline = call.attemptDeadline(number, now);
    this.#breakerBefore = breakerBefore;
  }

  // --- Read by the call ---------------------------------------------------------------------

  get target(): RegionState {
    return this.#target;
  }
  get startedAt(): number {
    return this.#startedAt;
  }
  get breakerBefore(): BreakerState {
    return this.#breakerBefore;
  }

  // --- Attempt, as the transport sees it ------------------------------------------------------

  get service(): string {
    return this.#call.service;
  }
  get callDeadline(): number {
    return this.#call.callDeadline;
  }
  get correlationId(): string {
    return this.#call.correlationId();
  }
  get priority(): Priority {
    return this.#call.priority;
  }
  get idempotencyKey(): string | undefined {
    return this.#call.options.idempotencyKey;
  }
  get signal(): AbortSignal {
    return this.signalWithin(this.#call.signal);
  }

  injectTraceContext<C>(carrier: C, setter?: TextMapSetter<C>): void {
    injectTraceContextFrom(this.trace?.injectFrom, carrier, setter);
  }

  setAttributes(attributes: Attributes): void {
    this.trace?.span?.setAttributes(attributes);
  }

  get recording(): boolean {
    return this.trace?.span?.isRecording() === true;
  }

  // --- WatchedAttempt: the client's deadline sweep ----------------------------------------------

  expire(): void {
    const timedOut = attemptTimedOut(this, this.#startedAt);
    // Settled first, as in abandon: the timeout, not the transport's AbortError, is the outcome.
    this.#settle(timedOut);
    this.stopWork(timedOut.error);
  }

  // --- the attempt's life ---------------------------------------------------------------------

  /**
   * Starts the attempt if the region's breaker admits it. A closed breaker admits everything,
   * so it is not asked. Otherwise the attempt goes through `fire`: opossum calls its action
   * synchronously if it admits the attempt (the half-open probe); the transport starts only after
   * `fire` returned, so the promise opossum answers with is known (and handled) before any
   * outcome can be reported to it.
   */
  start(): void {
    // A closed breaker is not asked (see RegionState.countClosedAttempt): the attempt has no report.
    if (!this.#target.breakerClosed) {
      const counted = this.#target.breaker.fire(this);
      this.#counted = counted;
      if (!this.#report) {
        counted.then(noop, (error: unknown) => this.#call.attemptRefused(this, error));
        return;
      }
    }
    this.#call.watch.add(this);
    const signal = this.#call.signal;
    if (signal) {
      this.#onAbort = () => this.#settle({ ok: false, error: signal.reason });
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#call.startTransport(this);
  }

  /**
   * Called by the breaker's action when opossum admits this attempt: answers with where the
   * attempt will report its verdict, which opossum then counts.
   */
  admit(): PromiseLike<undefined> {
    this.#report = new BreakerReport();
    return this.#report;
  }

  send(exchange: CallExchange<T>): void {
    try {
      exchange.send(this, this);
    } catch (error) {
      this.reject(error);
    }
  }

  /** The transport's answer (ignored once the attempt timed out or the caller aborted). */
  resolve(value: T): void {
    this.#settle({ ok: true, value });
  }

  reject(error: unknown): void {
    this.#settle({ ok: false, error });
  }

  /** Has the breaker count this attempt's verdict, now: it changes state before returning. */
  reportToBreaker(count: BreakerCount): void {
    const report = this.#report;
    if (!report) {
      // Started while the breaker was closed, without asking it (a refused attempt never
      // reaches here: it has no transport to settle).
      if (count !== 'none') this.#target.countClosedAttempt(count === 'fault');
      return;
    }
    // Admitted by opossum (a half-open probe): it must hear one of the two, and any success
    // closes the breaker. A probe that proved nothing ('none') must not close it: a failure,
    // and the breaker waits for the next probe.
    if (count === 'success') {
      report.succeed();
      return;
    }
    report.fail(REGION_FAULT);
    this.#counted?.then(undefined, noop); // opossum rejects its own answer with the fault
  }

  /** The caller gave up on the call: abort the transport's work and settle as aborted. */
  abandon(reason: unknown): void {
    // Settled first: a transport that rejects at once on its signal must not decide the outcome.
    this.#settle({ ok: false, error: reason });
    this.stopWork(reason);
  }

  #settle(result: AttemptResult<T>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#call.watch.delete(this);
    if (this.#onAbort) this.#call.signal?.removeEventListener('abort', this.#onAbort);
    this.#call.attemptSettled(this, result);
  }
}

/**
 * An admitted attempt's verdict, as opossum counts it. opossum reads its action's result with
 * `result.then(onSuccess).catch(onFailure)`; answering with this thenable instead of a promise
 * lets the attempt call those handlers itself, synchronously, when its verdict is known. The
 * breaker has then counted the outcome (and opened or closed, if it had to) before the call
 * decides what to do next, with no promise and no microtask per attempt.
 *
 * It implements what a promise does for one `then` and one `catch` registered before it settles:
 * a rejection goes to `then`'s `onRejected` if given, else to `catch`; an error thrown by a
 * handler goes to `catch`.
 */
class BreakerReport implements PromiseLike<undefined> {
  #onFulfilled: ((value: undefined) => unknown) | undefined;
  #onRejected: ((reason: unknown) => unknown) | undefined;
  #onCaught: ((reason: unknown) => unknown) | undefined;

  // biome-ignore lint/suspicious/noThenProperty: this object is a thenable on purpose (see above)
  then<A = undefined, B = never>(
    onFulfilled?: ((value: undefined) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    this.#onFulfilled = onFulfilled ?? undefined;
    this.#onRejected = onRejected ?? undefined;
    return this as unknown as PromiseLike<A | B>;
  }

  catch(onRejected?: ((reason: unknown) => unknown) | null): this {
    this.#onCaught = onRejected ?? undefined;
    return this;
  }

  succeed(): void {
    this.#handle(this.#onFulfilled, undefined);
  }

  fail(reason: unknown): void {
    if (this.#onRejected) this.#handle(this.#onRejected, reason);
    else this.#onCaught?.(reason);
  }

  #handle(handler: ((value: never) => unknown) | undefined, value: unknown): void {
    try {
      handler?.(value as never);
    } catch (error) {
      if (!this.#onCaught) throw error;
      this.#onCaught(error);
    }
  }
}
