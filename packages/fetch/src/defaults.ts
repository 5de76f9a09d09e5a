import { WIRE_NAMES } from '@regionkit/core';
/**
 * Every default of @regionkit/fetch in one place, with units. `types.ts` repeats them as
 * `@default` so an editor shows them.
 */
export const HTTP_DEFAULTS = {
  correlationHeader: WIRE_NAMES.correlationId,
  idempotencyKeys: 'off' as 'auto' | 'off',
  /** Largest stream request body buffered so it can be replayed on another attempt: 1 MiB. */
  maxReplayBodyBytes: 1_048_576,
  tracePropagation: 'auto' as 'auto' | 'always' | 'off',
  /**
   * Bytes of response body held while regionkit decides whether to return a response or retry
   * it; past this the socket is paused until the decision (64 KiB).
   */
  undecidedBufferBytes: 65_536,
  /**
   * Bytes of a retried (discarded) response body read and dropped so its keep-alive connection
   * can be reused; a longer body closes the connection instead (64 KiB).
   */
  drainLimitBytes: 65_536,
  /**
   * How long a retried (discarded) response body may take to finish draining; a body that
   * stalls or trickles closes its connection instead of holding it for undici's bodyTimeout (ms).
   */
  drainTimeoutMs: 1_000,
} as const;

/**
 * Header names regionkit writes on every attempt. Values supplied by the caller under these
 * names are dropped: they are regionkit's to set, and a forwarded inbound header must not leak
 * through unvalidated. `@regionkit/express` reads the same names.
 */
export const REGIONKIT_HEADERS = {
  /** 1-based attempt number of this logical call. */
  attempt: WIRE_NAMES.attempt,
  /** Whole milliseconds this attempt may still take before the caller abandons it. */
  deadline: WIRE_NAMES.deadlineMs,
  /** `critical` or `sheddable`; absent means `default`. */
  priority: WIRE_NAMES.priority,
} as const;

export const IDEMPOTENCY_KEY_HEADER = WIRE_NAMES.idempotencyKey;
