import {
  type Deadline,
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { type Context, context as otelContext, propagation } from '@opentelemetry/api';
import {
  cancelInboundContext,
  createContext,
  emitInCurrentContext,
  InboundCancelledError,
  inboundPriority,
  type RegionContext,
  runInContext,
} from '@regionkit/core';
import { firstString, METADATA_KEYS, metadataGetter } from './metadata.js';

export interface ServerContextOptions {
  /**
   * Use a valid inbound correlation ID (≤ 128 chars of `A-Za-z0-9._:+=/-`); when false every
   * request gets a fresh one. gRPC servers are usually internal hops whose callers are your
   * own services, so the default keeps the chain's ID; turn it off on a server that faces
   * clients you do not control. Unsafe IDs are replaced either way.
   * @default true
   */
  readonly trustInboundCorrelationId?: boolean;
  /**
   * Let `x-regionkit-priority: critical` raise a request (and the calls it makes) to critical.
   * When false a caller can only lower its priority to `sheddable`, as with the Express
   * middleware's default; turn it off on a server that faces clients you do not control.
   * @default true (an internal hop, as for the correlation ID)
   */
  readonly trustInboundPriority?: boolean;
  /**
   * Send the correlation ID the handler runs with back in the response headers, so a caller
   * can find the server's log lines (and see when its ID was replaced).
   * @default true
   */
  readonly echoCorrelationId?: boolean;
}

/** The regionkit and OpenTelemetry contexts a handler runs in, built from its request. */
export interface InboundContext {
  readonly region: RegionContext;
  readonly trace: Context;
}

/**
 * Builds a handler's context from request metadata. The correlation ID is untrusted: an ID
 * that is missing, too long or outside `[A-Za-z0-9._:+=/-]` is replaced by a fresh one (so is
 * every ID when `trustInboundCorrelationId` is false), and
 * the metadata is rewritten to hold the validated ID, so a handler that logs
 * `call.metadata.get('x-request-id')` logs the safe value too. (grpc-js already drops
 * values that are not printable ASCII before any handler sees them.) The gRPC deadline
 * becomes the context deadline, so outbound calls made by the handler never outlive it, and
 * `x-regionkit-priority` its priority (anything but `critical`/`sheddable` is `default`).
 * `signal`, if given, becomes the context's: outbound calls made in it stop when it aborts.
 */
export function inboundContext(
  metadata: Metadata,
  deadline: Deadline | undefined,
  trustInboundCorrelationId = true,
  signal?: AbortSignal,
  trustInboundPriority = true,
): InboundContext {
  const region = createContext({
    correlationId: trustInboundCorrelationId
      ? firstString(metadata, METADATA_KEYS.correlationId)
      : undefined,
    priority: inboundPriority(firstString(metadata, METADATA_KEYS.priority), trustInboundPriority),
    deadline: deadlineMs(deadline),
    signal,
  });
  metadata.set(METADATA_KEYS.correlationId, region.correlationId);
  const trace = propagation.extract(otelContext.active(), metadata, metadataGetter);
  return { region, trace };
}

/** Runs `fn` inside both contexts. */
export function runInInboundContext<R>(inbound: InboundContext, fn: () => R): R {
  return otelContext.with(inbound.trace, () => runInContext(inbound.region, fn));
}

/**
 * A grpc-js server interceptor (`new Server({ interceptors: [regionkitServerInterceptor()] })`)
 * that runs every handler, of every call type, inside the request's correlation ID, deadline
 * and trace context, so regional calls the handler makes carry them on. A call cancelled before
 * the handler sent its status (the client cancelled, or the deadline passed) aborts the
 * context: regional calls the handler is still waiting on stop, with `InboundCancelledError`.
 */
export function regionkitServerInterceptor(options: ServerContextOptions = {}): ServerInterceptor {
  const echo = options.echoCorrelationId ?? true;
  const trust = options.trustInboundCorrelationId ?? true;
  const trustPriority = options.trustInboundPriority ?? true;
  return (method, call) => {
    let inbound: InboundContext | undefined;
    const cancelled = new AbortController();
    let answered = false;
    // grpc-js invokes the handler from one of these three callbacks, depending on the call
    // type, synchronously inside `next`: running `next` in the context is enough.
    const within = (next: () => void) => (inbound ? runInInboundContext(inbound, next) : next());
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            inbound = inboundContext(
              metadata,
              call.getDeadline(),
              trust,
              cancelled.signal,
              trustPriority,
            );
            within(() => nextMetadata(metadata));
          },
          onReceiveMessage(message, nextMessage) {
            within(() => nextMessage(message));
          },
          onReceiveHalfClose(nextHalfClose) {
            within(nextHalfClose);
          },
          onCancel() {
            // grpc-js also calls this after every status it sends: only a call that ended
            // before its handler answered was cancelled.
            if (answered) return;
            const reason = new InboundCancelledError(
              `${method.path}: the call was cancelled before the handler answered`,
            );
            cancelInboundContext(cancelled, reason, inbound?.region.deadline);
          },
        });
      },
      sendStatus(status, next) {
        answered = true;
        next(status);
      },
      sendMetadata(metadata, next) {
        if (echo && inbound) {
          metadata.set(METADATA_KEYS.correlationId, inbound.region.correlationId);
        }
        next(metadata);
      },
    });
  };
}

/** A grpc-js server call, as handlers of every type receive it. */
interface InboundCall {
  readonly metadata: Metadata;
  getDeadline(): Deadline;
  emit(event: string | symbol, ...args: unknown[]): boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: handlers of every call type and message type
type Handler = (call: any, ...rest: any[]) => unknown;

/**
 * For servers without the interceptor: wraps one handler, or every handler of a service
 * implementation, so it runs inside the request's context (same rules as
 * `regionkitServerInterceptor`, without the echo of the ID).
 *
 * @example server.addService(Greeter.service, withGrpcContext({ SayHello, ListThings }));
 */
export function withGrpcContext<H extends Handler>(handler: H, options?: WrapOptions): H;
export function withGrpcContext<S extends Record<string, Handler>>(
  implementation: S,
  options?: WrapOptions,
): S;
export function withGrpcContext(
  target: Handler | Record<string, Handler>,
  options: WrapOptions = {},
): unknown {
  const trust = {
    correlationId: options.trustInboundCorrelationId ?? true,
    priority: options.trustInboundPriority ?? true,
  };
  if (typeof target === 'function') return wrapHandler(target, trust);
  if (typeof target !== 'object' || target === null) {
    throw new TypeError(
      'withGrpcContext: pass a handler function or a service implementation object ({ SayHello(call, callback) { … } }).',
    );
  }
  return Object.fromEntries(
    Object.entries(target).map(([name, handler]) => [
      name,
      typeof handler === 'function' ? wrapHandler(handler, trust) : handler,
    ]),
  );
}

type WrapOptions = Pick<ServerContextOptions, 'trustInboundCorrelationId' | 'trustInboundPriority'>;

function wrapHandler<H extends Handler>(
  handler: H,
  trust: { correlationId: boolean; priority: boolean },
): H {
  const wrapped = function (this: unknown, call: InboundCall, ...rest: unknown[]) {
    const inbound = inboundContext(
      call.metadata,
      call.getDeadline(),
      trust.correlationId,
      undefined,
      trust.priority,
    );
    return runInInboundContext(inbound, () => {
      // A streaming handler does its work in 'data'/'end' listeners, which grpc-js calls from
      // its own HTTP/2 callbacks: the call's events are emitted inside this context too.
      emitInCurrentContext(call);
      return handler.call(this, call, ...rest);
    });
  };
  return wrapped as H;
}

function deadlineMs(deadline: Deadline | undefined): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
}
