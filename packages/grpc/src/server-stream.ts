import { Readable } from 'node:stream';
import type { ClientReadableStream, Metadata, ServiceError, StatusObject } from '@grpc/grpc-js';
import { type Attempt, currentContext } from '@regionkit/core';
import { checkCallOptions } from './call-options.js';
import { markServerResponded } from './classify.js';
import { toCallError } from './errors.js';
import {
  attemptInterceptors,
  attemptMetadata,
  type ClientParts,
  cancelSignals,
  cancelWhenAborted,
  coreCallOptions,
  firstAborted,
  streamDeadline,
  where,
} from './invoke.js';
import type { ResolvedMethod } from './options.js';
import { ATTR_RPC_GRPC_STATUS_CODE, rpcAttributes } from './semconv.js';
import type { RegionalCallOptions } from './types.js';

/**
 * The stream a regional server-streaming call returns: an object-mode Readable (so also an
 * async iterable) that emits `metadata` and `status` like grpc-js's ClientReadableStream.
 *
 * The rule: the region is chosen when the call starts, and the call may move to another
 * region only until its first message arrives (under the usual rules: idempotent, or never
 * sent). From the first message on it is committed: an error after that ends the stream with
 * that error, because resending would replay messages the reader already has.
 */
export class RegionalServerStream<T> extends Readable {
  #call: ClientReadableStream<T> | undefined;
  #region: string | undefined;
  readonly #stop = new AbortController();
  /**
   * The caller's signal and the inbound request's: before the commit the core watches them,
   * after it this stream does.
   */
  readonly #cancelSignals: readonly AbortSignal[];
  /** Stops watching `#cancelSignals`; set once the stream commits. */
  #unwatch = () => {};
  /** The committed call's error status, held until the messages before it have been read. */
  #failure: ServiceError | undefined;
  /** The committed call has delivered all it will (its own stream ended). */
  #callDone = false;

  constructor(cancelSignals: readonly AbortSignal[] = []) {
    super({ objectMode: true });
    this.#cancelSignals = cancelSignals;
  }

  /** Region the stream committed to (after its first message), else undefined. */
  get region(): string | undefined {
    return this.#region;
  }

  /** Cancels the call wherever it is; the stream ends with a CANCELLED error. */
  cancel(): void {
    this.#stop.abort();
    this.#call?.cancel();
  }

  /** @internal Aborted when the reader gives up before the stream commits. */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /** @internal Takes over the attempt that delivered the first message (or a clean empty end). */
  commit(call: ClientReadableStream<T>, region: string, headers: Metadata | undefined): void {
    this.#call = call;
    this.#region = region;
    if (headers) this.emit('metadata', headers);
    call.on('data', (message: T) => {
      // After the error status the call is over: what it still holds is drained, not paced.
      if (!this.push(message) && !this.#failure) call.pause();
    });
    call.on('status', (status: StatusObject) => {
      this.#unwatch(); // over, even if the reader stopped reading before the end
      this.emit('status', status);
    });
    // As with grpc-js's own stream, the error comes after every message that arrived before it:
    // destroying at once would drop those still buffered, here and in the call.
    call.on('error', (error: ServiceError) => {
      this.#failure = error;
      this.#unwatch();
      call.resume();
    });
    call.on('end', () => {
      this.#unwatch();
      // grpc-js ends the call's stream on an error status too (after emitting the error): the
      // reader must get the error, not a clean end.
      this.#callDone = true;
      if (this.#failure) this.#failIfRead();
      else this.push(null);
    });
    this.#unwatch = cancelWhenAborted(this.#cancelSignals, () => this.cancel());
  }

  override _read(): void {
    if (!this.#failure) this.#call?.resume(); // after an error it flows to its end anyway
  }

  // Every way of reading (read(), 'data', async iteration) goes through read(): where the
  // reader is seen to have taken the last message before an error status.
  override read(size?: number): T | null {
    const message = super.read(size) as T | null;
    if (this.#failure) this.#failIfRead();
    return message;
  }

  /** Ends the stream with the call's error once the reader has every message sent before it. */
  #failIfRead(): void {
    const failure = this.#failure;
    if (!failure || !this.#callDone || this.readableLength > 0) return;
    // After the read that took the last message has returned it.
    queueMicrotask(() => {
      if (!this.destroyed && this.readableLength === 0) this.destroy(failure);
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#unwatch();
    this.#stop.abort();
    this.#call?.cancel();
    callback(error);
  }
}

/** Until an attempt delivers its first message it is still "in flight" for the core. */
const EMPTY = Symbol('empty stream');

export function serverStreamInvoker(parts: ClientParts, method: ResolvedMethod) {
  const { path, requestSerialize, responseDeserialize } = method.definition;
  const label = where(parts, method);
  const rpc = rpcAttributes(path);
  return function call(request: unknown, callOptions?: RegionalCallOptions) {
    const options = checkCallOptions(callOptions, label);
    const ambient = currentContext();
    const stream = new RegionalServerStream<unknown>(cancelSignals(options, ambient));
    // The core's deadline bounds the wait for the first message; the gRPC deadline the stream.
    const deadline = streamDeadline(options, method, ambient?.deadline);
    // Until the commit the core stops the call; it watches the context's signal itself.
    const signal = options.signal
      ? AbortSignal.any([options.signal, stream.stopSignal])
      : stream.stopSignal;

    const transport = (attempt: Attempt) =>
      new Promise<typeof EMPTY | true>((resolve, reject) => {
        const grpcCall: ClientReadableStream<unknown> = parts
          .grpcClient(attempt.region)
          .makeServerStreamRequest(
            path,
            requestSerialize,
            responseDeserialize,
            request,
            attemptMetadata(options),
            {
              deadline,
              interceptors: attemptInterceptors(parts, options, attempt),
            },
          );
        let headers: Metadata | undefined;
        let settled = false;
        const abandon = () => grpcCall.cancel();
        // Timed out or aborted before the first message: this attempt is over for the core.
        attempt.signal.addEventListener('abort', abandon, { once: true });
        const settle = () => {
          settled = true;
          attempt.signal.removeEventListener('abort', abandon);
          grpcCall.removeListener('data', onFirst);
          grpcCall.removeListener('status', onStatus);
        };
        const onFirst = (message: unknown) => {
          if (attempt.signal.aborted) return;
          attempt.setAttributes(rpc);
          grpcCall.pause();
          settle();
          stream.commit(grpcCall, attempt.region, headers);
          stream.push(message);
          resolve(true);
        };
        const onStatus = (status: StatusObject) => {
          // OK with no message: an empty stream is a complete answer.
          if (status.code === 0 && !settled && !attempt.signal.aborted) {
            settle();
            stream.commit(grpcCall, attempt.region, headers);
            stream.emit('status', status);
            stream.push(null);
            resolve(EMPTY);
          }
        };
        grpcCall.on('metadata', (metadata: Metadata) => {
          headers = metadata;
        });
        grpcCall.on('data', onFirst);
        grpcCall.on('status', onStatus);
        grpcCall.on('error', (error: ServiceError) => {
          if (settled) return; // committed: the stream's own listener reports it
          settle();
          attempt.setAttributes(rpc);
          attempt.setAttributes({ [ATTR_RPC_GRPC_STATUS_CODE]: error.code });
          if (headers) markServerResponded(error);
          reject(error);
        });
      });

    parts.core.execute(transport, coreCallOptions(method, options, signal)).catch((error) => {
      if (!stream.destroyed) {
        const why = firstAborted(options.signal, ambient?.signal, stream.stopSignal);
        const callError = toCallError(error, parts.service, method.name, why) as ServiceError;
        // As grpc-js's stream does on a failed call: the status too, not only the error.
        if (typeof callError.code === 'number') {
          stream.emit('status', {
            code: callError.code,
            details: callError.details,
            metadata: callError.metadata,
          });
        }
        stream.destroy(callError);
      }
    });
    return stream;
  };
}
