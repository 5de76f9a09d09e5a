import { type AttemptResult, classifyError, errorCode, type Verdict } from '@regionkit/core';
import { parseRetryAfterMs } from './retry-after.js';

/** What the classifier reads from an attempt that got a response head. */
export interface ResponseHead {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

const SUCCESS: Verdict = Object.freeze({ kind: 'success' });
const ABORTED: Verdict = Object.freeze({ kind: 'aborted' });
const INVALID_REQUEST: Verdict = Object.freeze({ kind: 'fatal', reason: 'invalid-request' });
const DISPATCHER_CLOSED: Verdict = Object.freeze({ kind: 'fatal', reason: 'dispatcher-closed' });

/** Errors about the request itself or a closed dispatcher: another region would fail the same way. */
const CALLER_ERROR_CODES: ReadonlyMap<string, Verdict> = new Map<string, Verdict>([
  ['UND_ERR_INVALID_ARG', INVALID_REQUEST],
  ['UND_ERR_NOT_SUPPORTED', INVALID_REQUEST],
  ['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', INVALID_REQUEST],
  ['UND_ERR_ABORTED', ABORTED],
  ['ABORT_ERR', ABORTED],
  ['UND_ERR_DESTROYED', DISPATCHER_CLOSED],
  // undici throws it only when dispatching on a closed dispatcher: nothing was sent anywhere.
  ['UND_ERR_CLOSED', DISPATCHER_CLOSED],
]);

// Verdicts are cached per status so the hot path allocates nothing.
const statusVerdicts = new Map<number, Verdict>();

/**
 * HTTP outcome classification (the table in the README):
 * - 1xx-3xx: success.
 * - 429: retriable in another region, honouring Retry-After for this one; not the region's fault.
 * - 502, 503, 504: retriable, count against the region's health; 503 honours Retry-After.
 * - other 4xx: the caller's problem, returned as is, the region stays healthy.
 * - other 5xx (500, 501, ...): returned as is (resending a request that crashed a server
 *   rarely helps and may repeat a side effect) but counted against the region's health.
 * - errors: connection failures per core (`connect-refused` is proven unsent), request errors
 *   are fatal; aborts are `aborted` (neither a result nor evidence about the region).
 */
export function classifyHttp(result: AttemptResult<ResponseHead>): Verdict {
  if (!result.ok) return classifyHttpError(result.error);
  const { statusCode, headers } = result.value;
  if (statusCode < 400) return SUCCESS;
  if (statusCode === 429 || statusCode === 503) {
    const retryAfterMs = parseRetryAfterMs(headers['retry-after'], Date.now());
    return {
      kind: 'retriable',
      reason: `status-${statusCode}`,
      regionFault: statusCode === 503,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return statusVerdict(statusCode);
}

export function classifyHttpError(error: unknown): Verdict {
  const code = errorCode(error);
  const known = code === undefined ? undefined : CALLER_ERROR_CODES.get(code);
  if (known) return known;
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return ABORTED;
  return classifyError(error);
}

function statusVerdict(statusCode: number): Verdict {
  let verdict = statusVerdicts.get(statusCode);
  if (!verdict) {
    const reason = `status-${statusCode}`;
    verdict =
      statusCode === 502 || statusCode === 504
        ? { kind: 'retriable', reason }
        : { kind: 'fatal', reason, regionFault: statusCode >= 500 };
    // Only real HTTP statuses are cached, so a server sending odd codes cannot grow the map.
    if (statusCode <= 599) statusVerdicts.set(statusCode, Object.freeze(verdict));
  }
  return verdict;
}
