import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRegionalClient, type RegionalClient } from './client.js';
import { NoRegionAvailableError } from './errors.js';
import type { BreakerEvent, CallEvent, HealthEvent } from './events.js';
import { fakeRegions, hang, ok, reset, settle, THREE_REGIONS } from './test-helpers.js';

describe('breakers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // Health eviction is switched off (minRequests) so only the breaker decides.
  const breakerOnly = {
    health: { minRequests: 10_000 },
    breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 1_000 },
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  };

  it('counts an outcome in the breaker as it is reported, before the call goes on', () => {
    const client = createRegionalClient<string>({
      ...THREE_REGIONS,
      ...breakerOnly,
      breaker: { ...breakerOnly.breaker, volumeThreshold: 1 },
    });
    const seen: string[] = [];
    client.start(
      {
        send: (attempt, outcome) => {
          if (attempt.region !== 'us-east') return; // the failover attempt never answers
          outcome.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
          // opossum has counted the failure and opened, inside the transport's own callback.
          seen.push(client.status().regions[0]?.breaker ?? 'none');
        },
        resolve: () => {},
        reject: () => {},
      },
      { idempotent: true },
    );
    expect(seen).toEqual(['open']);
    client.close();
  });

  it('counts successes toward the error rate that opens the breaker', async () => {
    const { call, client, behaviours } = fakeRegions({}, breakerOnly);
    const breakerOf = () => client.status().regions[0]?.breaker;
    for (let i = 0; i < 4; i++) await call(); // us-east serves
    behaviours['us-east'] = reset;
    for (let i = 0; i < 4; i++) await call(); // 4 of 8 failed: 50% is not above 50%
    expect(breakerOf()).toBe('closed');
    await call(); // 5 of 9
    expect(breakerOf()).toBe('open');
    client.close();
  });

  describe('an outcome that arrives after the breaker left closed', () => {
    /** us-east holds one attempt open (started while closed), then fails until half-open. */
    async function lateAttemptIntoHalfOpen() {
      const regions = fakeRegions({}, breakerOnly);
      const late = Promise.withResolvers<string>();
      regions.behaviours['us-east'] = () => late.promise;
      const lateCall = settle(regions.call({ idempotent: true, deadlineMs: 60_000 }));
      regions.behaviours['us-east'] = reset;
      for (let i = 0; i < 4; i++) await regions.call();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(regions.client.status().regions[0]?.breaker).toBe('halfOpen');
      return { ...regions, late, lateCall };
    }
    const breakerOf = (client: RegionalClient<string>) => client.status().regions[0]?.breaker;

    it('a late fault re-opens a half-open breaker, so the probe cannot close it', async () => {
      const { client, behaviours, call, late, lateCall } = await lateAttemptIntoHalfOpen();
      const probeAnswer = Promise.withResolvers<string>();
      behaviours['us-east'] = () => probeAnswer.promise;
      const probe = settle(call());
      late.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      await lateCall;
      expect(breakerOf(client)).toBe('open');
      probeAnswer.resolve('served by us-east');
      await probe;
      expect(breakerOf(client)).toBe('open');
      client.close();
    });

    it('a late success is counted but leaves closing to the probe', async () => {
      const { client, late, lateCall } = await lateAttemptIntoHalfOpen();
      late.resolve('served by us-east');
      await lateCall;
      expect(breakerOf(client)).toBe('halfOpen');
      client.close();
    });
  });

  it('opens a failing region, skips it, then lets a half-open probe bring it back', async () => {
    const { call, attempts, client, behaviours } = fakeRegions({ 'us-east': reset }, breakerOnly);
    const transitions: BreakerEvent[] = [];
    client.on('breaker', (event) => transitions.push(event));

    for (let i = 0; i < 4; i++) await call();
    expect(transitions).toEqual([{ service: 'orders', region: 'us-east', state: 'open' }]);
    expect(client.status().regions[0]?.breaker).toBe('open');

    attempts.length = 0;
    await expect(call()).resolves.toBe('served by us-west');
    expect(attempts).toEqual(['us-west']); // skipped, not tried and rejected

    behaviours['us-east'] = ok;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(transitions.at(-1)?.state).toBe('halfOpen');
    attempts.length = 0;
    await expect(call()).resolves.toBe('served by us-east'); // the probe
    expect(transitions.at(-1)?.state).toBe('closed');
    await call();
    expect(attempts).toEqual(['us-east', 'us-east']);
    client.close();
  });

  it('half-open, sends only the probe to the region; other calls go elsewhere, none rejected', async () => {
    // One attempt per call: a call planned to the half-open region would simply fail.
    const { call, attempts, client, behaviours } = fakeRegions(
      { 'us-east': reset },
      { ...breakerOnly, retry: { ...breakerOnly.retry, maxAttempts: 1 } },
    );
    for (let i = 0; i < 4; i++) await settle(call());
    await vi.advanceTimersByTimeAsync(1_000); // half-open
    behaviours['us-east'] = hang; // the probe stays in flight
    attempts.length = 0;
    const probe = settle(call({ idempotent: true, deadlineMs: 5_000 }));
    const others = await Promise.all([call(), call()]);
    expect(others).toEqual(['served by us-west', 'served by us-west']);
    expect(attempts).toEqual(['us-east', 'us-west', 'us-west']); // no breaker-open rejections
    await vi.advanceTimersByTimeAsync(5_000);
    await probe;
    client.close();
  });

  it('a half-open probe the caller abandons re-opens the breaker instead of closing it', async () => {
    const { call, client, behaviours } = fakeRegions({ 'us-east': reset }, breakerOnly);
    for (let i = 0; i < 4; i++) await call();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.status().regions[0]?.breaker).toBe('halfOpen');
    behaviours['us-east'] = hang;
    const controller = new AbortController();
    const probe = settle(call({ idempotent: true, signal: controller.signal }));
    controller.abort(new Error('caller left'));
    expect((await probe).error).toMatchObject({ message: 'caller left' });
    expect(client.status().regions[0]?.breaker).toBe('open'); // it proved nothing
    client.close();
  });

  it('a retry whose target opened during the backoff goes elsewhere, without spending an attempt', async () => {
    const { call, attempts, client } = fakeRegions(
      { 'us-east': reset, 'us-west': reset },
      {
        ...breakerOnly,
        breaker: { ...breakerOnly.breaker, volumeThreshold: 1 },
        retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 },
      },
      () => 0.5, // every backoff waits 50 ms
    );
    const moves: string[] = [];
    client.on('failover', (e) => moves.push(`${e.fromRegion}>${e.toRegion}: ${e.reason}`));
    const retried = settle(call()); // us-east fails, then waits 50 ms to try us-west
    expect(attempts).toEqual(['us-east']);
    // Meanwhile another call opens us-west's breaker.
    await settle(call({ idempotent: true, excludedRegions: ['us-east', 'eu-west'] }));
    expect(client.status().regions.find((r) => r.region === 'us-west')?.breaker).toBe('open');
    await vi.advanceTimersByTimeAsync(50);
    expect(await retried).toEqual({ value: 'served by eu-west' });
    expect(attempts).toEqual(['us-east', 'us-west', 'eu-west']);
    // One failover, told when the attempt starts: where the call really went, and why it left.
    expect(moves).toEqual(['us-east>eu-west: econnreset']);
    client.close();
  });

  it('a re-planned retry that comes back to the failed region is not a failover', async () => {
    let failures = 0;
    const { call, attempts, client } = fakeRegions(
      {
        'us-east': (a) => (failures++ === 0 ? reset() : ok(a)),
        'us-west': reset,
      },
      {
        ...breakerOnly,
        regions: THREE_REGIONS.regions.slice(0, 2),
        breaker: { ...breakerOnly.breaker, volumeThreshold: 2 },
        retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 },
      },
      () => 0.5,
    );
    const moves: string[] = [];
    const calls: CallEvent[] = [];
    client.on('failover', (e) => moves.push(`${e.fromRegion}>${e.toRegion}`));
    client.on('call', (e) => calls.push(e));
    const retried = settle(call()); // us-east fails once: below the volume, stays closed
    for (let i = 0; i < 2; i++) await settle(call({ excludedRegions: ['us-east'] })); // us-west opens
    await vi.advanceTimersByTimeAsync(50);
    expect(await retried).toEqual({ value: 'served by us-east' });
    expect(attempts).toEqual(['us-east', 'us-west', 'us-west', 'us-east']);
    expect(moves).toEqual([]);
    expect(calls.at(-1)).toMatchObject({ servedBy: 'us-east', failedOver: false });
    expect(calls.at(-1)?.failoverReason).toBeUndefined();
    client.close();
  });

  it('fails fast without a try when every breaker is open', async () => {
    const { call, attempts, client } = fakeRegions(
      { 'us-east': reset, 'us-west': reset, 'eu-west': reset },
      breakerOnly,
    );
    for (let i = 0; i < 6; i++) await settle(call());
    expect(client.status().regions.every((r) => r.breaker === 'open')).toBe(true);
    attempts.length = 0;
    const { error } = await settle(call());
    expect(error).toBeInstanceOf(NoRegionAvailableError);
    expect((error as Error).message).toMatch(/us-east: breaker open/);
    expect(attempts).toEqual([]);
    client.close();
  });
});

describe('health weights', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // Breakers are switched off (volumeThreshold) so only health weights decide.
  const healthOnly = {
    health: { minRequests: 10, probeIntervalMs: 500, recoveryProbes: 3 },
    breaker: { volumeThreshold: 10_000 },
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  };

  it('evicts a region above 5% errors, probes it, and brings it back after 3 good probes', async () => {
    const { call, attempts, client, behaviours } = fakeRegions({ 'us-east': reset }, healthOnly);
    const changes: HealthEvent[] = [];
    client.on('health', (event) => changes.push(event));

    for (let i = 0; i < 10; i++) await call();
    expect(client.status().regions[0]?.weight).toBe(0);
    expect(changes.at(-1)).toMatchObject({ region: 'us-east', weight: 0 });

    // While evicted, only a trickle reaches it: one probe per interval.
    attempts.length = 0;
    for (let i = 0; i < 20; i++) await call();
    expect(attempts.filter((r) => r === 'us-east')).toHaveLength(1);

    behaviours['us-east'] = ok;
    for (let probe = 0; probe < 3; probe++) {
      await vi.advanceTimersByTimeAsync(500);
      await call();
    }
    expect(client.status().regions[0]?.weight).toBe(100);
    attempts.length = 0;
    await call();
    expect(attempts).toEqual(['us-east']);
    client.close();
  });

  it('panics rather than fails when every region is evicted: least-bad first', async () => {
    let flip = 0;
    const { call, attempts, client } = fakeRegions(
      {
        'us-east': reset,
        'us-west': reset,
        'eu-west': async (a) => (flip++ % 2 ? ok(a) : reset()), // 50% errors: bad, but least bad
      },
      { ...healthOnly, retry: { maxAttempts: 1 } },
    );
    for (let i = 0; i < 100 && client.status().regions.some((r) => r.weight > 0); i++) {
      await settle(call());
    }
    expect(client.status().regions.map((r) => r.weight)).toEqual([0, 0, 0]);
    attempts.length = 0;
    for (let i = 0; i < 10; i++) await settle(call());
    expect(attempts).toHaveLength(10); // every call still got a try
    expect(attempts.filter((r) => r === 'eu-west').length).toBeGreaterThanOrEqual(8); // probes aside
    client.close();
  });

  it('spreads traffic by weight in weighted mode, keeping every healthy region in play', async () => {
    let draw = 0;
    const draws = [0.1, 0.5, 0.9]; // thirds of the total weight
    const { call, attempts, client } = fakeRegions({}, { routing: 'weighted' }, () => {
      const value = draws[draw % draws.length] ?? 0;
      draw++;
      return value;
    });
    for (let i = 0; i < 3; i++) await call();
    expect(new Set(attempts)).toEqual(new Set(['us-east', 'us-west', 'eu-west']));
    client.close();
  });
});

describe('eviction and recovery, at the edges', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const healthOnly = {
    health: { minRequests: 20, probeIntervalMs: 500, recoveryProbes: 3 },
    breaker: { volumeThreshold: 10_000 },
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  };

  it('successes of attempts sent before the eviction do not count as recovery probes', async () => {
    const answers: Array<{ ok: () => void; fail: () => void }> = [];
    const { call, client } = fakeRegions(
      {
        'us-east': (attempt) =>
          new Promise<string>((resolve, reject) => {
            answers.push({
              ok: () => resolve(`served by ${attempt.region}`),
              fail: () => reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' })),
            });
          }),
      },
      healthOnly,
    );
    const calls = Array.from({ length: 30 }, () => call().catch(() => 'failed'));
    await vi.advanceTimersByTimeAsync(1);
    for (const answer of answers.slice(0, 19)) answer.ok();
    for (const answer of answers.slice(19, 22)) answer.fail(); // 3 of 22: evicted
    await vi.advanceTimersByTimeAsync(1);
    const east = () => client.status().regions.find((r) => r.region === 'us-east');
    expect(east()?.weight).toBe(0);
    for (const answer of answers.slice(22, 25)) answer.ok(); // sent while healthy: stragglers
    await vi.advanceTimersByTimeAsync(1);
    expect(east()?.weight).toBe(0); // no probe went out, so nothing recovered
    for (const answer of answers.slice(25)) answer.ok();
    await Promise.all(calls);
    client.close();
  });

  it('a wall clock stepped back does not keep a recovered region out for as long as the step', async () => {
    let down = true;
    const { call, client } = fakeRegions(
      { 'us-east': (attempt) => (down ? reset() : ok(attempt)) },
      healthOnly,
    );
    for (let i = 0; i < 20; i++) await settle(call());
    const east = () => client.status().regions.find((r) => r.region === 'us-east');
    expect(east()?.weight).toBe(0);
    await vi.advanceTimersByTimeAsync(600);
    await settle(call()); // a probe is claimed (and fails): the next one is due in 500 ms
    down = false;
    vi.setSystemTime(Date.now() - 60_000); // NTP, or a resumed VM
    const servedBy: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(600); // a probe is due each time
      servedBy.push((await settle(call())).value);
    }
    // Probed and back in routing within seconds, not after the 60 s the clock went back.
    expect(servedBy.at(-1)).toBe('served by us-east');
    expect(east()?.weight).toBe(100);
    client.close();
  });
});
