/**
 * Edges of an attempt's life that a review found wrong: a signal read after the attempt
 * stopped, an abort from inside a failover listener, abandoned or stalled attempts counted as
 * evidence about their region.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CallHandle, promiseExchange } from './call.js';
import { createRegionalClient } from './client.js';
import { fakeRegions, hang, reset, settle, THREE_REGIONS } from './test-helpers.js';
import type { Attempt } from './types.js';

const quiet = { health: { minRequests: 10_000 }, breaker: { volumeThreshold: 10_000 } };

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("an attempt's signal read after the attempt stopped", () => {
  it('is aborted when the attempt timed out (direct lane)', async () => {
    const client = createRegionalClient<string>({ ...THREE_REGIONS, ...quiet, deadlineMs: 3000 });
    const late: boolean[] = [];
    const result = client.execute(
      async (attempt: Attempt) => {
        if (attempt.region !== 'us-east') return 'ok';
        await new Promise((resolve) => setTimeout(resolve, 1500)); // past its 1 s deadline
        late.push(attempt.signal.aborted); // a transport that reads it after an await
        return 'too late';
      },
      { idempotent: true },
    );
    await vi.advanceTimersByTimeAsync(2000);
    await expect(result).resolves.toBe('ok');
    expect(late).toEqual([true]);
    client.close();
  });

  it('is aborted, with the reason, when the caller gave up (full call)', async () => {
    const client = createRegionalClient<string>({ ...THREE_REGIONS, ...quiet });
    client.on('attempt', () => {}); // a listener: the call is a full Call
    const late: unknown[] = [];
    const done = Promise.withResolvers<string>();
    const reason = new Error('caller left');
    const handle = client.start(
      {
        send: (attempt) => {
          setTimeout(() => late.push(attempt.signal.aborted && attempt.signal.reason), 10);
        },
        resolve: done.resolve,
        reject: done.reject,
      },
      { idempotent: true },
    );
    handle.abort(reason);
    await expect(done.promise).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(20);
    expect(late).toEqual([reason]);
    client.close();
  });
});

it('an abort from a failover listener ends the call with its reason and sends nothing more', async () => {
  const client = createRegionalClient<string>(
    { ...THREE_REGIONS, ...quiet },
    { random: () => 0.5 },
  );
  const sent: string[] = [];
  const outcome = Promise.withResolvers<string>();
  let handle: CallHandle | undefined;
  const reason = new Error('caller left');
  client.on('failover', () => handle?.abort(reason));
  handle = client.start(
    promiseExchange((attempt: Attempt) => {
      sent.push(attempt.region);
      return attempt.region === 'us-east' ? reset() : hang(attempt);
    }, outcome),
    { idempotent: true, deadlineMs: 9_000 },
  );
  const result = settle(outcome.promise);
  await vi.advanceTimersByTimeAsync(100); // past the backoff before the retry
  expect(sent).toEqual(['us-east']);
  expect((await result).error).toBe(reason);
  client.close();
});

describe.each(['direct', 'full'] as const)('%s lane', (lane) => {
  it('attempts the caller abandoned do not count for the breaker', async () => {
    const client = createRegionalClient<string>({
      ...THREE_REGIONS,
      health: { minRequests: 10_000 },
      breaker: { volumeThreshold: 4, errorThresholdPercentage: 50 },
      retry: { maxAttempts: 1 },
    });
    if (lane === 'full') client.on('attempt', () => {});
    for (let i = 0; i < 4; i++) {
      const done = Promise.withResolvers<string>();
      const handle = client.start(promiseExchange(hang, done), { idempotent: true });
      handle.abort(new Error('caller left')); // four callers give up on a hanging region
      await settle(done.promise);
    }
    for (let i = 0; i < 4; i++) await settle(client.execute(reset, { idempotent: true }));
    // Four faults of four counted attempts: as successes, the four abandoned would keep it closed.
    expect(client.status().regions[0]?.breaker).toBe('open');
    client.close();
  });
});

it("timeouts of an evicted region's probes while this process stalled do not bring it back", async () => {
  const { call, client, behaviours } = fakeRegions(
    { 'us-east': reset },
    {
      health: { minRequests: 3, windowMs: 60_000, probeIntervalMs: 500, recoveryProbes: 3 },
      breaker: { volumeThreshold: 10_000 },
      retry: { baseDelayMs: 0, maxDelayMs: 0 },
      deadlineMs: 3_000,
    },
  );
  const east = () => client.status().regions.find((r) => r.region === 'us-east');
  for (let i = 0; i < 3; i++) {
    const failed = settle(call());
    await vi.advanceTimersByTimeAsync(10);
    await failed;
  }
  expect(east()?.weight).toBe(0); // evicted
  behaviours['us-east'] = hang; // and it still does not answer
  for (let i = 0; i < 3; i++) {
    await vi.advanceTimersByTimeAsync(600); // a probe is due
    const probed = settle(call());
    vi.setSystemTime(Date.now() + 1_500); // this process stalls past the probe's deadline
    await vi.advanceTimersByTimeAsync(10);
    await probed;
  }
  expect(east()?.weight).toBe(0); // three probes that proved nothing are not a recovery
  client.close();
});
