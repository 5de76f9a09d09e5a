import { describe, expect, it } from 'vitest';
import { estimateRttMs, failoverOrder, greatCircleKm } from './topology.js';

const virginia = { lat: 38.9, lon: -77.4 };
const oregon = { lat: 45.8, lon: -119.7 };
const ireland = { lat: 53.3, lon: -6.3 };
const frankfurt = { lat: 50.1, lon: 8.7 };

describe('topology', () => {
  it('measures great-circle distance', () => {
    // Virginia to Ireland is about 5,500 km.
    expect(greatCircleKm(virginia, ireland)).toBeGreaterThan(5_300);
    expect(greatCircleKm(virginia, ireland)).toBeLessThan(5_700);
    expect(greatCircleKm(frankfurt, frankfurt)).toBe(0);
  });

  it('prefers a configured RTT over distance', () => {
    const local = { name: 'us-east', location: virginia };
    expect(estimateRttMs({ name: 'eu-west', location: ireland, rttMs: 7 }, local)).toBe(7);
    expect(estimateRttMs({ name: 'eu-west', location: ireland }, local)).toBeCloseTo(55, -1);
    expect(estimateRttMs({ name: 'mystery' }, local)).toBe(Number.POSITIVE_INFINITY);
  });

  it('orders local first, then preferred regions, then nearest first', () => {
    const regions = [
      { name: 'eu-central', location: frankfurt },
      { name: 'us-west', location: oregon },
      { name: 'us-east', location: virginia },
      { name: 'eu-west', location: ireland },
      { name: 'unknown' },
    ];
    expect(failoverOrder(regions, 'us-east', [])).toEqual([
      'us-east',
      'us-west',
      'eu-west',
      'eu-central',
      'unknown',
    ]);
    expect(failoverOrder(regions, 'us-east', ['eu-central'])).toEqual([
      'us-east',
      'eu-central',
      'us-west',
      'eu-west',
      'unknown',
    ]);
  });

  it('breaks RTT ties by name so every process agrees on the order', () => {
    const regions = [
      { name: 'local', rttMs: 0 },
      { name: 'b', rttMs: 10 },
      { name: 'a', rttMs: 10 },
    ];
    expect(failoverOrder(regions, 'local', [])).toEqual(['local', 'a', 'b']);
  });

  it('breaks ties by name in code-point order, whatever the locale', () => {
    const regions = [{ name: 'local' }, { name: 'b-1' }, { name: 'B-2' }, { name: 'a-1' }];
    // No RTT and no location: every backup ties. localeCompare would put 'a-1' first here, and
    // order differently again under other locales (et-EE, da-DK).
    expect(failoverOrder(regions, 'local', [])).toEqual(['local', 'B-2', 'a-1', 'b-1']);
  });
});
