import { type Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { type AttemptResult, AttemptTimeoutError, type Verdict } from '@regionkit/core';
import { firstString, METADATA_KEYS } from './metadata.js';

/**
 * Status details grpc-js itself writes when a call failed before its request left this process
 * or before any server application saw it: no connection could be made (refused, DNS), the
 * channel was closed, or the server's HTTP/2 layer refused the stream (REFUSED_STREAM, which
 * gRPC defines as "not processed"). Checked only when the server sent nothing back, so a
 * server relaying one of these texts from its own upstream cannot pass for an unsent call.
 */
const UNSENT_DETAILS =
  /^(?:No connection established|Stream refused by server|Name resolution failed|Channel closed before call started|Subchannel not ready)/;

/**
 * grpc-js could not open the HTTP/2 stream on the connection it picked (the session was
 * closing, say): its own NOT_STARTED status, so the request never left.
 */
const STREAM_NOT_STARTED = /^Failed to start HTTP\/2 stream/;

/**
 * grpc-js could not decode a response with this client's message type: most often a schema
 * mismatch on this side, which every region would trip over alike.
 */
const RESPONSE_PARSE_ERROR = /^Response message parsing error/;

/** grpc-js's report of an HTTP/2 stream reset with no gRPC status from the server. */
const STREAM_RESET = /^Received RST_STREAM with code/;

/**
 * grpc-js's message-size limits, on either side: a request or response over a limit fails the
 * same way in every region, so it is the caller's problem, not the region's. Client side:
 * "Attempted to send message with a size larger than N", "Received message larger than max
 * (...)" (after the response headers), "Received message that decompresses to a size larger
 * than N"; a grpc-js server reports "Sent message larger than max" and the decompress text.
 */
const MESSAGE_TOO_LARGE =
  /^(?:Attempted to send message with a size larger than|Received message larger than max|Received message that decompresses to a size larger than|Sent message larger than max)/;

/** Errors whose attempt got a response from a server (headers or a trailers-only reply). */
const responded = new WeakSet<object>();

/** Records that the attempt that produced `error` heard back from a server. */
export function markServerResponded(error: unknown): void {
  if (typeof error === 'object' && error !== null) responded.add(error);
}

/** A grpc-js call error: an Error with a numeric status `code`, `details` and `metadata`. */
export function isServiceError(value: unknown): value is ServiceError {
  if (!(value instanceof Error)) return false;
  const candidate = value as Partial<ServiceError>;
  return (
    typeof candidate.code === 'number' &&
    typeof candidate.details === 'string' &&
    typeof candidate.metadata?.get === 'function'
  );
}

/** `UNAVAILABLE` → `unavailable`: low-cardinality reasons for events and attempt records. */
export function statusName(code: number): string {
  const name = status[code];
  // A server can send any number as grpc-status: one name for all unknown codes keeps reasons
  // (metric attributes) to a bounded set.
  return typeof name === 'string' ? name.toLowerCase().replaceAll('_', '-') : 'unknown-code';
}

/** Undefined: no pushback. 'stop': the server asked not to be retried. Otherwise ms to wait. */
export function retryPushback(metadata: Metadata): number | 'stop' | undefined {
  const raw = firstString(metadata, METADATA_KEYS.retryPushback);
  if (raw === undefined) return undefined;
  // gRFC A6: a negative or unparseable pushback means "do not retry".
  return /^\d{1,9}$/.test(raw.trim()) ? Number(raw) : 'stop';
}

const TIMEOUT: Verdict = Object.freeze({ kind: 'retriable', reason: 'timeout' });
const SUCCESS: Verdict = Object.freeze({ kind: 'success' });
const CLIENT_ERROR: Verdict = Object.freeze({ kind: 'fatal', reason: 'client-error' });
const MESSAGE_TOO_LARGE_VERDICT: Verdict = Object.freeze({
  kind: 'fatal',
  reason: 'message-too-large',
});

/**
 * The gRPC status mapping (see the README's table):
 * - UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED (of this attempt) and a CANCELLED that
 *   this client did not ask for → retriable, `grpc-retry-pushback-ms` honoured;
 * - UNAVAILABLE that grpc-js raised locally, with no reply from any server → also `neverSent`,
 *   so even a non-idempotent call fails over;
 * - INTERNAL that is grpc-js's report of a reset HTTP/2 stream (no status from the server) →
 *   retriable, ambiguous: the transport broke under the call;
 * - everything else → fatal; INTERNAL, UNKNOWN and DATA_LOSS sent by a server count against
 *   its region's health.
 */
export function classifyGrpc(result: AttemptResult<unknown>): Verdict {
  if (result.ok) return SUCCESS;
  const { error } = result;
  if (!isServiceError(error)) {
    // regionkit's own per-attempt timer fired a moment before grpc-js's deadline did.
    return error instanceof AttemptTimeoutError ? TIMEOUT : CLIENT_ERROR;
  }
  return classifyStatus(error.code, error.details, error.metadata, responded.has(error));
}

/** Verdict for one attempt's final status; `serverResponded`: response headers were received. */
export function classifyStatus(
  code: number,
  details: string,
  metadata: Metadata,
  serverResponded: boolean,
): Verdict {
  if (code === status.OK) return SUCCESS;
  // A locally generated status carries empty metadata; a server's always has some (a
  // trailers-only reply at least repeats content-type), so this also catches such replies.
  const fromServer = serverResponded || Object.keys(metadata.getMap()).length > 0;
  switch (code) {
    case status.UNAVAILABLE:
    case status.RESOURCE_EXHAUSTED:
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
      break;
    case status.INTERNAL:
      // The HTTP/2 stream was reset under the call (a server dying mid-call can do this):
      // a transport failure after the request may have arrived, not an answer.
      if (!fromServer && STREAM_RESET.test(details)) {
        return { kind: 'retriable', reason: 'stream-reset' };
      }
      // Raised here after the headers arrived, so `fromServer` says nothing: the text decides.
      if (RESPONSE_PARSE_ERROR.test(details) && Object.keys(metadata.getMap()).length === 0) {
        return { kind: 'fatal', reason: 'response-parse-error' };
      }
      if (!fromServer && STREAM_NOT_STARTED.test(details)) {
        return { kind: 'retriable', reason: 'stream-not-started', neverSent: true };
      }
      return serverFault(code, fromServer);
    case status.UNKNOWN:
    case status.DATA_LOSS:
      return serverFault(code, fromServer);
    default:
      return { kind: 'fatal', reason: `status-${statusName(code)}` };
  }
  // Whoever raised it (grpc-js here, after the headers, or a grpc-js server): no region helps.
  if (code === status.RESOURCE_EXHAUSTED && MESSAGE_TOO_LARGE.test(details)) {
    return MESSAGE_TOO_LARGE_VERDICT;
  }
  const pushback = fromServer ? retryPushback(metadata) : undefined;
  if (pushback === 'stop') return { kind: 'fatal', reason: 'pushback-stop', regionFault: true };
  const retryAfterMs = pushback !== undefined ? { retryAfterMs: pushback } : {};
  if (code === status.UNAVAILABLE && !fromServer && UNSENT_DETAILS.test(details)) {
    return {
      kind: 'retriable',
      reason: details.startsWith('Stream refused') ? 'stream-refused' : 'connect-failed',
      neverSent: true,
    };
  }
  // CANCELLED reaching the classifier was not ours: our own cancels (caller abort, attempt
  // timeout) settle the attempt before grpc-js reports them. The server or a proxy dropped it.
  const reason = code === status.CANCELLED ? 'cancelled-by-peer' : statusName(code);
  return { kind: 'retriable', reason, ...retryAfterMs };
}

/**
 * INTERNAL, UNKNOWN, DATA_LOSS: not retried. From a server they count against its region's
 * health; raised locally (a request that failed to serialize, say) they are the caller's.
 */
function serverFault(code: number, fromServer: boolean): Verdict {
  return { kind: 'fatal', reason: `status-${statusName(code)}`, regionFault: fromServer };
}
