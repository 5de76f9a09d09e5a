import { createRegionalClient, type RegionalClient } from './client.js';
import type { Attempt, RegionalClientOptions } from './types.js';

export const THREE_REGIONS: RegionalClientOptions = {
  service: 'orders',
  localRegion: 'us-east',
  regions: [
    { name: 'us-east', rttMs: 1 },
    { name: 'us-west', rttMs: 60 },
    { name: 'eu-west', rttMs: 80 },
  ],
};

export type Behaviour = (attempt: Attempt) => Promise<string>;

export const ok: Behaviour = async (attempt) => `served by ${attempt.region}`;

export function refused(): never {
  throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
}

export function reset(): never {
  throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** Never settles on its own: ends only when the attempt's signal aborts. */
export const hang: Behaviour = (attempt) =>
  new Promise((_resolve, reject) => {
    attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason), { once: true });
  });

/**
 * A client whose transport dispatches each attempt to the behaviour of its region (changeable
 * during the test), and a log of the regions each attempt went to.
 */
export function fakeRegions(
  behaviours: Record<string, Behaviour>,
  overrides: Partial<RegionalClientOptions> = {},
  random: () => number = () => 0,
): {
  client: RegionalClient<string>;
  behaviours: Record<string, Behaviour>;
  attempts: string[];
  call: (options?: Parameters<RegionalClient<string>['execute']>[1]) => Promise<string>;
} {
  const client = createRegionalClient<string>({ ...THREE_REGIONS, ...overrides }, { random });
  const attempts: string[] = [];
  const transport = (attempt: Attempt) => {
    attempts.push(attempt.region);
    const behaviour = behaviours[attempt.region] ?? ok;
    return behaviour(attempt);
  };
  return {
    client,
    behaviours,
    attempts,
    call: (options = { idempotent: true }) => client.execute(transport, options),
  };
}

/** Settles a promise's rejection into a value so fake-timer tests can await it later. */
export function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
