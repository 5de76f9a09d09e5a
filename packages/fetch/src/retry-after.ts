import { parseHttpDate } from './http-date.js';

/** Longest pushback honoured (1 hour); the call's deadline usually cuts it much shorter. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * `Retry-After` (RFC 9110 §10.2.3) in ms from `now`, at most an hour: delay-seconds (any number
 * of digits) or an HTTP-date in any of its three forms. Anything else (negative, fractional,
 * garbage) is ignored rather than guessed at.
 */
export function parseRetryAfterMs(
  value: string | string[] | undefined,
  now: number,
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = parseHttpDate(text);
  if (at === undefined) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}
