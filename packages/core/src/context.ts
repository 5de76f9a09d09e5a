import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Priority } from './types.js';

/**
 * What travels with a request through this process: set by an inbound adapter (Express, a gRPC
 * server) or by the first outbound call, read by every outbound call made inside it.
 */
export interface RegionContext {
  /** Validated correlation ID; safe to log and to put in a header. */
  readonly correlationId: string;
  readonly priority: Priority;
  /** Absolute deadline (epoch ms) that every outbound call made inside inherits. */
  readonly deadline: number | undefined;
  /** Region that served the latest outbound call made in this context. */
  servedBy: string | undefined;
  /**
   * Aborts when the work this context stands for is no longer wanted (the inbound request's
   * client went away): every outbound call made inside stops as if its own `signal` aborted.
   */
  readonly signal: AbortSignal | undefined;
}

export interface ContextInit {
  /** Untrusted input is fine: an invalid ID is replaced by a fresh one, never echoed. */
  readonly correlationId?: unknown;
  readonly priority?: Priority;
  readonly deadline?: number;
  /**
   * Cancels every outbound call made inside the context: the attempt in flight is abandoned
   * and no retry follows. Inbound adapters pass the inbound request's lifetime, so calls made
   * for a caller who has gone stop instead of retrying and failing over until the deadline.
   */
  readonly signal?: AbortSignal;
}

const storage = new AsyncLocalStorage<RegionContext>();

/** Longest correlation ID accepted from outside; longer ones are replaced. */
export const MAX_CORRELATION_ID_LENGTH = 128;
// No spaces, quotes, CR/LF or non-ASCII: these IDs go into headers, metadata and log lines.
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:+=/-]+$/;

/** The ID if it is safe to log and send on (≤ 128 chars of a safe charset), else undefined. */
export function validCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_CORRELATION_ID_LENGTH &&
    SAFE_CORRELATION_ID.test(value)
    ? value
    : undefined;
}

/**
 * A fresh correlation ID: unique, not secret. It has the shape of an RFC 9562 version-8 UUID,
 * so log pipelines that expect UUIDs accept it: 74 random bits drawn once per process (and again
 * every 2^30 IDs), then a counter written in decimal, which is valid hex and much cheaper to
 * format. Every outbound call made outside a request context needs one: `randomUUID()` cost a
 * few microseconds of CPU per call.
 */
export function newCorrelationId(): string {
  if (idCounter >= MAX_ID_COUNTER) reseedIds();
  const n = idCounter++;
  // 12 decimal digits: the first 9 change once per 1000 IDs and are formatted then; the last 3
  // come from a table (formatting and padding every ID cost ~500 instructions per call).
  const block = Math.floor(n / 1000);
  if (block !== idBlock) {
    idBlock = block;
    idBlockPrefix = idPrefix + String(block).padStart(9, '0');
  }
  return idBlockPrefix + LAST_THREE_DIGITS[n - block * 1000];
}

/** Keeps the counter a small integer, which V8 formats fastest. */
const MAX_ID_COUNTER = 2 ** 30;
const LAST_THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let idPrefix = '';
let idCounter = 0;
/** `idPrefix` and the first 9 digits of the IDs in block `idBlock` (IDs idBlock × 1000 + 0..999). */
let idBlock = -1;
let idBlockPrefix = '';
reseedIds();

function reseedIds(): void {
  const hex = randomBytes(10).toString('hex'); // 80 bits, 74 of them used
  const variant = ((Number.parseInt(hex.charAt(15), 16) & 0x3) | 0x8).toString(16); // 10xx
  idPrefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(12, 15)}-${variant}${hex.slice(16, 19)}-`;
  // A random start as well: two processes that drew the same prefix still differ.
  idCounter = Number.parseInt(hex.slice(19, 20), 16) << 20;
  idBlock = -1;
}

const PRIORITIES: ReadonlySet<unknown> = new Set<Priority>(['critical', 'default', 'sheddable']);

export function isPriority(value: unknown): value is Priority {
  return PRIORITIES.has(value);
}

export function createContext(init: ContextInit = {}): RegionContext {
  const { signal } = init;
  // Unlike the other fields, the signal comes from code, not from a request: a wrong value is
  // a bug to report, not input to replace.
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `context signal is ${typeof signal}; pass an AbortSignal (e.g. AbortController#signal), or leave it out`,
    );
  }
  return {
    correlationId: validCorrelationId(init.correlationId) ?? newCorrelationId(),
    priority: isPriority(init.priority) ? init.priority : 'default',
    deadline: Number.isFinite(init.deadline) ? init.deadline : undefined,
    servedBy: undefined,
    signal,
  };
}

/** Runs `fn` inside a new context; outbound calls made inside carry its ID, priority and deadline. */
export function runInContext<R>(init: ContextInit | RegionContext, fn: () => R): R {
  const context = 'servedBy' in init ? (init as RegionContext) : createContext(init);
  return storage.run(context, fn);
}

/**
 * How close to its deadline an inbound request's context is left to the deadline when its caller
 * goes away (see `cancelInboundContext`). It must cover how long before this service started its
 * clock the caller started its own: the caller sends its remaining time when it dispatches the
 * request, and queueing or a new connection (two or three round trips across regions) may pass
 * before the request arrives.
 */
export const CANCEL_GRACE_MS = 250;

/**
 * Aborts an inbound request's context (`controller` made its `signal`) because its caller went
 * away. Within CANCEL_GRACE_MS of the context's deadline the abort waits until the deadline has
 * passed: a caller that gives up at its own deadline cancels at about the moment this deadline
 * (read from the request, so a little later than the caller's) ends the outbound calls anyway,
 * and then the deadline must be what ends them. An attempt that timed out is held against its
 * region, an abandoned one is not, so a hung region would otherwise escape its breaker.
 */
export function cancelInboundContext(
  controller: AbortController,
  reason: unknown,
  deadline: number | undefined,
): void {
  const untilDeadline = deadline === undefined ? Infinity : deadline - Date.now();
  if (untilDeadline > CANCEL_GRACE_MS) {
    controller.abort(reason);
    return;
  }
  // Still aborted, for whatever else watches the signal, once the deadline has done its work.
  setTimeout(() => controller.abort(reason), Math.max(0, untilDeadline) + CANCEL_GRACE_MS).unref();
}

/**
 * What stops a call made in `context`: the call's own signal, the context's (see
 * `ContextInit.signal`), or one that aborts with whichever aborts first. No new signal unless
 * there are two.
 */
export function callSignal(
  own: AbortSignal | undefined,
  context: RegionContext | undefined,
): AbortSignal | undefined {
  const inherited = context?.signal;
  if (!inherited || inherited === own) return own;
  return own ? AbortSignal.any([own, inherited]) : inherited;
}

/** The context of the code running now, if any. */
export function currentContext(): RegionContext | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` with exactly `context` current, none if it is undefined: unlike `runInContext`, it
 * also clears a context that `fn` would otherwise inherit from the code that called it.
 */
export function runWithContext<R>(context: RegionContext | undefined, fn: () => R): R {
  return storage.run(context as RegionContext, fn);
}

/** An event emitter (an HTTP request or response, a grpc-js call): what has listeners. */
export interface Emitter {
  emit(event: string | symbol, ...args: unknown[]): boolean;
}

/**
 * Makes every listener of `emitters` run in the async context that is current now: regionkit's
 * and OpenTelemetry's alike, as every AsyncLocalStorage is captured. Inbound adapters call it
 * on a request inside the context they run it in.
 *
 * Node runs a listener in the context of whoever emits the event, and an HTTP parser or HTTP/2
 * session emits a request's 'data' and 'end' from the connection's context, not from the one
 * the request is handled in. Without this, an outbound call made in `req.on('end', ...)` would
 * carry a fresh correlation ID and no priority, deadline or trace parent.
 */
export function emitInCurrentContext(...emitters: Emitter[]): void {
  const inContext = AsyncLocalStorage.snapshot();
  for (const emitter of emitters) {
    const emit = emitter.emit;
    emitter.emit = function emitInContext(
      this: Emitter,
      event: string | symbol,
      ...args: unknown[]
    ): boolean {
      return inContext(() => emit.call(this, event, ...args));
    };
  }
}

/**
 * The priority an inbound request claims (a header, gRPC metadata): a known value, or
 * undefined. `critical` only from a trusted caller: an outsider may lower its own priority
 * (and its calls'), never raise it.
 */
export function inboundPriority(value: unknown, trusted: boolean): Priority | undefined {
  if (!isPriority(value)) return undefined;
  return value === 'critical' && !trusted ? undefined : value;
}
