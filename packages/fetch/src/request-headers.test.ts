import { describe, expect, it } from 'vitest';
import { readCallerHeaders } from './request-headers.js';

describe('readCallerHeaders', () => {
  const shapes: Array<[string, unknown]> = [
    [
      'object',
      {
        'X-Request-Id': 'c1',
        accept: 'text/plain',
        'Idempotency-Key': 'k1',
        'x-regionkit-attempt': '9',
      },
    ],
    [
      'flat array',
      [
        'X-Request-Id',
        'c1',
        'accept',
        'text/plain',
        'Idempotency-Key',
        'k1',
        'x-regionkit-attempt',
        '9',
      ],
    ],
    [
      'pairs',
      [
        ['X-Request-Id', 'c1'],
        ['accept', 'text/plain'],
        ['Idempotency-Key', 'k1'],
        ['x-regionkit-attempt', '9'],
      ],
    ],
    [
      'Headers',
      new Headers({
        'X-Request-Id': 'c1',
        accept: 'text/plain',
        'Idempotency-Key': 'k1',
        'x-regionkit-attempt': '9',
      }),
    ],
  ];

  it.each(shapes)(
    '%s: pulls out the correlation ID and key, drops regionkit headers',
    (_shape, headers) => {
      const read = readCallerHeaders(headers, 'x-request-id');
      expect(read.correlationId).toBe('c1');
      expect(read.idempotencyKey).toBe('k1');
      const names = read.base.filter((_, i) => i % 2 === 0).map((n) => String(n).toLowerCase());
      expect(names.sort()).toEqual(['accept', 'idempotency-key']);
    },
  );

  it('notices a caller-supplied traceparent so none is injected twice', () => {
    expect(readCallerHeaders({ traceparent: '00-abc' }, 'x-request-id').hasTraceparent).toBe(true);
    expect(readCallerHeaders(null, 'x-request-id')).toMatchObject({
      base: [],
      hasTraceparent: false,
    });
  });

  it('keeps a tracestate only with its traceparent, and notices a caller baggage', () => {
    const orphan = readCallerHeaders(
      { TraceState: 'vendor=1', baggage: 'user=a', accept: 'x' },
      'x-request-id',
    );
    expect(orphan.base).toEqual(['baggage', 'user=a', 'accept', 'x']);
    expect(orphan).toMatchObject({ hasTraceparent: false, hasBaggage: true });
    const paired = readCallerHeaders(
      ['tracestate', 'vendor=1', 'traceparent', '00-abc'],
      'x-request-id',
    );
    expect(paired.base).toEqual(['tracestate', 'vendor=1', 'traceparent', '00-abc']);
    expect(paired).toMatchObject({ hasTraceparent: true, hasBaggage: false });
  });

  it('refuses a header shape undici would not understand, saying what to pass', () => {
    expect(() => readCallerHeaders('x-a: 1', 'x-request-id')).toThrow(
      /request headers are a string; pass an object/,
    );
  });
});
