import { describe, expect, it } from 'vitest';
import { printable } from './printable.js';

describe('printable', () => {
  it('escapes what could forge a log line or drive a terminal', () => {
    expect(printable('down\r\n2025-01-01 ERROR forged\u001b[31m\u2028x')).toBe(
      'down\\r\\n2025-01-01 ERROR forged\\u001b[31m\\u2028x',
    );
    expect(printable('plain text, unicode é ✓')).toBe('plain text, unicode é ✓');
  });

  it('cuts long text, saying how much was left out', () => {
    expect(printable('a'.repeat(600), 10)).toBe('aaaaaaaaaa… (590 more characters)');
    expect(printable('x'.repeat(60_000)).length).toBeLessThan(600);
  });
});
