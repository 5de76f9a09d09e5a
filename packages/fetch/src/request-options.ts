import { isPriority, MAX_DEADLINE_MS } from '@regionkit/core';
import type { RegionalRequestOptions } from './types.js';

/**
 * Validates the per-request `regionkit` options of a `request()` / `dispatch()` call. Rare, so
 * it may allocate; absent options cost nothing.
 */
export function readRequestOptions(value: unknown): RegionalRequestOptions | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') {
    throw new TypeError(`regionkit request options are a ${typeof value}; pass an object`);
  }
  const { deadlineMs, priority, excludedRegions, idempotent } = value as RegionalRequestOptions;
  if (
    deadlineMs !== undefined &&
    (typeof deadlineMs !== 'number' ||
      !Number.isFinite(deadlineMs) ||
      deadlineMs <= 0 ||
      deadlineMs > MAX_DEADLINE_MS)
  ) {
    throw new TypeError(
      `regionkit.deadlineMs is ${JSON.stringify(deadlineMs)}; use a number of ms above 0 and up to ${MAX_DEADLINE_MS}`,
    );
  }
  if (priority !== undefined && !isPriority(priority)) {
    throw new TypeError(
      `regionkit.priority is ${JSON.stringify(priority)}; use "critical", "default" or "sheddable"`,
    );
  }
  if (
    excludedRegions !== undefined &&
    (!Array.isArray(excludedRegions) || excludedRegions.some((r) => typeof r !== 'string'))
  ) {
    throw new TypeError('regionkit.excludedRegions must be an array of region names');
  }
  if (idempotent !== undefined && typeof idempotent !== 'boolean') {
    throw new TypeError(`regionkit.idempotent is ${JSON.stringify(idempotent)}; use true or false`);
  }
  return { deadlineMs, priority, excludedRegions, idempotent };
}
