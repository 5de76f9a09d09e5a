/**
 * Suite `http`: loopback throughput and latency of one GET against the same local HTTP server
 * (a child process, so its CPU is not this event loop's), side by side:
 * - `undici`: raw undici `request()` on an Agent;
 * - `undici-fetch`: undici's `fetch()` on an Agent;
 * - `regionkit-request`: `request()` through the regional dispatcher (local region healthy);
 * - `regionkit-fetch`: the regional fetch function.
 * No OpenTelemetry SDK is registered. Rows: { suite: 'http', name, concurrency, reqPerSec,
 * p50Ms, p99Ms }. Goals at concurrency 64: regionkit-request ≥ 0.9 × undici, regionkit-fetch
 * ≥ 0.9 × undici-fetch.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createRegionalFetch, regionalDispatcher } from '@regionkit/fetch';
import { Agent, fetch, request } from 'undici';
import { measureSideBySide } from '../load.js';
import type { BenchRow, BenchSuite } from '../row.js';

const CONCURRENCIES = [1, 64] as const;
/** Requests per subject per round: bounded, about a second each on a 2-core machine. */
const REQUESTS: Record<(typeof CONCURRENCIES)[number], number> = { 1: 1_000, 64: 6_000 };
const WARMUP = 5_000;
const ROUNDS = 8;

const SERVER = `
const http = require('node:http');
const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('disconnect', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
`;

/** The suite's loopback server, in a child process; also used by `pnpm bench:instructions`. */
export async function startServer(): Promise<{ origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [port] = (await once(lines, 'line')) as [string];
  lines.close();
  return { origin: `http://127.0.0.1:${port}`, child };
}

type Subject = { name: string; call: () => Promise<unknown>; close: () => Promise<unknown> };

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
  ];
}

export const httpSuite: BenchSuite = {
  description: `loopback GET, one local server; ${ROUNDS} interleaved rounds per subject (${REQUESTS[1]} requests at c=1, ${REQUESTS[64]} at c=64)`,
  async run() {
    const { origin, child } = await startServer();
    const list = subjects(origin);
    let rows: BenchRow[];
    try {
      rows = await measureSideBySide(list, {
        suite: 'http',
        warmup: WARMUP,
        calls: REQUESTS,
        rounds: ROUNDS,
      });
    } finally {
      for (const s of list) await s.close();
      child.stdin?.end();
      child.kill();
    }
    const rate = (name: string) =>
      rows.find((r) => r.name === name && r.concurrency === 64)?.reqPerSec as number;
    console.log(
      `c=64: regionkit-request / undici = ${(rate('regionkit-request') / rate('undici')).toFixed(2)} (goal ≥ 0.9), ` +
        `regionkit-fetch / undici-fetch = ${(rate('regionkit-fetch') / rate('undici-fetch')).toFixed(2)} (goal ≥ 0.9)`,
    );
    return rows;
  },
};
