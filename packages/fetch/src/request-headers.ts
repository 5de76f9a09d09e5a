import { IDEMPOTENCY_KEY_HEADER, REGIONKIT_HEADERS } from './defaults.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type HeaderValue = string | string[] | number | undefined | null;

/** The caller's headers, flattened once per call, minus the ones regionkit owns. */
export interface CallerHeaders {
  /** Flat `[name, value, name, value, ...]`, ready to be copied for each attempt. */
  readonly base: unknown[];
  /** The caller's own correlation ID header value (still unvalidated). */
  readonly correlationId: string | undefined;
  readonly idempotencyKey: string | undefined;
  /** The caller set `traceparent` itself: never inject a second one. */
  readonly hasTraceparent: boolean;
  /** The caller set `baggage` itself: it is sent as is, and none is injected next to it. */
  readonly hasBaggage: boolean;
}

/** Shared by every call without headers: `base` is only ever copied, never written to. */
export const NO_HEADERS: CallerHeaders = Object.freeze({
  base: Object.freeze([]) as unknown as unknown[],
  correlationId: undefined,
  idempotencyKey: undefined,
  hasTraceparent: false,
  hasBaggage: false,
});

const DROPPED: ReadonlySet<string> = new Set(Object.values(REGIONKIT_HEADERS));

/**
 * Accepts every header shape undici does (flat array, array of pairs, plain object, iterable
 * of pairs such as `Headers`). Header values are not validated here: undici does that for each
 * attempt and fails the call with its own error.
 */
export function readCallerHeaders(headers: unknown, correlationHeader: string): CallerHeaders {
  if (headers == null) return NO_HEADERS;
  const out: Mutable<CallerHeaders> = {
    base: [],
    correlationId: undefined,
    idempotencyKey: undefined,
    hasTraceparent: false,
    hasBaggage: false,
  };
  let hasTracestate = false;
  const add = (name: unknown, value: unknown) => {
    if (typeof name !== 'string') {
      out.base.push(name, value); // let undici reject it with its own message
      return;
    }
    const lower = name.toLowerCase();
    if (lower === correlationHeader) {
      out.correlationId ??= firstValue(value as HeaderValue);
      return; // re-added from the context, validated, on every attempt
    }
    if (DROPPED.has(lower)) return;
    if (lower === IDEMPOTENCY_KEY_HEADER) {
      const key = firstValue(value as HeaderValue);
      // A blank key would let a write be resent that the server cannot deduplicate: treat it
      // as none (dropped, so `idempotencyKeys: 'auto'` can still add a real one).
      if (key === undefined || !/\S/.test(key)) return;
      out.idempotencyKey ??= key;
    } else if (lower === 'traceparent') out.hasTraceparent = true;
    else if (lower === 'tracestate') hasTracestate = true;
    else if (lower === 'baggage') out.hasBaggage = true;
    out.base.push(name, value);
  };
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as unknown[][]) add(pair[0], pair[1]);
    } else {
      for (let i = 0; i < headers.length; i += 2) add(headers[i], headers[i + 1]);
    }
  } else if (typeof headers === 'object' && hasOwnIterator(headers)) {
    for (const pair of headers as Iterable<unknown[]>) add(pair[0], pair[1]);
  } else if (typeof headers === 'object') {
    for (const name of Object.keys(headers)) {
      const value = (headers as Record<string, unknown>)[name];
      if (value !== undefined) add(name, value);
    }
  } else {
    throw new TypeError(
      `request headers are a ${typeof headers}; pass an object, a flat [name, value, ...] array or an iterable of [name, value] pairs`,
    );
  }
  // A tracestate belongs to the trace its traceparent names: without one it describes no trace,
  // and would sit next to the injected traceparent as if it were that trace's.
  if (hasTracestate && !out.hasTraceparent) out.base = withoutHeader(out.base, 'tracestate');
  return out;
}

function withoutHeader(flat: unknown[], lowerName: string): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i];
    if (typeof name === 'string' && name.toLowerCase() === lowerName) continue;
    kept.push(name, flat[i + 1]);
  }
  return kept;
}

function firstValue(value: HeaderValue): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first == null ? undefined : String(first);
}

// Same test as undici: a plain object is a record even though Object.prototype has no iterator.
function hasOwnIterator(headers: object): boolean {
  const proto = Object.getPrototypeOf(headers);
  return (
    Object.hasOwn(headers, Symbol.iterator) ||
    (proto !== null &&
      proto !== Object.prototype &&
      typeof (headers as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function')
  );
}
