import { AttemptTimeoutError } from '@regionkit/core';
import { describe, expect, it } from 'vitest';
import { classifyHttp } from './classify.js';
import { parseRetryAfterMs } from './retry-after.js';

const response = (statusCode: number, headers: Record<string, string> = {}) =>
  classifyHttp({ ok: true, value: { statusCode, headers } });
const failure = (error: unknown) => classifyHttp({ ok: false, error });
const coded = (code: string) => Object.assign(new Error(code), { code });

describe('classifyHttp', () => {
  it.each([200, 201, 204, 301, 304])('%i is a success', (status) => {
    expect(response(status)).toEqual({ kind: 'success' });
  });

  it.each([400, 401, 403, 404, 409, 422])(
    '%i is the caller’s problem: fatal, region healthy',
    (status) => {
      expect(response(status)).toEqual({
        kind: 'fatal',
        reason: `status-${status}`,
        regionFault: false,
      });
    },
  );

  it.each([502, 504])('%i is retriable and counts against the region', (status) => {
    expect(response(status)).toEqual({ kind: 'retriable', reason: `status-${status}` });
  });

  it('503 is retriable, counts against the region, and carries Retry-After', () => {
    expect(response(503, { 'retry-after': '2' })).toEqual({
      kind: 'retriable',
      reason: 'status-503',
      regionFault: true,
      retryAfterMs: 2_000,
    });
    expect(response(503)).not.toHaveProperty('retryAfterMs');
  });

  it('429 is retriable elsewhere but not the region’s fault', () => {
    expect(response(429, { 'retry-after': '1' })).toEqual({
      kind: 'retriable',
      reason: 'status-429',
      regionFault: false,
      retryAfterMs: 1_000,
    });
  });

  it.each([500, 501, 505])('%i is returned as is but counts against the region', (status) => {
    expect(response(status)).toEqual({
      kind: 'fatal',
      reason: `status-${status}`,
      regionFault: true,
    });
  });

  it('connection refused is retriable and proven unsent; a reset may have been received', () => {
    expect(failure(coded('ECONNREFUSED'))).toMatchObject({ kind: 'retriable', neverSent: true });
    const reset = failure(
      Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    );
    expect(reset).toMatchObject({ kind: 'retriable', reason: 'socket' });
    expect(reset).not.toHaveProperty('neverSent');
    expect(failure(new AttemptTimeoutError('us-east', 100))).toMatchObject({ reason: 'timeout' });
  });

  it('request errors are fatal (another region would fail the same way); aborts are aborts', () => {
    expect(failure(coded('UND_ERR_INVALID_ARG'))).toEqual({
      kind: 'fatal',
      reason: 'invalid-request',
    });
    expect(failure(coded('UND_ERR_ABORTED'))).toEqual({ kind: 'aborted' });
    expect(failure(new DOMException('x', 'AbortError'))).toEqual({ kind: 'aborted' });
    expect(failure(coded('UND_ERR_DESTROYED'))).toEqual({
      kind: 'fatal',
      reason: 'dispatcher-closed',
    });
    expect(failure(coded('UND_ERR_CLOSED'))).toEqual({
      kind: 'fatal',
      reason: 'dispatcher-closed',
    });
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfterMs('0', now)).toBe(0);
    expect(parseRetryAfterMs(' 7 ', now)).toBe(7_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0); // in the past
    expect(parseRetryAfterMs(['4', '9'], now)).toBe(4_000);
  });

  it('reads all three HTTP-date forms the RFC makes recipients accept', () => {
    expect(parseRetryAfterMs('Thursday, 01-Jan-26 00:00:05 GMT', now)).toBe(5_000); // RFC 850
    expect(parseRetryAfterMs('Thu Jan  1 00:00:06 2026', now)).toBe(6_000); // asctime
    expect(parseRetryAfterMs('Thu Jan 01 00:00:06 2026', now)).toBe(6_000);
  });

  it('ignores garbage and caps absurd values', () => {
    for (const bad of [
      undefined,
      '',
      '-1',
      '1.5',
      'soon',
      '1e3',
      '2026-01-01',
      'Mon, 2044', // Date.parse would take this for a date
      'Thu, 31 Feb 2026 00:00:00 GMT', // no such day
      'Thu, 01 Jan 2026 25:00:00 GMT',
      'Thu, 01 Jan 2026 00:00:03 PST', // HTTP-dates are GMT
    ]) {
      expect(parseRetryAfterMs(bad, now)).toBeUndefined();
    }
    expect(parseRetryAfterMs('9999999999', now)).toBe(3_600_000);
    expect(parseRetryAfterMs('99999999999999999999', now)).toBe(3_600_000); // any digits: capped
  });
});
