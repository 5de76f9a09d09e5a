import type { Settle } from '@regionkit/core';
import type { Dispatcher } from 'undici';
import type { ResponseHead } from './classify.js';
import { HTTP_DEFAULTS } from './defaults.js';

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/** Headers of a response not received yet, or trailers of one without: never written to. */
export const EMPTY_HEADERS: Headers = Object.freeze({});

/** Where the attempt's response goes once (and if) the call picks it. */
export interface ResponseSink {
  /** The caller paused the response it was given; buffered chunks wait. */
  readonly paused: boolean;
  forwardData(chunk: Buffer): void;
  forwardEnd(trailers: Headers, rawTrailers: unknown): void;
  forwardError(error: Error): void;
}

enum Phase {
  /** Dispatched, no response head yet. */
  Waiting,
  /** Head received and handed to core; the call has not decided to return or retry it. */
  Undecided,
  /** The call returns this response: events go to the caller. */
  Committed,
  /** Retried, timed out or abandoned: everything that still arrives is dropped. */
  Discarded,
}

/** Thrown into a retried response that is too long to drain, closing its connection. */
class DrainLimitError extends Error {
  constructor(why = 'too long') {
    super(`regionkit: retried response body was ${why} to drain; connection closed`);
  }
}

/**
 * undici handler for one attempt. Reports the attempt's outcome to core at the response head,
 * so core can classify the status before any body is read. When core decides at once (the
 * common case), the response is committed before its first body chunk arrives and streams
 * straight through; body events that arrive before a later decision are buffered (pausing the
 * socket past a limit), then replayed to the caller if this response is returned, or drained
 * and dropped if it is retried.
 */
export class AttemptHandler implements Dispatcher.DispatchHandler, ResponseHead {
  statusCode = 0;
  headers: Headers = EMPTY_HEADERS;
  statusMessage: string | undefined;
  rawHeaders: unknown = null;
  rawTrailers: unknown = null;
  #phase = Phase.Waiting;
  #controller: Controller | null = null;
  readonly #outcome: Settle<ResponseHead>;
  #abandonedBecause: Error | undefined;
  /** Chunks received before the decision (or while the caller is paused during replay). */
  #buffer: Buffer[] | undefined;
  #bufferedBytes = 0;
  #replayed = 0;
  #ended = false;
  #trailers: Headers = EMPTY_HEADERS;
  #error: Error | undefined;
  #drainedBytes = 0;
  /** Closes a discarded response's connection if its body has not ended by then. */
  #drainTimer: NodeJS.Timeout | undefined;
  #sink: ResponseSink | undefined;
  /** The response's end or error went to the caller; nothing more will. */
  #delivered = false;

  /** `outcome` is told this handler when the response head arrives, or the error before it. */
  constructor(outcome: Settle<ResponseHead>) {
    this.#outcome = outcome;
  }

  /**
   * Takes over an attempt that `RegionalCall` handled itself so far (its first, see there):
   * `controller` is the attempt's, if undici started it, and `head` the response head already
   * reported to `outcome`, if one arrived. Events that follow go to the handler returned.
   */
  static adopt(
    outcome: Settle<ResponseHead>,
    controller: Controller | null,
    head: (ResponseHead & { readonly statusMessage: string | undefined }) | undefined,
  ): AttemptHandler {
    const handler = new AttemptHandler(outcome);
    handler.#controller = controller;
    if (head) {
      handler.statusCode = head.statusCode;
      handler.headers = head.headers;
      handler.statusMessage = head.statusMessage;
      handler.rawHeaders = controller?.rawHeaders ?? null;
      handler.#phase = Phase.Undecided;
    }
    return handler;
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    // Discarded while still queued in undici: it must never be sent.
    if (this.#phase === Phase.Discarded) controller.abort(this.#abandonedBecause as Error);
  }

  onRequestUpgrade(controller: Controller): void {
    refuseUpgrade(controller);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Headers,
    statusMessage?: string,
  ): void {
    if (statusCode < 200 || this.#phase !== Phase.Waiting) return; // interim 1xx, or abandoned
    this.statusCode = statusCode;
    this.headers = headers;
    this.statusMessage = statusMessage;
    this.rawHeaders = controller.rawHeaders ?? null;
    this.#phase = Phase.Undecided;
    this.#outcome.resolve(this); // may commit this response before returning
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    switch (this.#phase) {
      case Phase.Committed:
        if (this.#buffer || this.#sink?.paused) {
          // Replaying, or the caller paused while the replay was being delivered: a pause
          // undici heard of only after sending this chunk. Held until the caller resumes.
          this.#hold(controller, chunk);
          if (this.#sink?.paused && !controller.paused) controller.pause();
        } else this.#sink?.forwardData(chunk);
        return;
      case Phase.Undecided:
        this.#hold(controller, chunk);
        return;
      case Phase.Discarded:
        this.#drainedBytes += chunk.length;
        if (this.#drainedBytes > HTTP_DEFAULTS.drainLimitBytes)
          controller.abort(new DrainLimitError());
        return;
    }
  }

  onResponseEnd(controller: Controller, trailers: Headers): void {
    clearTimeout(this.#drainTimer);
    this.rawTrailers = controller.rawTrailers ?? null;
    if (this.#phase === Phase.Committed && !this.#buffer) {
      this.#delivered = true;
      this.#sink?.forwardEnd(trailers, this.rawTrailers);
      return;
    }
    this.#ended = true;
    this.#trailers = trailers;
  }

  onResponseError(_controller: Controller | null, error: Error): void {
    clearTimeout(this.#drainTimer);
    switch (this.#phase) {
      case Phase.Waiting:
        this.#phase = Phase.Discarded;
        this.#outcome.reject(error);
        return;
      case Phase.Committed:
        if (!this.#buffer) {
          this.#delivered = true;
          this.#sink?.forwardError(error);
          return;
        }
        this.#error = error;
        return;
      case Phase.Undecided:
        this.#error = error;
        return;
      case Phase.Discarded:
        return;
    }
  }

  /**
   * The call returns this response. Events wait in the buffer until `flush()`, so the caller's
   * `onResponseStart` comes first (and may abort or pause).
   */
  commit(sink: ResponseSink): void {
    this.#phase = Phase.Committed;
    this.#sink = sink;
  }

  /** Delivers buffered events while the caller is not paused; called again on resume. */
  flush(): void {
    const sink = this.#sink;
    if (!sink) return;
    const buffer = this.#buffer;
    if (buffer) {
      while (this.#replayed < buffer.length) {
        if (sink.paused) return;
        const chunk = buffer[this.#replayed] as Buffer;
        buffer[this.#replayed++] = EMPTY; // let the chunk be collected
        sink.forwardData(chunk);
      }
      this.#buffer = undefined;
      this.#bufferedBytes = 0;
      this.#replayed = 0; // a pause during delivery may start a new buffer
    }
    const error = this.#error;
    if (error || this.#ended) {
      this.#error = undefined;
      this.#ended = false;
      this.#delivered = true;
      if (error) sink.forwardError(error);
      else sink.forwardEnd(this.#trailers, this.rawTrailers);
    } else if (!sink.paused && this.#controller?.paused) {
      this.#controller.resume();
    }
  }

  /**
   * This attempt's outcome is not the call's: drop it. A pending request is aborted (a timed
   * out attempt must not hold a connection); a response already started is drained so its
   * keep-alive connection is reused, or closed if its body is long.
   */
  discard(reason: Error): void {
    const phase = this.#phase;
    if (phase === Phase.Discarded || phase === Phase.Committed) return;
    this.#phase = Phase.Discarded;
    if (phase === Phase.Waiting) {
      this.#abandonedBecause = reason;
      this.#controller?.abort(reason);
      this.#outcome.reject(reason);
      return;
    }
    this.#drainedBytes = this.#bufferedBytes;
    this.#buffer = undefined;
    if (this.#ended || this.#error) return; // the connection is already free
    const controller = this.#controller;
    if (!controller) return;
    if (this.#drainedBytes + this.#announcedRest() > HTTP_DEFAULTS.drainLimitBytes) {
      controller.abort(reason);
      return;
    }
    // A body that stalls or trickles would hold the connection until undici's bodyTimeout
    // (minutes, and reset by every chunk), away from the requests that need it.
    this.#drainTimer = setTimeout(
      () => controller.abort(new DrainLimitError('too slow')),
      HTTP_DEFAULTS.drainTimeoutMs,
    ).unref();
    controller.resume();
  }

  /** The caller aborted while this response was being returned to it. */
  abortCommitted(reason: Error): void {
    if (this.#delivered) return;
    if (this.#ended || this.#error) {
      // undici is done with this request; only the replay is left, so end it here.
      this.#buffer = undefined;
      this.#ended = false;
      this.#error = undefined;
      this.#delivered = true;
      this.#sink?.forwardError(reason);
      return;
    }
    this.#buffer = undefined;
    this.#controller?.abort(reason);
  }

  pause(): void {
    if (!this.#delivered) this.#controller?.pause();
  }

  resume(): void {
    if (this.#delivered) return;
    if (this.#buffer || this.#ended || this.#error) this.flush();
    else this.#controller?.resume();
  }

  /** Bytes of the body still to come by its content-length, when it says (0 when it does not). */
  #announcedRest(): number {
    const length = Number(this.headers['content-length']);
    return Number.isSafeInteger(length) ? Math.max(0, length - this.#drainedBytes) : 0;
  }

  #hold(controller: Controller, chunk: Buffer): void {
    if (!this.#buffer) this.#buffer = [chunk];
    else this.#buffer.push(chunk);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes > HTTP_DEFAULTS.undecidedBufferBytes && !controller.paused) {
      controller.pause();
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** Upgrades are rejected before dispatch; a server switching protocols anyway is an error. */
export function refuseUpgrade(controller: Controller): void {
  controller.abort(new Error('regionkit: unexpected protocol upgrade'));
}
