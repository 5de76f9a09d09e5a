import { AttemptTimeoutError } from './errors.js';
import type { AttemptResult, Verdict } from './types.js';

/** Error codes that prove the request never left this process or never reached a server. */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Codes of failures that may have happened after the server received the request. */
const AMBIGUOUS_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The first `code` found on the error or along its `cause` chain (undici wraps errors). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when the error proves the request never reached a server, so resending is safe. */
export function isNeverSentError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NEVER_SENT_CODES.has(code);
}

/** Verdict for an error thrown by a transport: connection-level failures are retriable. */
export function classifyError(error: unknown): Verdict {
  if (error instanceof AttemptTimeoutError) return { kind: 'retriable', reason: 'timeout' };
  const code = errorCode(error);
  if (code !== undefined && NEVER_SENT_CODES.has(code)) {
    return {
      kind: 'retriable',
      reason: code === 'ECONNREFUSED' ? 'connect-refused' : 'connect-failed',
      neverSent: true,
    };
  }
  if (code !== undefined && AMBIGUOUS_CODES.has(code)) {
    return {
      kind: 'retriable',
      reason: code
        .toLowerCase()
        .replace(/^und_err_/, '')
        .replaceAll('_', '-'),
    };
  }
  return { kind: 'retriable', reason: 'error' };
}

/**
 * The classifier used when an adapter gives none: any value is a success, any thrown error is
 * retriable (and proven-unsent errors are marked so). Adapters replace it with one that knows
 * their protocol's statuses.
 */
export function defaultClassifier(result: AttemptResult<unknown>): Verdict {
  return result.ok ? SUCCESS : classifyError(result.error);
}

export const SUCCESS: Verdict = Object.freeze({ kind: 'success' });
