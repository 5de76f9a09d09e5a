import { describe, expect, it, vi } from 'vitest';
import {
  CANCEL_GRACE_MS,
  cancelInboundContext,
  createContext,
  currentContext,
  MAX_CORRELATION_ID_LENGTH,
  newCorrelationId,
  runInContext,
  validCorrelationId,
} from './context.js';

/** RFC 9562: version 8 (custom), variant 10xx. */
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlation IDs', () => {
  it.each([
    'req-123',
    '0b7e0f2c-8a3e-4c57-9d1e-2f6c1b5a9e11',
    'tenant:42/req.7_a+b=',
    'x'.repeat(MAX_CORRELATION_ID_LENGTH),
  ])('accepts %s', (id) => {
    expect(validCorrelationId(id)).toBe(id);
  });

  it.each([
    ['CRLF injection', 'abc\r\nSet-Cookie: x=1'],
    ['a space', 'a b'],
    ['a quote', 'a"b'],
    ['non-ASCII', 'café'],
    ['too long', 'x'.repeat(MAX_CORRELATION_ID_LENGTH + 1)],
    ['10 KB', 'a'.repeat(10_240)],
    ['empty', ''],
    ['not a string', 42],
  ])('rejects %s', (_why, id) => {
    expect(validCorrelationId(id)).toBeUndefined();
  });

  it('replaces an invalid inbound ID with a fresh UUID instead of echoing it', () => {
    const context = createContext({ correlationId: 'evil\r\nheader: 1' });
    expect(context.correlationId).toMatch(UUID_V8);
  });

  it('generates distinct, valid, UUID-shaped IDs', () => {
    const ids = Array.from({ length: 10_000 }, () => newCorrelationId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(UUID_V8);
      expect(validCorrelationId(id)).toBe(id);
    }
    // A counter underneath: consecutive, also across the blocks of 1000 formatted together.
    const counters = ids.map((id) => Number(id.slice(-12)));
    expect(counters.every((n, i) => i === 0 || n === (counters[i - 1] as number) + 1)).toBe(true);
  });

  it('keeps an AbortSignal, and rejects anything else naming the field', () => {
    const { signal } = new AbortController();
    expect(createContext({ signal }).signal).toBe(signal);
    expect(createContext({}).signal).toBeUndefined();
    expect(() => createContext({ signal: 'stop' as never })).toThrow(/context signal is string/);
  });

  it('an inbound context is cancelled at once, or after its deadline when that is near', async () => {
    vi.useFakeTimers();
    try {
      const reason = new Error('client left');
      const early = new AbortController();
      cancelInboundContext(early, reason, Date.now() + 2 * CANCEL_GRACE_MS);
      expect(early.signal.reason).toBe(reason);
      const noDeadline = new AbortController();
      cancelInboundContext(noDeadline, reason, undefined);
      expect(noDeadline.signal.aborted).toBe(true);
      // Near the deadline the deadline ends the calls (and holds hung regions to account);
      // the signal aborts after it, for anything else that watches it.
      const late = new AbortController();
      cancelInboundContext(late, reason, Date.now() + 50);
      await vi.advanceTimersByTimeAsync(50 + CANCEL_GRACE_MS - 1);
      expect(late.signal.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(late.signal.reason).toBe(reason);
    } finally {
      vi.useRealTimers();
    }
  });

  it('falls back to default priority and no deadline on garbage', () => {
    const context = createContext({ priority: 'urgent' as never, deadline: Number.NaN });
    expect(context.priority).toBe('default');
    expect(context.deadline).toBeUndefined();
  });
});

describe('runInContext', () => {
  it('makes the context visible across awaits, and only inside', async () => {
    expect(currentContext()).toBeUndefined();
    await runInContext({ correlationId: 'outer-1', priority: 'critical' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(currentContext()?.correlationId).toBe('outer-1');
      expect(currentContext()?.priority).toBe('critical');
    });
    expect(currentContext()).toBeUndefined();
  });
});
