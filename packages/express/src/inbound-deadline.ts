/** What an inbound deadline header says. */
export type InboundDeadline =
  /** No header, or one that is not a whole number: ignored, never guessed at. */
  | { readonly kind: 'none'; readonly malformed: boolean }
  /** The caller has given up or will before this service can answer: reply 504 at once. */
  | { readonly kind: 'expired'; readonly remainingMs: number }
  | { readonly kind: 'deadline'; readonly at: number };

const NONE: InboundDeadline = Object.freeze({ kind: 'none', malformed: false });
const MALFORMED: InboundDeadline = Object.freeze({ kind: 'none', malformed: true });
// Optional minus sign and up to 15 digits: values stay exact as JavaScript numbers.
const WHOLE_MS = /^-?\d{1,15}$/;

/**
 * Reads a relative deadline (whole ms left). Relative rather than absolute, so the two hosts'
 * clocks need not agree. A negative value means the deadline already passed (expired); a value
 * above `maxMs` is capped; garbage (`abc`, `1e3`, `12ms`, repeated headers) is ignored.
 */
export function readInboundDeadline(
  value: string | string[] | undefined,
  now: number,
  minRemainingMs: number,
  maxMs: number,
): InboundDeadline {
  if (value === undefined) return NONE;
  if (typeof value !== 'string' || !WHOLE_MS.test(value)) return MALFORMED;
  const remainingMs = Number(value);
  // Zero is gone even when this service needs no time at all (`minRemainingMs: 0`).
  if (remainingMs <= 0 || remainingMs < minRemainingMs) return { kind: 'expired', remainingMs };
  return { kind: 'deadline', at: now + Math.min(remainingMs, maxMs) };
}
