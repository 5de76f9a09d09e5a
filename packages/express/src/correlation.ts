import { newCorrelationId, validCorrelationId } from '@regionkit/core';

/**
 * The correlation ID of an inbound request: the caller's, if we trust callers to set it and it
 * is valid (≤ 128 safe characters, so it cannot smuggle CR/LF into a header or a log line);
 * otherwise a fresh one. A rejected ID is never echoed.
 */
export function inboundCorrelationId(
  value: string | string[] | undefined,
  trusted: boolean,
): string {
  if (trusted && typeof value === 'string') {
    const valid = validCorrelationId(value);
    if (valid !== undefined) return valid;
  }
  return newCorrelationId();
}
