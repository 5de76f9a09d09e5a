import type { RegionCondition } from '../faults.js';

/** What a region server answers instead of doing the work, when a fault says so. */
export type InjectedAnswer =
  | { readonly kind: 'error' }
  | { readonly kind: 'throttle'; readonly retryAfterS: number }
  | undefined;

/**
 * Errors and throttling are injected by the region's own server, not the proxy, so the calls
 * they refuse still count as arrivals: the region did receive them.
 */
export function injectedAnswer(condition: RegionCondition, random: () => number): InjectedAnswer {
  if (condition.throttleRate > 0 && random() < condition.throttleRate) {
    return { kind: 'throttle', retryAfterS: condition.retryAfterS };
  }
  if (condition.errorRate > 0 && random() < condition.errorRate) return { kind: 'error' };
  return undefined;
}

/** How a region answered one request, as its server saw it. */
export type AnswerKind = 'ok' | 'error' | 'throttled' | 'rejected';
