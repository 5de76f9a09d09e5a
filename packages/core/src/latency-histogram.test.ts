import { describe, expect, it } from 'vitest';
import { BIN_COUNT, BINS_PER_DOUBLING, binOf, binUpperMs } from './latency-histogram.js';

/** The definition the table must agree with. */
function logBin(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(BIN_COUNT - 1, Math.floor(Math.log2(ms) * BINS_PER_DOUBLING) + 1);
}

describe('binOf', () => {
  it('bins whole milliseconds from its table exactly as the logarithm does, past the table too', () => {
    for (let ms = 0; ms < 4096; ms++) expect(binOf(ms)).toBe(logBin(ms));
  });

  it('bins fractions, negatives, huge and non-finite values without the table', () => {
    for (const ms of [0.4, 1.5, 2.9999, 1023.5, -3, 1e9, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(binOf(ms)).toBe(logBin(ms));
    }
  });

  it('puts a latency at or under its bin upper edge', () => {
    for (const ms of [0.5, 1, 3, 17, 250, 999, 5000])
      expect(ms).toBeLessThanOrEqual(binUpperMs(binOf(ms)));
  });
});
