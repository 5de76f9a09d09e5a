/**
 * regionkit over HTTP: `@regionkit/fetch` against every region's origin, local first. Writes
 * carry their key in `Idempotency-Key`, which the adapter keeps identical on every attempt.
 */
import { createRegionalFetch, type RegionalFetchOptions } from '@regionkit/fetch';
import { SERVED_BY_HEADER } from '../world/region-http.js';
import {
  type CallSpec,
  errorStatus,
  type LoadOutcome,
  type RegionalLoadClient,
  type WriteBody,
} from './load-client.js';

export function createRegionkitHttpClient(options: RegionalFetchOptions): RegionalLoadClient {
  const fetch = createRegionalFetch(options);

  async function send(
    path: string,
    init: { method: string; headers?: Record<string, string>; body?: string },
    call: CallSpec,
  ): Promise<LoadOutcome> {
    try {
      const response = await fetch(path, {
        ...init,
        signal: call.signal,
        regionkit: { deadlineMs: call.deadlineMs },
      });
      // Read the body: the call is done when the answer is in, as for a real caller.
      await response.arrayBuffer();
      return {
        ok: response.ok,
        status: String(response.status),
        servedBy: response.headers.get(SERVED_BY_HEADER) ?? undefined,
      };
    } catch (error) {
      return { ok: false, status: errorStatus(error), servedBy: undefined };
    }
  }

  return {
    label: 'regionkit (@regionkit/fetch)',
    read: (id, call) => send(`/items/${encodeURIComponent(id)}`, { method: 'GET' }, call),
    write: (key: string, body: WriteBody, call) =>
      send(
        '/orders',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(body),
        },
        call,
      ),
    breakers: () =>
      Object.fromEntries(fetch.client.status().regions.map((r) => [r.region, r.breaker])),
    onBreaker: (listener) => {
      fetch.client.on('breaker', (event) => listener(event.region, event.state));
    },
    close: () => fetch.close(),
  };
}
