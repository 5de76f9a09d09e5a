/**
 * The naive baseline client keeps to the call's deadline, as regionkit does: the load
 * generator's own signal allows a grace period beyond it, which must not become the baseline's.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { createNaiveHttpClient } from '../packages/gameday/src/load/http-naive.js';

it('the naive HTTP client gives up at the call deadline, not at the generator’s later signal', async () => {
  const server = createServer(() => {}); // never answers
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = createNaiveHttpClient(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  );
  try {
    const started = performance.now();
    const outcome = await client.read('r-1', {
      signal: AbortSignal.timeout(10_000), // the generator's: far later than the deadline
      deadlineMs: 150,
    });
    expect(outcome).toMatchObject({ ok: false, status: 'TimeoutError' });
    expect(performance.now() - started).toBeLessThan(5_000);
  } finally {
    await client.close();
    server.closeAllConnections();
    server.close();
  }
});
