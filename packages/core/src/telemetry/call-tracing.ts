import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  type Exception,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { printable } from '../printable.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import {
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_CLOUD_REGION,
  ATTR_CORRELATION_ID,
  ATTR_ERROR_TYPE,
  ATTR_FAILED_OVER,
  ATTR_FAILOVER_REASON,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_IDEMPOTENT,
  ATTR_LOCAL_REGION,
  ATTR_PRIORITY,
  ATTR_SERVICE,
  ATTR_STOPPED_BECAUSE,
} from './semconv.js';

/**
 * The key @opentelemetry/core's `suppressTracing` sets. Context keys are `Symbol.for(description)`,
 * so this is the same key without depending on anything beyond the API: instrumentations (undici,
 * grpc, http) see it and create no span and inject no header of their own.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

export interface CallSpanStart {
  readonly service: string;
  readonly localRegion: string;
  readonly idempotent: boolean;
  readonly priority: string;
  /** Read only when the span records (the ID may be generated on first read). */
  correlationId(): string;
}

/** A call's span that records, and the context it was started in. */
export interface OpenedSpan {
  readonly span: Span;
  readonly parent: Context;
}

export interface CallEnd {
  readonly failed: boolean;
  readonly servedBy: string | undefined;
  readonly attempts: number;
  readonly failedOver: boolean;
  readonly failoverReason: string | undefined;
  readonly stoppedBecause: string | undefined;
  readonly aborted: boolean;
  readonly error: unknown;
}

/** What an attempt needs from tracing: where to inject from, and its own span if any. */
export interface AttemptTrace {
  /** The context whose span the next hop's `traceparent` names as parent. */
  readonly injectFrom: Context;
  /** The attempt's own client span, in opt-in attempt-span mode. */
  readonly span: Span | undefined;
}

/**
 * One span per logical call (INTERNAL: per-attempt CLIENT spans belong to the undici / grpc
 * instrumentations, or to regionkit's opt-in attempt-span mode — never both). With no SDK
 * registered the tracer hands out non-recording spans, and `start` returns undefined so a call
 * pays nothing more.
 */
export class CallTracing {
  readonly #attemptSpans: boolean;
  // A ProxyTracer: it finds the SDK's tracer even when the SDK is registered after this client.
  readonly #tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  // Built once per client: every call starts a span, recording or not.
  readonly #spanName: string;
  readonly #spanOptions = Object.freeze({ kind: SpanKind.INTERNAL });

  constructor(service: string, attemptSpans: boolean) {
    this.#spanName = `call ${service}`;
    this.#attemptSpans = attemptSpans;
  }

  /**
   * Starts a call's span in `parent`, the context the call started in; undefined when it does
   * not record (no SDK, or sampled out), and then nothing else is built for it. Separate from
   * `start` so a call can know whether it is recorded before the object that describes it exists.
   */
  open(parent: Context): OpenedSpan | undefined {
    const span = this.#tracer.startSpan(this.#spanName, this.#spanOptions, parent);
    return span.isRecording() ? { span, parent } : undefined;
  }

  /** The call's span: the one `open` gave, described by `info`; undefined if none records. */
  start(info: CallSpanStart, opened: OpenedSpan | undefined): CallSpan | undefined {
    if (!opened) return undefined;
    const { span, parent } = opened;
    span.setAttributes({
      [ATTR_SERVICE]: info.service,
      [ATTR_LOCAL_REGION]: info.localRegion,
      [ATTR_IDEMPOTENT]: info.idempotent,
      [ATTR_PRIORITY]: info.priority,
      [ATTR_CORRELATION_ID]: info.correlationId(),
    });
    return new CallSpan(
      this.#tracer,
      span,
      trace.setSpan(parent, span),
      this.#attemptSpans ? info.service : undefined,
    );
  }
}

export class CallSpan {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  /** Set in attempt-span mode: the service name the attempt spans are named after. */
  readonly #attemptSpansFor: string | undefined;

  constructor(
    tracer: Tracer,
    span: Span,
    spanContext: Context,
    attemptSpansFor: string | undefined,
  ) {
    this.#tracer = tracer;
    this.#span = span;
    this.#context = spanContext;
    this.#attemptSpansFor = attemptSpansFor;
  }

  /** Runs an attempt's transport with this call's span (or the attempt's own) active. */
  runAttempt<R>(region: string, number: number, run: (trace: AttemptTrace) => R): R {
    if (this.#attemptSpansFor === undefined) {
      return context.with(this.#context, run, undefined, {
        injectFrom: this.#context,
        span: undefined,
      });
    }
    const span = this.#tracer.startSpan(
      `attempt ${this.#attemptSpansFor}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_CLOUD_REGION]: region,
          [ATTR_ATTEMPT]: number,
          [ATTR_HTTP_REQUEST_RESEND_COUNT]: number - 1,
        },
      },
      this.#context,
    );
    const attemptContext = trace.setSpan(this.#context, span);
    return context.with(attemptContext.setValue(SUPPRESS_TRACING, true), run, undefined, {
      injectFrom: attemptContext,
      span,
    });
  }

  endAttempt(trace: AttemptTrace, failureReason: string | undefined): void {
    if (!trace.span) return;
    if (failureReason !== undefined) {
      trace.span.setAttribute(ATTR_ERROR_TYPE, failureReason);
      trace.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    trace.span.end();
  }

  event(name: string, attributes: Attributes): void {
    this.#span.addEvent(name, attributes);
  }

  end(result: CallEnd): void {
    const span = this.#span;
    span.setAttributes({
      [ATTR_ATTEMPTS]: result.attempts,
      [ATTR_FAILED_OVER]: result.failedOver,
    });
    if (result.servedBy !== undefined) span.setAttribute(ATTR_CLOUD_REGION, result.servedBy);
    if (result.failoverReason !== undefined)
      span.setAttribute(ATTR_FAILOVER_REASON, result.failoverReason);
    if (result.stoppedBecause !== undefined)
      span.setAttribute(ATTR_STOPPED_BECAUSE, result.stoppedBecause);
    // An aborted call is the caller's decision, not an error.
    if (result.failed && !result.aborted) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType(result));
      span.setStatus({ code: SpanStatusCode.ERROR });
      if (result.error instanceof Error) span.recordException(exceptionOf(result.error));
    }
    span.end();
  }
}

/**
 * The error as the span records it. Its message may quote a server (a gRPC status's details):
 * made printable and bounded. Its stack keeps the frames only, as its first line repeats the
 * message.
 */
function exceptionOf(error: Error): Exception {
  const { code } = error as { code?: unknown };
  return {
    name: error.name,
    message: printable(error.message),
    stack: error.stack
      ?.split('\n')
      .filter((line) => line.startsWith('    at '))
      .join('\n'),
    code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
  };
}

/** Low-cardinality: a stable code or class name, never a message. */
function errorType(result: CallEnd): string {
  const code = (result.error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  if (result.stoppedBecause) return result.stoppedBecause;
  return result.error instanceof Error ? result.error.name : '_OTHER';
}
