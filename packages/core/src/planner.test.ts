import { describe, expect, it } from 'vitest';
import { Planner } from './planner.js';
import type { RegionState } from './region-state.js';

/** The parts of a region the planner reads; `probes` counts the probe slots it claimed. */
function region(name: string, weight: number) {
  const state = {
    name,
    breakerAdmits: true,
    coolingUntil: 0,
    probes: 0,
    isCooling: () => false,
    weight: () => weight,
    errorRate: () => (weight === 0 ? 1 : 0),
    claimProbe: () => {
      state.probes++;
      return true;
    },
  };
  return state;
}

describe('Planner', () => {
  it('in weighted routing, asking for the best healthy region does not use up a probe', () => {
    const east = region('us-east', 100);
    const west = region('us-west', 100);
    const evicted = region('eu-west', 0);
    const planner = new Planner(
      [east, west, evicted] as unknown as RegionState[],
      'weighted',
      () => 0,
    );
    expect(planner.firstHealthy(0)?.name).toBe('us-east');
    expect(evicted.probes).toBe(0); // still due: the next call's plan sends it
    expect(planner.plan(0).map((r) => r.name)).toEqual(['eu-west', 'us-east', 'us-west']);
    expect(evicted.probes).toBe(1);
  });
});
