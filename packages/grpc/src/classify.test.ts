import { Metadata, status } from '@grpc/grpc-js';
import { AttemptTimeoutError } from '@regionkit/core';
import { describe, expect, it } from 'vitest';
import { classifyGrpc, classifyStatus, markServerResponded, retryPushback } from './classify.js';

/** Metadata as a server's trailers-only reply carries it (content-type at least). */
function fromServer(extra: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  metadata.set('content-type', 'application/grpc+proto');
  for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
  return metadata;
}

const REFUSED =
  'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ';

describe('classifyStatus: gRPC status → verdict', () => {
  it('treats UNAVAILABLE raised by grpc-js before any server replied as never sent', () => {
    expect(classifyStatus(status.UNAVAILABLE, REFUSED, new Metadata(), false)).toEqual({
      kind: 'retriable',
      reason: 'connect-failed',
      neverSent: true,
    });
    expect(
      classifyStatus(status.UNAVAILABLE, 'Stream refused by server', new Metadata(), false),
    ).toMatchObject({ reason: 'stream-refused', neverSent: true });
  });

  it('does not trust the same text when a server sent it (headers or trailers-only)', () => {
    const relayed = classifyStatus(status.UNAVAILABLE, REFUSED, fromServer(), false);
    expect(relayed).toEqual({ kind: 'retriable', reason: 'unavailable' });
    const afterHeaders = classifyStatus(status.UNAVAILABLE, REFUSED, new Metadata(), true);
    expect(afterHeaders).toEqual({ kind: 'retriable', reason: 'unavailable' });
  });

  it('treats a dropped connection as retriable but ambiguous', () => {
    expect(classifyStatus(status.UNAVAILABLE, 'Connection dropped', new Metadata(), false)).toEqual(
      { kind: 'retriable', reason: 'unavailable' },
    );
    expect(classifyStatus(status.CANCELLED, 'Call cancelled', new Metadata(), false)).toEqual({
      kind: 'retriable',
      reason: 'cancelled-by-peer',
    });
    expect(
      classifyStatus(
        status.INTERNAL,
        'Received RST_STREAM with code 2 triggered by internal client error: Protocol error',
        new Metadata(),
        false,
      ),
    ).toEqual({ kind: 'retriable', reason: 'stream-reset' });
  });

  it('retries RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED, honouring pushback', () => {
    expect(
      classifyStatus(
        status.RESOURCE_EXHAUSTED,
        'shed',
        fromServer({ 'grpc-retry-pushback-ms': '250' }),
        true,
      ),
    ).toEqual({ kind: 'retriable', reason: 'resource-exhausted', retryAfterMs: 250 });
    expect(
      classifyStatus(status.DEADLINE_EXCEEDED, 'Deadline exceeded', new Metadata(), false),
    ).toEqual({ kind: 'retriable', reason: 'deadline-exceeded' });
  });

  it("names every status code outside gRPC's as one reason: a server cannot mint metric labels", () => {
    for (const code of [17, 100_001, 100_002]) {
      expect(classifyStatus(code, 'odd', fromServer(), true)).toMatchObject({
        reason: 'status-unknown-code',
      });
    }
  });

  it('stops on a negative or unreadable pushback (gRFC A6)', () => {
    for (const pushback of ['-1', 'soon', '1.5']) {
      expect(
        classifyStatus(
          status.UNAVAILABLE,
          'busy',
          fromServer({ 'grpc-retry-pushback-ms': pushback }),
          true,
        ),
      ).toEqual({ kind: 'fatal', reason: 'pushback-stop', regionFault: true });
    }
  });

  it('a response this client cannot decode is not held against the region', () => {
    const details = 'Response message parsing error: index out of range';
    // grpc-js raises it after the response headers arrived, with empty metadata of its own.
    expect(classifyStatus(status.INTERNAL, details, new Metadata(), true)).toEqual({
      kind: 'fatal',
      reason: 'response-parse-error',
    });
  });

  it('fails over, even a non-idempotent call, when grpc-js could not start the HTTP/2 stream', () => {
    const details = 'Failed to start HTTP/2 stream with error The session has been destroyed';
    expect(classifyStatus(status.INTERNAL, details, new Metadata(), false)).toEqual({
      kind: 'retriable',
      reason: 'stream-not-started',
      neverSent: true,
    });
    // The same text from a server is that server's own INTERNAL error.
    expect(classifyStatus(status.INTERNAL, details, fromServer(), true)).toMatchObject({
      kind: 'fatal',
      regionFault: true,
    });
  });

  it.each([
    ['request over our send limit', 'Attempted to send message with a size larger than 10', false],
    [
      'response over our limit, after its headers',
      'Received message larger than max (5000 vs 10)',
      true,
    ],
    [
      'response over our limit once decompressed',
      'Received message that decompresses to a size larger than 10',
      true,
    ],
    ["response over the server's send limit", 'Sent message larger than max (5000 vs. 10)', true],
  ])("does not retry grpc-js's message-size limits: %s", (_case, details, responded) => {
    const metadata = responded ? fromServer({}) : new Metadata();
    expect(classifyStatus(status.RESOURCE_EXHAUSTED, details, metadata, responded)).toEqual({
      kind: 'fatal',
      reason: 'message-too-large',
    });
  });

  it('ends the call on every other status; server faults count against the region', () => {
    expect(classifyStatus(status.INTERNAL, 'boom', fromServer(), true)).toEqual({
      kind: 'fatal',
      reason: 'status-internal',
      regionFault: true,
    });
    expect(
      classifyStatus(
        status.INTERNAL,
        'Request message serialization failure',
        new Metadata(),
        false,
      ),
    ).toEqual({ kind: 'fatal', reason: 'status-internal', regionFault: false });
    for (const code of [
      status.NOT_FOUND,
      status.INVALID_ARGUMENT,
      status.PERMISSION_DENIED,
      status.UNAUTHENTICATED,
      status.FAILED_PRECONDITION,
      status.ALREADY_EXISTS,
      status.UNIMPLEMENTED,
    ]) {
      const verdict = classifyStatus(code, 'no', fromServer(), true);
      expect(verdict.kind).toBe('fatal');
      expect(verdict).not.toHaveProperty('regionFault');
    }
    expect(classifyStatus(status.OK, 'OK', fromServer(), true)).toEqual({ kind: 'success' });
  });
});

describe('classifyGrpc: attempt results', () => {
  const serviceError = (code: status, details: string) =>
    Object.assign(new Error(details), { code, details, metadata: new Metadata() });

  it('uses what the transport recorded about server replies', () => {
    const error = serviceError(status.UNAVAILABLE, REFUSED);
    expect(classifyGrpc({ ok: false, error })).toMatchObject({ neverSent: true });
    markServerResponded(error);
    expect(classifyGrpc({ ok: false, error })).not.toHaveProperty('neverSent');
  });

  it("retries regionkit's own attempt timeout and stops on a client-side error", () => {
    expect(classifyGrpc({ ok: false, error: new AttemptTimeoutError('us-east', 100) })).toEqual({
      kind: 'retriable',
      reason: 'timeout',
    });
    expect(classifyGrpc({ ok: false, error: new TypeError('bad request') })).toEqual({
      kind: 'fatal',
      reason: 'client-error',
    });
    expect(classifyGrpc({ ok: true, value: {} })).toEqual({ kind: 'success' });
  });
});

describe('retryPushback', () => {
  it('reads whole milliseconds and flags "do not retry"', () => {
    expect(retryPushback(fromServer())).toBeUndefined();
    expect(retryPushback(fromServer({ 'grpc-retry-pushback-ms': '0' }))).toBe(0);
    expect(retryPushback(fromServer({ 'grpc-retry-pushback-ms': ' 1500 ' }))).toBe(1500);
    expect(retryPushback(fromServer({ 'grpc-retry-pushback-ms': '-20' }))).toBe('stop');
  });
});
