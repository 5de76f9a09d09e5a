import type { Priority } from '@regionkit/core';
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { inboundCorrelationId } from './correlation.js';
import { readInboundDeadline } from './inbound-deadline.js';
import { requestPriority } from './priority.js';

describe('readInboundDeadline', () => {
  const now = 1_000_000;
  it('reads whole milliseconds left as an absolute deadline, capped', () => {
    expect(readInboundDeadline('250', now, 10, 60_000)).toEqual({
      kind: 'deadline',
      at: now + 250,
    });
    expect(readInboundDeadline('9999999', now, 10, 60_000)).toEqual({
      kind: 'deadline',
      at: now + 60_000,
    });
  });

  it('too little time left, zero or negative (already passed) is expired', () => {
    expect(readInboundDeadline('9', now, 10, 60_000)).toEqual({ kind: 'expired', remainingMs: 9 });
    expect(readInboundDeadline('0', now, 10, 60_000)).toEqual({ kind: 'expired', remainingMs: 0 });
    expect(readInboundDeadline('-40', now, 10, 60_000)).toEqual({
      kind: 'expired',
      remainingMs: -40,
    });
  });

  it('zero is expired even for a service that needs no time (minRemainingMs 0)', () => {
    expect(readInboundDeadline('0', now, 0, 60_000)).toEqual({ kind: 'expired', remainingMs: 0 });
    expect(readInboundDeadline('-0', now, 0, 60_000)).toMatchObject({ kind: 'expired' });
    expect(readInboundDeadline('1', now, 0, 60_000)).toEqual({ kind: 'deadline', at: now + 1 });
  });

  it('absent is none; garbage is ignored (flagged), never guessed at', () => {
    expect(readInboundDeadline(undefined, now, 10, 60_000)).toEqual({
      kind: 'none',
      malformed: false,
    });
    for (const bad of [
      '',
      'abc',
      '1e3',
      '12ms',
      '5.5',
      '+5',
      '0x10',
      '1234567890123456',
      ['5', '6'],
    ]) {
      expect(readInboundDeadline(bad, now, 10, 60_000)).toEqual({ kind: 'none', malformed: true });
    }
  });
});

describe('inboundCorrelationId', () => {
  it('uses a valid inbound ID only when trusted', () => {
    expect(inboundCorrelationId('gw-1', true)).toBe('gw-1');
    expect(inboundCorrelationId('gw-1', false)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces CRLF, spaces, 10 KB and repeated IDs with a fresh one, never echoing them', () => {
    for (const bad of ['a\r\nset-cookie: x', 'a b', 'x'.repeat(10_240), ['a', 'b'], '']) {
      const id = inboundCorrelationId(bad as string, true);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('requestPriority', () => {
  it('an async priority function cannot crash the process: default, and its rejection handled', async () => {
    const req = { headers: {} } as unknown as Request;
    let rejected = false;
    const hook = (() =>
      Promise.reject(new Error('hook boom')).catch((error) => {
        rejected = true;
        throw error;
      })) as unknown as (req: Request) => Priority;
    expect(requestPriority(req, hook, false)).toBe('default');
    await new Promise((resolve) => setImmediate(resolve)); // an unhandled rejection would fail the run
    expect(rejected).toBe(true);
  });
});
