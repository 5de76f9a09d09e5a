/**
 * Suite `http`: loopback throughput and latency of one GET against the same local HTTP server
 * (a child process, so its CPU is not this event loop's), side by side:
 * - `undici`: raw undici `request()` on an Agent;
 * - `undici-fetch`: undici's `fetch()` on an Agent;
 * - `regionkit-request`: `request()` through the regional dispatcher (local region healthy);
 * - `regionkit-fetch`: the regional fetch function;
 * - `passthrough-interceptor` (a reference, not a goal): the least any regional interceptor
 *   costs (see `passthroughInterceptor`).
 * No OpenTelemetry SDK is registered. Rows: { suite: 'http', name, concurrency, reqPerSec,
 * p50Ms, p99Ms }. Goals at concurrency 64: regionkit-request ≥ 0.9 × undici, regionkit-fetch
 * ≥ 0.9 × undici-fetch.
 */
import { createRegionalFetch, regionalDispatcher } from '@regionkit/fetch';
import { Agent, type Dispatcher, fetch, request } from 'undici';
import { REQUESTS, ROUNDS, startServer, WARMUP } from '../http-plan.js';
import { measureSideBySide } from '../load.js';
import type { BenchSuite } from '../row.js';

export { REQUESTS, ROUNDS, startServer, WARMUP } from '../http-plan.js';

type Subject = { name: string; call: () => Promise<unknown>; close: () => Promise<unknown> };

/** Starts the server and the subjects, runs `use`, then closes the subjects and the server. */
export async function withSubjects<T>(use: (list: Subject[]) => Promise<T>): Promise<T> {
  const { origin, child } = await startServer();
  try {
    const list = subjects(origin);
    try {
      return await use(list);
    } finally {
      await Promise.allSettled(list.map((s) => s.close()));
    }
  } finally {
    child.stdin?.end();
    child.kill();
  }
}

/** The suite's subjects against `origin`; also what `pnpm bench:instructions` counts. */
export function subjects(origin: string): Subject[] {
  const url = `${origin}/orders/42`;
  const rawAgent = new Agent();
  const fetchAgent = new Agent();
  const regions = [
    { name: 'local', origin, rttMs: 1 },
    // Backups that a healthy local region never sends to.
    { name: 'near', origin: 'http://127.0.0.1:9', rttMs: 20 },
    { name: 'far', origin: 'http://127.0.0.1:7', rttMs: 80 },
  ];
  const dispatcher = regionalDispatcher({ service: 'bench', localRegion: 'local', regions });
  const orders = createRegionalFetch({ service: 'bench', localRegion: 'local', regions });
  const passthroughAgent = new Agent();
  const passthrough = passthroughAgent.compose(passthroughInterceptor(origin));
  return [
    {
      name: 'undici',
      call: async () => (await request(url, { dispatcher: rawAgent })).body.text(),
      close: () => rawAgent.close(),
    },
    {
      name: 'undici-fetch',
      call: async () => (await fetch(url, { dispatcher: fetchAgent })).text(),
      close: () => fetchAgent.close(),
    },
    {
      name: 'regionkit-request',
      call: async () =>
        (await request('http://bench.regional/orders/42', { dispatcher })).body.text(),
      close: () => dispatcher.close(),
    },
    {
      name: 'regionkit-fetch',
      call: async () => (await orders('/orders/42')).text(),
      close: () => orders.close(),
    },
    {
      name: 'passthrough-interceptor',
      call: async () =>
        (await request('http://bench.regional/orders/42', { dispatcher: passthrough })).body.text(),
      close: () => passthroughAgent.close(),
    },
  ];
}

/**
 * The least a regional interceptor can do: send each request to the region's origin with the
 * three headers regionkit adds (correlation ID, attempt number, remaining deadline) and forward
 * every response event through a handler of its own, as any interceptor that watches outcomes
 * must. No routing, breaker, health, retry or context. `undici` → this → `regionkit-request`
 * splits the gap into what any interceptor costs and what regionkit's own work costs.
 */
function passthroughInterceptor(origin: string): Dispatcher.DispatcherComposeInterceptor {
  let calls = 0;
  return (dispatch) => (options, handler) => {
    const headers = [
      'x-request-id',
      `bench-${++calls}`,
      'x-regionkit-attempt',
      '1',
      'x-regionkit-deadline-ms',
      '9999',
    ];
    return dispatch({ ...options, origin, headers }, new ForwardingHandler(handler));
  };
}

class ForwardingHandler implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler;
  constructor(handler: Dispatcher.DispatchHandler) {
    this.#handler = handler;
  }
  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#handler.onRequestStart?.(controller, context);
  }
  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }
  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Record<string, string | string[] | undefined>,
  ): void {
    this.#handler.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#handler.onResponseError?.(controller, error);
  }
}

export const httpSuite: BenchSuite = {
  description: `loopback GET, one local server; ${ROUNDS} interleaved rounds per subject (${REQUESTS[1]} requests at c=1, ${REQUESTS[64]} at c=64)`,
  async run() {
    const rows = await withSubjects((list) =>
      measureSideBySide(list, { suite: 'http', warmup: WARMUP, calls: REQUESTS, rounds: ROUNDS }),
    );
    const rate = (name: string) =>
      rows.find((r) => r.name === name && r.concurrency === 64)?.reqPerSec as number;
    console.log(
      `c=64: regionkit-request / undici = ${(rate('regionkit-request') / rate('undici')).toFixed(2)} (goal ≥ 0.9), ` +
        `regionkit-fetch / undici-fetch = ${(rate('regionkit-fetch') / rate('undici-fetch')).toFixed(2)} (goal ≥ 0.9); ` +
        `reference: passthrough-interceptor / undici = ${(rate('passthrough-interceptor') / rate('undici')).toFixed(2)}`,
    );
    return rows;
  },
};
