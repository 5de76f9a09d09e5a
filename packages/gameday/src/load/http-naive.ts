/**
 * The baseline: what a careful engineer writes without region awareness. Plain undici to the
 * local region only, p-retry with 3 retries (100 ms doubling backoff) on connection errors,
 * 5xx and 429, the call's deadline as an AbortSignal. No breaker, no budget, no failover.
 */
import pRetry from 'p-retry';
import { Agent, request } from 'undici';
import { SERVED_BY_HEADER } from '../world/region-http.js';
import {
  type CallSpec,
  errorStatus,
  type LoadOutcome,
  type RegionalLoadClient,
  type WriteBody,
} from './load-client.js';

export const NAIVE_RETRY = { retries: 3, minTimeout: 100, factor: 2 } as const;

class StatusError extends Error {
  constructor(readonly outcome: LoadOutcome) {
    super(`status ${outcome.status}`);
  }
}

export function createNaiveHttpClient(localOrigin: string): RegionalLoadClient {
  const agent = new Agent({ keepAliveTimeout: 10_000 });

  async function send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    call: CallSpec,
  ): Promise<LoadOutcome> {
    // The call's own deadline, as its README says: the generator's signal leaves a grace period
    // for clients that end calls themselves, which would let this one overrun.
    const signal = AbortSignal.any([call.signal, AbortSignal.timeout(call.deadlineMs)]);
    try {
      return await pRetry(
        async () => {
          const response = await request(`${localOrigin}${path}`, {
            method,
            headers,
            body,
            signal,
            dispatcher: agent,
          });
          await response.body.dump();
          const servedBy = response.headers[SERVED_BY_HEADER];
          const outcome: LoadOutcome = {
            ok: response.statusCode >= 200 && response.statusCode < 300,
            status: String(response.statusCode),
            servedBy: typeof servedBy === 'string' ? servedBy : undefined,
          };
          if (response.statusCode >= 500 || response.statusCode === 429) {
            throw new StatusError(outcome);
          }
          return outcome;
        },
        { ...NAIVE_RETRY, signal },
      );
    } catch (error) {
      if (error instanceof StatusError) return error.outcome;
      return { ok: false, status: errorStatus(error), servedBy: undefined };
    }
  }

  return {
    label: 'naive (undici + p-retry, local region only)',
    read: (id, call) => send('GET', `/items/${encodeURIComponent(id)}`, {}, undefined, call),
    write: (key: string, body: WriteBody, call) =>
      send(
        'POST',
        '/orders',
        { 'content-type': 'application/json', 'idempotency-key': key },
        JSON.stringify(body),
        call,
      ),
    close: () => agent.close(),
  };
}
