import type { GeoLocation, RegionSpec } from './types.js';

const EARTH_RADIUS_KM = 6371;
/** Light in fibre covers ~200 km per ms one way, so a round trip costs ~1 ms per 100 km. */
const KM_PER_RTT_MS = 100;

/** Great-circle distance (haversine), in km. */
export function greatCircleKm(a: GeoLocation, b: GeoLocation): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Estimated round trip from the local region: the configured `rttMs` if any, else one derived
 * from great-circle distance, else Infinity (unknown regions go last).
 */
export function estimateRttMs(region: RegionSpec, local: RegionSpec): number {
  if (region.name === local.name) return 0;
  if (region.rttMs !== undefined) return region.rttMs;
  if (region.location && local.location) {
    return greatCircleKm(local.location, region.location) / KM_PER_RTT_MS;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * The static failover order: local region, then `preferredRegions` as listed, then the rest
 * nearest first (ties broken by name so the order is the same in every process).
 */
export function failoverOrder(
  regions: readonly RegionSpec[],
  localRegion: string,
  preferredRegions: readonly string[],
): string[] {
  const local = regions.find((r) => r.name === localRegion);
  if (!local) throw new Error(`unknown local region ${localRegion}`);
  const rest = regions
    .filter((r) => r.name !== localRegion && !preferredRegions.includes(r.name))
    .map((r) => ({ name: r.name, rtt: estimateRttMs(r, local) }))
    // Ties by name in code-point order: localeCompare would depend on the process's locale.
    .sort((a, b) => a.rtt - b.rtt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((r) => r.name);
  return [localRegion, ...preferredRegions.filter((n) => n !== localRegion), ...rest];
}
