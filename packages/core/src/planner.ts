import type { RegionState } from './region-state.js';
import type { RoutingMode } from './types.js';

/**
 * Orders the regions one call may use, best first:
 * - `localFirst`: the static failover order (local, preferred, then nearest), healthy only;
 * - `weighted`: the first region drawn by weight among the healthy, the rest as `localFirst`.
 * A region at weight 0 is skipped but gets a probe call now and then, so it is seen to recover.
 * Regions whose breaker is open are skipped. When no region is healthy, every region whose
 * breaker admits calls is used, least-bad first (panic mode, as in Envoy), rather than failing
 * without a try; cooling regions (Retry-After) come last.
 */
export class Planner {
  readonly #order: readonly RegionState[];
  readonly #routing: RoutingMode;
  readonly #random: () => number;

  constructor(order: readonly RegionState[], routing: RoutingMode, random: () => number) {
    this.#order = order;
    this.#routing = routing;
    this.#random = random;
  }

  /**
   * The region `plan(now, skip)` would put first, without building the plan: in `localFirst`
   * routing that is the first healthy region in failover order, unless an evicted region is due
   * a probe. Same side effects as `plan` (it claims the probe).
   */
  first(now: number, skip?: (region: RegionState) => boolean): RegionState | undefined {
    if (this.#routing !== 'localFirst') return this.plan(now, skip)[0];
    // No healthy region: panic mode and cooling regions, as `plan` orders them.
    return this.firstHealthy(now, skip) ?? this.plan(now, skip)[0];
  }

  /**
   * Like `first`, but only a healthy region (or, in `localFirst`, one due a probe): never a
   * region picked by panic mode or one cooling down after a Retry-After. A retry uses it to
   * prefer a healthy region it already tried over an unhealthy one it has not.
   */
  firstHealthy(now: number, skip?: (region: RegionState) => boolean): RegionState | undefined {
    if (this.#routing !== 'localFirst') {
      // Without claiming a probe: this answer never uses the evicted region it would be for.
      return this.plan(now, skip, false).find((r) => !r.isCooling(now) && r.weight(now) > 0);
    }
    let best: RegionState | undefined;
    for (const region of this.#order) {
      if (!region.breakerAdmits || region.isCooling(now) || skip?.(region)) continue;
      if (region.weight(now) > 0) best ??= region;
      else if (region.claimProbe(now)) return region;
    }
    return best;
  }

  /** `claimProbes: false` plans without taking an evicted region's probe slot. */
  plan(now: number, skip?: (region: RegionState) => boolean, claimProbes = true): RegionState[] {
    const healthy: RegionState[] = [];
    const evicted: RegionState[] = [];
    const cooling: RegionState[] = [];
    let probe: RegionState | undefined;
    for (const region of this.#order) {
      if (!region.breakerAdmits || skip?.(region)) continue;
      if (region.isCooling(now)) {
        cooling.push(region);
      } else if (region.weight(now) > 0) {
        healthy.push(region);
      } else {
        evicted.push(region);
        if (!probe && claimProbes && region.claimProbe(now)) probe = region;
      }
    }
    if (this.#routing === 'weighted' && healthy.length > 1) this.#drawFirst(healthy, now);
    if (healthy.length === 0 && evicted.length > 0) {
      healthy.push(...evicted.sort((a, b) => a.errorRate(now) - b.errorRate(now)));
    }
    if (probe) {
      const at = healthy.indexOf(probe);
      if (at >= 0) healthy.splice(at, 1);
      healthy.unshift(probe);
    }
    if (cooling.length > 0)
      healthy.push(...cooling.sort((a, b) => a.coolingUntil - b.coolingUntil));
    return healthy;
  }

  /** Moves a region drawn with probability proportional to its weight to the front. */
  #drawFirst(healthy: RegionState[], now: number): void {
    let total = 0;
    for (const region of healthy) total += region.weight(now);
    let ticket = this.#random() * total;
    for (let i = 0; i < healthy.length; i++) {
      const region = healthy[i] as RegionState;
      ticket -= region.weight(now);
      if (ticket < 0) {
        healthy.splice(i, 1);
        healthy.unshift(region);
        return;
      }
    }
  }
}
