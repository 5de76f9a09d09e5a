import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRegionalClient, type RegionalClient } from './client.js';
import { createContext, runInContext } from './context.js';
import { type Behaviour, fakeRegions, ok, reset, settle, THREE_REGIONS } from './test-helpers.js';

/**
 * A call whose first attempt succeeds, with no listener and no recording span, runs in the
 * direct lane (direct-call.ts); an 'attempt' listener sends every call through `Call`. These
 * tests hold the two to the same results.
 */
describe('the direct lane', () => {
  const clients: RegionalClient<string>[] = [];
  /** Closed after the test, whether it passed or not. */
  function closing<C extends RegionalClient<string>>(client: C): C {
    clients.push(client);
    return client;
  }
  beforeEach(() => {
    vi.useFakeTimers(); // a frozen clock: every latency is 0, so health snapshots compare exactly
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    vi.useRealTimers();
  });

  /** What the local region answers, call after call: enough faults to open its breaker. */
  const SCRIPT = ['ok', 'ok', 'ok', 'reset', 'ok', 'reset', 'reset', 'reset', 'ok', 'ok'];

  async function runScript(throughCall: boolean) {
    let next: Behaviour = ok;
    const regions = fakeRegions(
      { 'us-east': (attempt) => next(attempt) },
      { breaker: { volumeThreshold: 6, errorThresholdPercentage: 40 } },
    );
    closing(regions.client);
    if (throughCall) regions.client.on('attempt', () => {});
    const seen = [];
    for (const answer of SCRIPT) {
      next = answer === 'ok' ? ok : async () => reset();
      const context = createContext();
      const outcome = await settle(runInContext(context, () => regions.call()));
      const { regions: health } = regions.client.status();
      seen.push({ outcome, servedBy: context.servedBy, health });
    }
    return { seen, attempts: regions.attempts };
  }

  it('counts outcomes for health and breakers, and reports them, exactly as a full call does', async () => {
    const direct = await runScript(false);
    const full = await runScript(true);
    expect(direct).toEqual(full);
    // The script did what it is for: failovers, and the local breaker opened.
    expect(direct.attempts).toContain('us-west');
    expect(direct.seen.at(-1)?.health[0]?.breaker).toBe('open');
  });

  it('an attempt that reads its correlation ID only after the handover reads the call’s', async () => {
    let lateRead: string | undefined;
    const sent: string[] = [];
    const { call, client } = fakeRegions({
      'us-east': async (attempt) => {
        setTimeout(() => (lateRead = attempt.correlationId), 1); // e.g. a log line, written late
        return reset();
      },
      'us-west': async (attempt) => {
        sent.push(attempt.correlationId);
        return ok(attempt);
      },
    });
    closing(client);
    await expect(call()).resolves.toBe('served by us-west');
    await vi.advanceTimersByTimeAsync(1);
    expect(lateRead).toBe(sent[0]);
  });

  it('an abort from inside the classifier stops the call instead of retrying it', async () => {
    const client = closing(createRegionalClient<string>(THREE_REGIONS));
    const sentTo: string[] = [];
    const reason = new Error('caller left');
    const ended = Promise.withResolvers<unknown>();
    const handle = client.start<string>(
      {
        send: (attempt, outcome) => {
          sentTo.push(attempt.region);
          queueMicrotask(() => outcome.resolve('503'));
        },
        resolve: ended.resolve,
        reject: ended.resolve,
      },
      {
        idempotent: true,
        classify: () => {
          handle.abort(reason);
          return { kind: 'retriable', reason: 'status-503' };
        },
      },
    );
    await expect(ended.promise).resolves.toBe(reason);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sentTo).toEqual(['us-east']);
  });

  it('tells a listener that subscribed while the first attempt was out about that call', async () => {
    const client = closing(createRegionalClient<string>(THREE_REGIONS));
    let answer: (value: string) => void = () => {};
    const result = client.execute(() => new Promise<string>((resolve) => (answer = resolve)), {
      idempotent: true,
    });
    const events: string[] = [];
    client.on('attempt', (e) => events.push(`attempt ${e.region} ${e.outcome}`));
    client.on('call', (e) => events.push(`call ${e.outcome} servedBy=${e.servedBy}`));
    answer('done');
    await expect(result).resolves.toBe('done');
    expect(events).toEqual(['attempt us-east success', 'call success servedBy=us-east']);
  });
});
