import { randomUUID } from 'node:crypto';
import {
  type Attempt,
  type AttemptResult,
  AttemptTimeoutError,
  type CallExchange,
  type CallHandle,
  type CallOptions,
  currentContext,
  type RegionalClient,
  runInContext,
  type Settle,
  type Verdict,
  validCorrelationId,
} from '@regionkit/core';
import { type Dispatcher, errors } from 'undici';
import {
  AttemptHandler,
  EMPTY_HEADERS,
  type ResponseSink,
  refuseUpgrade,
} from './attempt-handler.js';
import type { CallsInProgress } from './calls-in-progress.js';
import { classifyHttp, type ResponseHead } from './classify.js';
import type { ResolvedHttpConfig } from './config.js';
import { IDEMPOTENCY_KEY_HEADER, REGIONKIT_HEADERS } from './defaults.js';
import { BodyNotReplayableError, UnsupportedRequestError } from './errors.js';
import { fetchCallOf } from './fetch-call.js';
import { isIdempotentMethod, wantsIdempotencyKey } from './idempotency.js';
import { bufferBody, isOneShotBody } from './replay-body.js';
import { type CallerHeaders, NO_HEADERS, readCallerHeaders } from './request-headers.js';
import { readRequestOptions } from './request-options.js';
import { appendSetter, appendSetterKeepingBaggage, shouldInjectTrace } from './trace-context.js';
import type { RegionalRequestOptions } from './types.js';

/** What every call of one interceptor shares. */
export interface ServiceRuntime {
  readonly client: RegionalClient;
  readonly config: ResolvedHttpConfig;
  /** This interceptor's calls in progress (what its dispatcher's close and destroy act on). */
  readonly calls: CallsInProgress<RegionalCall>;
  /** The dispatcher of a fetch function: its calls may carry facts beside them (fetch-call.ts). */
  readonly viaFetch: boolean;
}

type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/** Who handles the first attempt's undici events (see "the first attempt" below). */
enum First {
  /** Not sent yet. */
  NotSent,
  /** Sent, with this call as its handler; no response head yet, or one the call is deciding on. */
  Sent,
  /** Returned to the caller as it arrived: its events go straight through. */
  Committed,
  /** Handed to an AttemptHandler, like any other attempt: it gets the events. */
  Handed,
}

const ABORTED: Verdict = Object.freeze({ kind: 'aborted' });

/** Core's options for a call without per-request options or idempotency key (most calls). */
const RESENDABLE: CallOptions = Object.freeze({ idempotent: true });
const SEND_ONCE: CallOptions = Object.freeze({ idempotent: false });

/**
 * One logical request through the regional interceptor. It is the controller the caller's
 * handler sees for the whole call (abort/pause/resume reach whichever attempt is live), and
 * core's exchange for the call: it sends each attempt, classifies its response, and hands the
 * caller exactly one outcome: the chosen attempt's response, streamed, or one error.
 */
export class RegionalCall
  implements
    Dispatcher.DispatchController,
    Dispatcher.DispatchHandler,
    ResponseSink,
    CallExchange<ResponseHead>,
    ResponseHead
{
  rawHeaders: Dispatcher.DispatchController['rawHeaders'] = null;
  rawTrailers: Dispatcher.DispatchController['rawTrailers'] = null;
  /** The first attempt's response head, while this call handles that attempt itself. */
  statusCode = 0;
  headers: Headers = EMPTY_HEADERS;
  statusMessage: string | undefined;
  readonly #runtime: ServiceRuntime;
  readonly #dispatch: Dispatcher.Dispatch;
  readonly #options: Dispatcher.DispatchOptions;
  readonly #handler: Handler;
  /** The caller's headers, read once: every attempt sends them. */
  #caller: CallerHeaders = NO_HEADERS;
  #autoKey: string | undefined;
  #body: unknown;
  /** The body is a stream too long to buffer: the request may be sent only once. */
  #oneShot = false;
  /** Region whose failure was not retried because of a one-shot body. */
  #notRetriedIn: string | undefined;
  #current: AttemptHandler | undefined;
  #committed: AttemptHandler | undefined;
  #first = First.NotSent;
  /** The first attempt's undici controller and core outcome, while this call handles it. */
  #firstController: Controller | null = null;
  #firstOutcome: Settle<ResponseHead> | undefined;
  /** The handler the first attempt was handed to: undici's events for it go there for good. */
  #firstHandler: AttemptHandler | undefined;
  #aborted = false;
  /** The core call running this request's attempts, once started. */
  #call: CallHandle | undefined;
  /** Aborts the committed response when the call's signal does (see #followCallSignal). */
  #onCallAbort: (() => void) | undefined;
  /** Set while the one-shot body is read into memory (no attempt has started); stops it. */
  #buffering: AbortController | undefined;
  #reason: Error | null = null;
  #paused = false;
  #done = false;

  constructor(
    runtime: ServiceRuntime,
    dispatch: Dispatcher.Dispatch,
    options: Dispatcher.DispatchOptions,
    handler: Handler,
  ) {
    this.#runtime = runtime;
    this.#dispatch = dispatch;
    this.#options = options;
    this.#handler = handler;
  }

  start(): boolean {
    this.#runtime.calls.started(this);
    try {
      this.#handler.onRequestStart?.(this, null);
    } catch (error) {
      this.#fail(error);
      return true;
    }
    if (this.#aborted) {
      this.#fail(this.#reason);
      return true;
    }
    const options = this.#options;
    if (options.upgrade || options.method === 'CONNECT') {
      this.#fail(
        new UnsupportedRequestError(this.#runtime.config.service, 'an upgrade or CONNECT request'),
      );
      return true;
    }
    const perRequest = (options as { regionkit?: unknown }).regionkit;
    // Only a request made through the fetch function has these (see fetch-call.ts).
    const fromFetch =
      perRequest === undefined && this.#runtime.viaFetch
        ? fetchCallOf(this.#runtime.client)
        : undefined;
    let callOptions: CallOptions;
    try {
      this.#caller = readCallerHeaders(options.headers, this.#runtime.config.correlationHeader);
      callOptions = this.#callOptions(fromFetch?.options ?? readRequestOptions(perRequest));
    } catch (error) {
      this.#fail(error);
      return true;
    }
    const body = options.body;
    if (isOneShotBody(body)) {
      const buffering = new AbortController();
      this.#buffering = buffering;
      const limit = fromFetch?.bodyInMemory ? Infinity : this.#runtime.config.maxReplayBodyBytes;
      bufferBody(body as object, limit, buffering.signal).then(
        (buffered) => {
          this.#buffering = undefined;
          this.#body = buffered.body;
          this.#oneShot = !buffered.replayable;
          this.#run(callOptions);
        },
        (error: unknown) => {
          this.#buffering = undefined;
          this.#fail(error);
        },
      );
    } else {
      this.#body = body;
      this.#run(callOptions);
    }
    return true;
  }

  // --- DispatchController, as the caller's handler sees it -----------------------------------

  get aborted(): boolean {
    return this.#aborted;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get reason(): Error | null {
    return this.#reason;
  }

  abort(given: Error | undefined): void {
    if (this.#aborted || this.#done) return;
    this.#aborted = true;
    // Legacy handlers, wrapped by undici, abort with no reason; undici's own controller then
    // reports RequestAbortedError, and so does this one.
    const reason = given ?? new errors.RequestAbortedError();
    this.#reason = reason;
    if (this.#buffering) {
      // Still reading the body to make it replayable, and a stalled body may never end: fail
      // now and release the body, as undici does with the body of a request it aborts.
      this.#buffering.abort(reason);
      releaseBody(this.#options.body, reason);
      this.#fail(reason);
      return;
    }
    if (this.#first === First.Committed) {
      this.#firstController?.abort(reason); // undici answers with onResponseError
      return;
    }
    if (this.#committed) {
      this.#committed.abortCommitted(reason);
      return;
    }
    this.#discardCurrent(reason); // a pending attempt rejects, and core stops (ABORTED)
    this.#call?.abort(reason); // between attempts: core stops waiting to retry
  }

  pause(): void {
    this.#paused = true;
    if (this.#first === First.Committed) {
      if (!this.#done) this.#firstController?.pause();
    } else this.#committed?.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#first === First.Committed) {
      if (!this.#done) this.#firstController?.resume();
    } else this.#committed?.resume();
  }

  // --- the first attempt: this call is its undici handler ------------------------------------
  //
  // One object less per call on the common path: a first attempt whose response core returns
  // as soon as its head arrives streams straight from undici to the caller through these
  // methods. Anything else (a response core holds while it decides, or retries, a timeout or
  // abort before the head, an error) hands the attempt to an AttemptHandler, which then gets
  // its events like any other attempt's.

  onRequestStart(controller: Controller): void {
    if (this.#firstHandler) this.#firstHandler.onRequestStart(controller);
    else this.#firstController = controller;
  }

  onRequestUpgrade(controller: Controller): void {
    if (this.#firstHandler) this.#firstHandler.onRequestUpgrade(controller);
    else refuseUpgrade(controller);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Headers,
    statusMessage?: string,
  ): void {
    if (this.#first !== First.Sent) {
      this.#firstHandler?.onResponseStart(controller, statusCode, headers, statusMessage);
      return;
    }
    if (statusCode < 200) return; // interim 1xx
    this.statusCode = statusCode;
    this.headers = headers;
    this.statusMessage = statusMessage;
    this.#firstOutcome?.resolve(this); // core may return it (resolve(this)) before this returns
    // Not returned at once: held (its body buffered) until core decides, as any attempt is.
    if (this.#first === First.Sent) this.#handFirst();
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#first === First.Committed) this.forwardData(chunk);
    else this.#firstHandler?.onResponseData(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: Headers): void {
    if (this.#first === First.Committed) this.forwardEnd(trailers, controller.rawTrailers ?? null);
    else this.#firstHandler?.onResponseEnd(controller, trailers);
  }

  onResponseError(controller: Controller | null, error: Error): void {
    if (this.#first === First.Committed) this.forwardError(error);
    else if (this.#first === First.Sent) this.#handFirst().onResponseError(controller, error);
    else this.#firstHandler?.onResponseError(controller, error);
  }

  /**
   * The first attempt goes to an AttemptHandler, in the state this call had it in. undici
   * keeps calling this call for that request, so its events are passed on to the handler for
   * good, whichever attempt is current by then.
   */
  #handFirst(): AttemptHandler {
    const head = this.statusCode !== 0 ? this : undefined;
    const handler = AttemptHandler.adopt(
      this.#firstOutcome as Settle<ResponseHead>,
      this.#firstController,
      head,
    );
    this.#first = First.Handed;
    this.#firstHandler = handler;
    this.#current = handler;
    // The head now lives in the handler; the controller the caller sees keeps none of it.
    this.statusCode = 0;
    this.headers = EMPTY_HEADERS;
    this.statusMessage = undefined;
    return handler;
  }

  #discardCurrent(reason: Error): void {
    if (this.#first === First.Sent) this.#handFirst().discard(reason);
    else this.#current?.discard(reason);
  }

  // --- ResponseSink: the committed attempt's events, to the caller ---------------------------

  forwardData(chunk: Buffer): void {
    if (this.#done) return;
    try {
      this.#handler.onResponseData?.(this, chunk);
    } catch (error) {
      this.abort(error as Error);
    }
  }

  forwardEnd(trailers: Headers, rawTrailers: unknown): void {
    if (this.#done) return;
    this.#markDone();
    this.rawTrailers = rawTrailers as Dispatcher.DispatchController['rawTrailers'];
    try {
      this.#handler.onResponseEnd?.(this, trailers);
    } catch (error) {
      // As undici's own request does: a handler that throws at the end gets it back as its
      // error. undici's retry handler throws there on purpose (a status to retry), and reads it
      // in onResponseError; thrown into the void, it would leave its caller waiting for good.
      this.#deliverError(error);
    }
  }

  forwardError(error: Error): void {
    this.#fail(error);
  }

  // --- the call ------------------------------------------------------------------------------

  /** Core's options for this request: idempotency, and the per-request `regionkit` options. */
  #callOptions(perRequest: RegionalRequestOptions | undefined): CallOptions {
    const { config } = this.#runtime;
    const method = String(this.#options.method);
    let idempotencyKey = this.#caller.idempotencyKey;
    if (idempotencyKey === undefined && config.autoIdempotencyKeys && wantsIdempotencyKey(method)) {
      idempotencyKey = this.#autoKey = randomUUID();
    }
    const idempotent = perRequest?.idempotent ?? isIdempotentMethod(method);
    if (perRequest === undefined && idempotencyKey === undefined) {
      return idempotent ? RESENDABLE : SEND_ONCE;
    }
    return {
      idempotent,
      idempotencyKey,
      deadlineMs: perRequest?.deadlineMs,
      priority: perRequest?.priority,
      excludedRegions: perRequest?.excludedRegions,
    };
  }

  #run(callOptions: CallOptions): void {
    if (this.#aborted) {
      this.#fail(this.#reason);
      return;
    }
    const { client } = this.#runtime;
    const seed = this.#caller.correlationId;
    // A caller's own valid correlation ID starts the context when there is none; inside a
    // context (an inbound request), the context's ID wins so every hop carries the same one.
    // Callback style: a response head that ends the call reaches the caller inside undici's
    // own callback, with no promise (and no buffering of the body) in between.
    if (seed !== undefined && currentContext() === undefined && validCorrelationId(seed)) {
      this.#call = runInContext({ correlationId: seed, priority: callOptions.priority }, () =>
        client.start(this, callOptions),
      );
    } else {
      this.#call = client.start(this, callOptions);
    }
  }

  // --- CallExchange: core sends the attempts here, and tells the call's outcome -------------

  /** The call returns this attempt's response. */
  resolve(response: ResponseHead): void {
    if (response !== this) this.#commit(response as AttemptHandler);
    else if (this.#first === First.Sent) this.#commitFirst();
    else this.#commit(this.#firstHandler as AttemptHandler); // the first attempt's, handed over
  }

  /** The call failed: no attempt's response is returned. */
  reject(error: unknown): void {
    if (this.#notRetriedIn === undefined || this.#aborted) {
      this.#fail(error);
      return;
    }
    // The call failed because its body could not be sent again: say so. Only here, for core's
    // verdict: an error later, in a response the call did return, is that response's own.
    const { config } = this.#runtime;
    this.#fail(
      new BodyNotReplayableError(
        config.service,
        this.#notRetriedIn,
        config.maxReplayBodyBytes,
        error,
      ),
    );
  }

  /** One attempt against `attempt.region`: same path, query, headers and body, new origin. */
  send(attempt: Attempt, outcome: Settle<ResponseHead>): void {
    // Reaching a new attempt means the previous response (a 503, say) is not the answer.
    this.#discardCurrent(RETRIED);
    if (this.#aborted) {
      outcome.reject(this.#reason);
      return;
    }
    let handler: Handler;
    if (this.#first === First.NotSent) {
      this.#first = First.Sent;
      this.#firstOutcome = outcome;
      handler = this; // see "the first attempt"
    } else {
      handler = this.#current = new AttemptHandler(outcome);
    }
    const origin = this.#runtime.config.originOf.get(attempt.region) as string;
    if (attempt.recording) this.#describeAttempt(attempt, origin);
    this.#dispatch(
      {
        ...this.#options,
        origin,
        headers: this.#attemptHeaders(attempt) as string[],
        body: this.#body as Dispatcher.DispatchOptions['body'],
      },
      handler,
    );
  }

  classify(result: AttemptResult<ResponseHead>, attempt: Attempt): Verdict {
    if (this.#aborted) return ABORTED;
    if (!result.ok && result.error instanceof AttemptTimeoutError) {
      // Core moved on; the request must not keep its connection busy.
      this.#discardCurrent(result.error);
    }
    if (result.ok && attempt.recording) {
      attempt.setAttributes({ 'http.response.status_code': result.value.statusCode });
    }
    const verdict = classifyHttp(result);
    if (verdict.kind === 'retriable' && this.#oneShot) {
      this.#notRetriedIn = attempt.region;
      return {
        kind: 'fatal',
        reason: 'body-not-replayable',
        regionFault: verdict.regionFault !== false,
        retryAfterMs: verdict.retryAfterMs, // the region's pushback holds for the next calls
      };
    }
    return verdict;
  }

  #attemptHeaders(attempt: Attempt): unknown[] {
    const base = this.#caller.base;
    const priority = attempt.priority !== 'default';
    // Sized once: growing an array by push reallocates it, on every attempt.
    const headers = new Array<unknown>(
      base.length + 6 + (priority ? 2 : 0) + (this.#autoKey ? 2 : 0),
    );
    let i = 0;
    for (; i < base.length; i++) headers[i] = base[i];
    headers[i++] = this.#runtime.config.correlationHeader;
    headers[i++] = attempt.correlationId;
    headers[i++] = REGIONKIT_HEADERS.attempt;
    headers[i++] = ATTEMPT_NUMBERS[attempt.number] ?? String(attempt.number);
    headers[i++] = REGIONKIT_HEADERS.deadline;
    headers[i++] = millisText(attempt.remainingMs());
    if (priority) {
      headers[i++] = REGIONKIT_HEADERS.priority;
      headers[i++] = attempt.priority;
    }
    if (this.#autoKey) {
      headers[i++] = IDEMPOTENCY_KEY_HEADER;
      headers[i++] = this.#autoKey;
    }
    // Last, so nothing can tamper with it; from the attempt's context, so the next hop's
    // parent is the span that sent this attempt (call span, or attempt span in that mode).
    // A traceparent the caller set is kept, and no trace header is added next to it; a baggage
    // header the caller set is kept, and none is added next to it.
    const caller = this.#caller;
    if (!caller.hasTraceparent && shouldInjectTrace(this.#runtime.config.tracePropagation)) {
      attempt.injectTraceContext(
        headers,
        caller.hasBaggage ? appendSetterKeepingBaggage : appendSetter,
      );
    }
    return headers;
  }

  /** HTTP attributes of the attempt's span (attempt-span mode); only built when recording. */
  #describeAttempt(attempt: Attempt, origin: string): void {
    const url = new URL(origin);
    attempt.setAttributes({
      'http.request.method': String(this.#options.method),
      'server.address': url.hostname,
      'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    });
  }

  #commit(response: AttemptHandler): void {
    if (this.#done) return;
    if (this.#aborted) {
      response.discard(this.#reason as Error);
      this.#fail(this.#reason);
      return;
    }
    this.#committed = response;
    response.commit(this);
    this.#followCallSignal();
    // A pause made before there was a response (in onRequestStart, say) holds this one.
    if (this.#paused) response.pause();
    if (!this.#startResponse(response, response.rawHeaders)) return;
    if (this.#aborted) return; // the handler aborted from onResponseStart; its error is on the way
    response.flush();
  }

  /**
   * The first attempt's response, returned while its head is being reported: nothing of its
   * body has arrived, so there is nothing to hold or replay.
   */
  #commitFirst(): void {
    if (this.#done) return;
    // (Not aborted: an abort before the head hands the attempt over, see #discardCurrent.)
    this.#first = First.Committed;
    this.#followCallSignal();
    const controller = this.#firstController;
    if (this.#paused) controller?.pause();
    this.#startResponse(this, controller?.rawHeaders ?? null);
  }

  /**
   * Core stops listening to the call's signal (here the context's: this adapter passes no signal
   * of its own) once it returns a response, but the body may still be arriving: a caller that
   * goes away meanwhile (the inbound request's client closed) stops it too, as it would have
   * stopped the attempts.
   */
  #followCallSignal(): void {
    const signal = this.#call?.callSignal;
    if (!signal) return;
    const onAbort = () => this.abort(toError(signal.reason));
    if (signal.aborted) {
      queueMicrotask(onAbort); // after the head this commit is delivering
      return;
    }
    this.#onCallAbort = onAbort;
    signal.addEventListener('abort', onAbort, { once: true });
  }

  #unfollowCallSignal(): void {
    if (!this.#onCallAbort) return;
    this.#call?.callSignal?.removeEventListener('abort', this.#onCallAbort);
    this.#onCallAbort = undefined;
  }

  /** The caller has had its last event (the end, or an error). */
  #markDone(): void {
    this.#done = true;
    this.#unfollowCallSignal();
    this.#runtime.calls.ended(this);
  }

  /** Hands the caller the response head; false if its handler threw (the call is aborted). */
  #startResponse(
    head: ResponseHead & { readonly statusMessage: string | undefined },
    rawHeaders: unknown,
  ): boolean {
    this.rawHeaders = rawHeaders as Dispatcher.DispatchController['rawHeaders'];
    try {
      this.#handler.onResponseStarted?.();
      this.#handler.onResponseStart?.(this, head.statusCode, head.headers, head.statusMessage);
      return true;
    } catch (error) {
      this.abort(error as Error);
      return false;
    }
  }

  #fail(error: unknown): void {
    if (this.#done) return;
    this.#markDone();
    this.#discardCurrent(RETRIED);
    this.#deliverError(error);
  }

  /** The caller's last event: its error. Past it there is no one to tell. */
  #deliverError(error: unknown): void {
    try {
      this.#handler.onResponseError?.(this, toError(error));
    } catch (thrown) {
      rethrowLater(thrown);
    }
  }
}

const ATTEMPT_NUMBERS = Array.from({ length: 11 }, (_, n) => String(n));

let lastMillis = -1;
let lastMillisText = '';
/**
 * `String(ms)`, remembering the last one: calls made in the same millisecond with the same
 * deadline (most of them under load) send the same remaining-time header.
 */
function millisText(ms: number): string {
  if (ms !== lastMillis) {
    lastMillis = ms;
    lastMillisText = String(ms);
  }
  return lastMillisText;
}

/** Reason given to a retried attempt whose response is drained and dropped. */
const RETRIED = new Error('regionkit: response superseded by a retry');

/** Ends a stream body's source: a Node stream is destroyed, a web stream cancelled. */
function releaseBody(body: unknown, reason: Error): void {
  const stream = body as {
    destroy?: (error: Error) => void;
    cancel?: (reason: Error) => Promise<void>;
  } | null;
  if (typeof stream?.destroy === 'function') stream.destroy(reason);
  else if (typeof stream?.cancel === 'function') stream.cancel(reason).catch(() => {});
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** A caller's handler threw where nobody can catch it: surface it like undici does. */
function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
