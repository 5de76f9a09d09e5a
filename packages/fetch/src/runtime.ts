import { createRegionalClient, type RegionalClientOptions } from '@regionkit/core';
import { CallsInProgress } from './calls-in-progress.js';
import type { ResponseHead } from './classify.js';
import { resolveHttpConfig } from './config.js';
import type { RegionalCall, ServiceRuntime } from './regional-call.js';
import type { RegionalHttpOptions } from './types.js';

/**
 * Validates the options once and builds the core client every request of the service shares.
 * `keepCalls`: see `CallsInProgress`; `viaFetch`: see `ServiceRuntime`.
 */
export function createServiceRuntime(
  options: RegionalHttpOptions,
  keepCalls: boolean,
  viaFetch: boolean,
): ServiceRuntime {
  // Core first: its errors about service, regions and localRegion are the most basic ones.
  const client = createRegionalClient<ResponseHead>(options as RegionalClientOptions);
  try {
    const calls = new CallsInProgress<RegionalCall>(keepCalls);
    return { client, config: resolveHttpConfig(options), calls, viaFetch };
  } catch (error) {
    client.close();
    throw error;
  }
}

/**
 * Does `origin` (a dispatch option: string or URL) name this service? Exact string matches are
 * the fast path; other spellings (trailing slash, upper case, default port) are normalised.
 */
export function isOwnOrigin(own: ReadonlySet<string>, logical: string, origin: unknown): boolean {
  if (typeof origin === 'string') {
    if (origin === logical || own.has(origin)) return true;
    try {
      return own.has(new URL(origin).origin);
    } catch {
      return false;
    }
  }
  return origin instanceof URL && own.has(origin.origin);
}
