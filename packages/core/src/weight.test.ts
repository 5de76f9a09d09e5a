import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './config.js';
import { regionWeight } from './weight.js';

const policy = DEFAULTS.health;
const busy = 1_000; // well above minRequests, so the error rate counts

describe('regionWeight', () => {
  it.each([
    // p99 → weight, with a healthy error rate
    [0, 100],
    [49, 100],
    [50, 99],
    [4_500, 10],
    [10_000, 10], // 100 − 200 would be negative: the floor keeps a healthy region in rotation
  ])('p99 %i ms gives weight %i', (p99Ms, weight) => {
    expect(regionWeight({ requests: busy, errorRate: 0, p99Ms }, policy)).toBe(weight);
  });

  it('keeps a region at exactly the error threshold (5% is not above 5%)', () => {
    expect(regionWeight({ requests: busy, errorRate: 0.05, p99Ms: 0 }, policy)).toBe(100);
  });

  it('evicts a region just above the error threshold, whatever its latency', () => {
    expect(regionWeight({ requests: busy, errorRate: 0.0501, p99Ms: 0 }, policy)).toBe(0);
    expect(regionWeight({ requests: busy, errorRate: 1, p99Ms: 10_000 }, policy)).toBe(0);
  });

  it('ignores the error rate until the window holds minRequests calls', () => {
    const few = policy.minRequests - 1;
    expect(regionWeight({ requests: few, errorRate: 1, p99Ms: 0 }, policy)).toBe(100);
    expect(regionWeight({ requests: policy.minRequests, errorRate: 1, p99Ms: 0 }, policy)).toBe(0);
  });

  it('honours configured thresholds', () => {
    const strict = { minRequests: 1, maxErrorRate: 0.01, p99MsPerPoint: 10, minWeight: 1 };
    expect(regionWeight({ requests: 10, errorRate: 0.02, p99Ms: 0 }, strict)).toBe(0);
    expect(regionWeight({ requests: 10, errorRate: 0, p99Ms: 500 }, strict)).toBe(50);
    expect(regionWeight({ requests: 10, errorRate: 0, p99Ms: 5_000 }, strict)).toBe(1);
  });
});
