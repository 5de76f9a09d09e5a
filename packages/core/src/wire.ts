import { ConfigError } from './errors.js';

/**
 * Names on the wire that every regionkit adapter shares: what @regionkit/fetch and
 * @regionkit/grpc send on each attempt is what @regionkit/express and the gRPC server
 * interceptor read. One definition, so a client and a server can never disagree.
 * HTTP header names and gRPC metadata keys alike (lower case).
 */
export const WIRE_NAMES = {
  /** Correlation ID of the logical request; validated on the way in, replaced when unsafe. */
  correlationId: 'x-request-id',
  /** 1-based number of the attempt that carries it, so servers can see and count retries. */
  attempt: 'x-regionkit-attempt',
  /** Whole milliseconds this attempt may still take before the caller abandons it. */
  deadlineMs: 'x-regionkit-deadline-ms',
  /** `critical` or `sheddable`; absent means `default`. */
  priority: 'x-regionkit-priority',
  /** Identical on every attempt of a call; makes a non-idempotent call safe to resend. */
  idempotencyKey: 'idempotency-key',
} as const;

/**
 * Header names the protocols own: HTTP framing and routing, and W3C trace context. A correlation
 * header by one of these names would break requests (`host`, `content-length`) or pass the ID
 * off as a trace (`traceparent`), so adapters refuse them as their correlation header.
 */
export const PROTOCOL_HEADER_NAMES: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
  'traceparent',
  'tracestate',
  'baggage',
]);

/** Throws a ConfigError naming `field` if `lowerName` is one of PROTOCOL_HEADER_NAMES. */
export function refuseProtocolHeader(lowerName: string, field: string): void {
  if (!PROTOCOL_HEADER_NAMES.has(lowerName)) return;
  throw new ConfigError(
    field,
    `is "${lowerName}", a header HTTP or trace context uses for something else`,
    'Pick another name, e.g. "x-request-id" or "x-correlation-id".',
  );
}
