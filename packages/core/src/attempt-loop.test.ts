import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CallHandle, promiseExchange, type Settle } from './call.js';
import { createRegionalClient, type ExecuteOptions } from './client.js';
import { runInContext } from './context.js';
import { AttemptsFailedError, ClientClosedError, DeadlineExceededError } from './errors.js';
import type { AttemptEvent, CallEvent, RetryEvent } from './events.js';
import { fakeRegions, hang, ok, refused, reset, settle, THREE_REGIONS } from './test-helpers.js';
import type { Attempt, Classifier, RegionalClientOptions } from './types.js';

// The error rate and breakers are tested elsewhere; here they must not interfere.
const quiet = { health: { minRequests: 10_000 }, breaker: { volumeThreshold: 10_000 } };

/** A transport answering numbers: 429 asks for `retryAfterMs`, other answers succeed, errors retry. */
function throttledBy429(retryAfterMs: number): Classifier<number> {
  return (r) =>
    r.ok && r.value === 429
      ? { kind: 'retriable', reason: 'status-429', regionFault: false, retryAfterMs }
      : r.ok
        ? { kind: 'success' }
        : { kind: 'retriable', reason: 'econnreset' };
}

describe('attempt loop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stays in the local region while it answers', async () => {
    const { call, attempts, client } = fakeRegions({});
    await expect(call()).resolves.toBe('served by us-east');
    await expect(call()).resolves.toBe('served by us-east');
    expect(attempts).toEqual(['us-east', 'us-east']);
    client.close();
  });

  it('fails over to the nearest backup, then the next, keeping one correlation ID', async () => {
    const ids = new Set<string>();
    const { call, attempts, client } = fakeRegions(
      {
        'us-east': async (a) => {
          ids.add(a.correlationId);
          return reset();
        },
        'us-west': async (a) => {
          ids.add(a.correlationId);
          return reset();
        },
        'eu-west': async (a) => {
          ids.add(a.correlationId);
          return ok(a);
        },
      },
      quiet,
    );
    const result = call();
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toBe('served by eu-west');
    expect(attempts).toEqual(['us-east', 'us-west', 'eu-west']);
    expect(ids.size).toBe(1);
    client.close();
  });

  it('waits a full-jitter exponential backoff between attempts (maxAttempts includes the first try)', async () => {
    const { call, attempts, client } = fakeRegions(
      { 'us-east': reset, 'us-west': reset, 'eu-west': reset },
      { ...quiet, retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 } },
      () => 0.5, // jitter draws the middle of [0, ceiling)
    );
    const retries: RetryEvent[] = [];
    client.on('retry', (event) => retries.push(event));
    const result = settle(call());
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(49);
    expect(attempts).toHaveLength(1); // first retry waits 0.5 × 100 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(attempts).toHaveLength(2); // second retry waits 0.5 × 200 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(3);
    const { error } = await result;
    expect(error).toBeInstanceOf(AttemptsFailedError);
    expect((error as AttemptsFailedError).stoppedBecause).toBe('max-attempts');
    expect((error as AttemptsFailedError).attempts.map((a) => a.region)).toEqual([
      'us-east',
      'us-west',
      'eu-west',
    ]);
    expect(retries.map((r) => [r.nextAttempt, r.delayMs])).toEqual([
      [2, 50],
      [3, 100],
    ]);
    client.close();
  });

  it('caps the backoff at maxDelayMs', async () => {
    const { call, client } = fakeRegions(
      { 'us-east': reset, 'us-west': reset, 'eu-west': reset },
      {
        ...quiet,
        retry: { maxAttempts: 4, baseDelayMs: 400, maxDelayMs: 500 },
        deadlineMs: 60_000,
      },
      () => 0.999,
    );
    const delays: number[] = [];
    client.on('retry', (event) => delays.push(event.delayMs));
    const result = settle(call());
    await vi.advanceTimersByTimeAsync(5_000);
    await result;
    expect(delays).toEqual([399, 499, 499]);
    client.close();
  });

  it('retries a healthy region it already tried before one cooling down after Retry-After', async () => {
    const client = createRegionalClient<number>(
      { ...THREE_REGIONS, ...quiet, regions: THREE_REGIONS.regions.slice(0, 2) },
      {
        classify: throttledBy429(30_000),
      },
    );
    // us-west asks not to be called for 30 s.
    await client.execute(async () => 429, { idempotent: true, excludedRegions: ['us-east'] });
    const tried: string[] = [];
    let failures = 0;
    const result = client.execute(
      async (a) => {
        tried.push(a.region);
        if (a.region === 'us-east' && failures++ === 0) reset();
        return 200;
      },
      { idempotent: true },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(result).resolves.toBe(200); // not a 30 s wait that outlasts the deadline
    expect(tried).toEqual(['us-east', 'us-east']);
    client.close();
  });

  it('a retry whose target opened during the backoff does not skip another region’s Retry-After', async () => {
    const client = createRegionalClient<number>(
      {
        ...THREE_REGIONS,
        health: { minRequests: 10_000 },
        breaker: { volumeThreshold: 1, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
        retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 100 },
        deadlineMs: 60_000,
      },
      {
        random: () => 0.5, // backoffs of 50 ms
        classify: throttledBy429(2_000),
      },
    );
    const only = (region: string) => ({
      idempotent: true,
      excludedRegions: THREE_REGIONS.regions.map((r) => r.name).filter((n) => n !== region),
    });
    const startedAt = Date.now();
    // eu-west: not before 2 s (a short deadline so this call does not wait to retry it).
    await client.execute(async () => 429, { ...only('eu-west'), deadlineMs: 1_000 });
    const euWestCalledAt: number[] = [];
    const result = client.execute(
      async (a) => {
        if (a.region === 'eu-west') euWestCalledAt.push(Date.now() - startedAt);
        if (a.region === 'us-east') reset();
        return 200;
      },
      { idempotent: true },
    ); // us-east fails (its breaker opens), then 50 ms before trying us-west
    await settle(client.execute(async () => reset(), only('us-west'))); // us-west opens meanwhile
    await vi.advanceTimersByTimeAsync(3_000);
    await expect(result).resolves.toBe(200);
    expect(euWestCalledAt).toHaveLength(1);
    expect(euWestCalledAt[0]).toBeGreaterThanOrEqual(2_000);
    client.close();
  });

  it('never resends a non-idempotent call after an ambiguous failure', async () => {
    const { call, attempts, client } = fakeRegions({ 'us-east': reset }, quiet);
    const { error } = await settle(call({ idempotent: false }));
    expect(attempts).toEqual(['us-east']);
    expect(error).toBeInstanceOf(AttemptsFailedError);
    expect((error as AttemptsFailedError).stoppedBecause).toBe('not-idempotent');
    expect((error as Error).message).toMatch(/idempotency key/);
    client.close();
  });

  it('does not count a blank idempotency key as one', async () => {
    const { call, attempts, client } = fakeRegions({ 'us-east': reset }, quiet);
    for (const idempotencyKey of ['', '  ']) {
      const { error } = await settle(call({ idempotencyKey }));
      expect((error as AttemptsFailedError).stoppedBecause).toBe('not-idempotent');
    }
    expect(attempts).toEqual(['us-east', 'us-east']);
    client.close();
  });

  it('fails a non-idempotent call over when the request provably never left (connection refused)', async () => {
    const { call, attempts, client } = fakeRegions({ 'us-east': refused }, quiet);
    const result = call({ idempotent: false });
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toBe('served by us-west');
    expect(attempts).toEqual(['us-east', 'us-west']);
    client.close();
  });

  it('resends a non-idempotent call that carries an idempotency key, with the same key', async () => {
    const keys: Array<string | undefined> = [];
    const { call, client } = fakeRegions(
      {
        'us-east': async (a) => {
          keys.push(a.idempotencyKey);
          return reset();
        },
        'us-west': async (a) => {
          keys.push(a.idempotencyKey);
          return ok(a);
        },
      },
      quiet,
    );
    const result = call({ idempotencyKey: 'order-77' });
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toBe('served by us-west');
    expect(keys).toEqual(['order-77', 'order-77']);
    client.close();
  });

  it('rethrows a fatal error as is, without retrying and without hurting the region', async () => {
    const invalid = new Error('400: bad order');
    const { client } = fakeRegions({});
    const attempts: string[] = [];
    const result = client.execute(
      async (a) => {
        attempts.push(a.region);
        throw invalid;
      },
      { idempotent: true, classify: () => ({ kind: 'fatal', reason: 'status-400' }) },
    );
    await expect(result).rejects.toBe(invalid);
    expect(attempts).toEqual(['us-east']);
    expect(client.status().regions[0]?.errorRate).toBe(0);
    client.close();
  });

  it('returns the last retriable answer when attempts run out (an HTTP client gets its 503)', async () => {
    const { client } = fakeRegions({});
    const result = client.execute(async (a) => `503 from ${a.region}`, {
      idempotent: true,
      classify: () => ({ kind: 'retriable', reason: 'status-503' }),
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toBe('503 from eu-west');
    client.close();
  });

  it('shares one deadline across attempts and aborts the attempt in flight', async () => {
    const aborted: string[] = [];
    const watch = (a: Parameters<typeof hang>[0]) => {
      a.signal.addEventListener('abort', () => aborted.push(a.region));
      return hang(a);
    };
    const { call, attempts, client } = fakeRegions(
      { 'us-east': watch, 'us-west': watch, 'eu-west': watch },
      { ...quiet, deadlineMs: 300, retry: { baseDelayMs: 0, maxDelayMs: 0 } },
    );
    const started = Date.now();
    const result = settle(call());
    const settledAt = result.then(() => Date.now());
    await vi.advanceTimersByTimeAsync(90);
    expect(attempts).toEqual(['us-east']); // each attempt gets an equal share: 300 / 3
    await vi.advanceTimersByTimeAsync(20);
    expect(attempts).toEqual(['us-east', 'us-west']);
    await vi.advanceTimersByTimeAsync(5_000);
    const { error } = await result;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    // The deadline watch checks every 5 ms, so an attempt ends at most one tick late.
    expect((await settledAt) - started).toBeLessThanOrEqual(300 + 5);
    expect(aborted).toEqual(['us-east', 'us-west', 'eu-west']);
    client.close();
  });

  it('gives a call that cannot be resent the whole deadline for its one attempt', async () => {
    const { call, client } = fakeRegions({ 'us-east': hang }, { ...quiet, deadlineMs: 300 });
    const result = settle(call({ idempotent: false }));
    await vi.advanceTimersByTimeAsync(250);
    expect(await Promise.race([result, 'pending'])).toBe('pending');
    await vi.advanceTimersByTimeAsync(60);
    expect((await result).error).toBeInstanceOf(DeadlineExceededError);
    client.close();
  });

  it('does not start when the inherited deadline has already passed', async () => {
    const { call, attempts, client } = fakeRegions({});
    const { error } = await settle(call({ idempotent: true, deadlineMs: 0 }));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(attempts).toEqual([]);
    client.close();
  });

  it('stops at once when the caller aborts, without blaming the region', async () => {
    const { call, attempts, client } = fakeRegions({ 'us-east': hang }, quiet);
    const controller = new AbortController();
    const result = settle(call({ idempotent: true, signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('user went away'));
    const { error } = await result;
    expect((error as Error).message).toBe('user went away');
    expect(attempts).toEqual(['us-east']);
    expect(client.status().regions[0]?.errorRate).toBe(0);
    client.close();
  });

  it("stops when the context's signal aborts (the inbound client left), without blaming the region", async () => {
    const { call, attempts, client } = fakeRegions({ 'us-east': hang }, quiet);
    const inbound = new AbortController();
    const own = new AbortController();
    const calls: CallEvent[] = [];
    client.on('call', (event) => calls.push(event));
    // One call with only the context's signal, one with its own as well: either stops it.
    const [alone, both] = runInContext({ signal: inbound.signal }, () => [
      settle(call({ idempotent: true })),
      settle(call({ idempotent: true, signal: own.signal })),
    ]);
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error('client left');
    inbound.abort(reason);
    expect((await alone).error).toBe(reason);
    expect((await both).error).toBe(reason);
    expect(own.signal.aborted).toBe(false);
    expect(attempts).toEqual(['us-east', 'us-east']); // abandoned, never retried elsewhere
    expect(calls.map((c) => c.stoppedBecause)).toEqual(['aborted', 'aborted']);
    expect(client.status().regions[0]?.errorRate).toBe(0);
    // A call made in the context after it was cancelled is never sent.
    const late = await runInContext({ signal: inbound.signal }, () => settle(call()));
    expect(late.error).toBe(reason);
    expect(attempts).toHaveLength(2);
    client.close();
  });

  it('honours Retry-After: moves on now and keeps the region out until it has passed', async () => {
    const { client } = fakeRegions({}, quiet);
    const attempts: string[] = [];
    let throttled = true;
    const transport = async (a: { region: string }) => {
      attempts.push(a.region);
      return a.region === 'us-east' && throttled ? 'throttled' : `ok ${a.region}`;
    };
    const classify = (r: { ok: boolean; value?: unknown }) =>
      r.ok && r.value === 'throttled'
        ? ({
            kind: 'retriable',
            reason: 'status-429',
            retryAfterMs: 2_000,
            regionFault: false,
          } as const)
        : ({ kind: 'success' } as const);
    const first = client.execute(transport, { idempotent: true, classify });
    await vi.advanceTimersByTimeAsync(100);
    await expect(first).resolves.toBe('ok us-west');
    throttled = false;
    await client.execute(transport, { idempotent: true, classify });
    expect(attempts).toEqual(['us-east', 'us-west', 'us-west']);
    vi.advanceTimersByTime(2_000);
    await client.execute(transport, { idempotent: true, classify });
    expect(attempts.at(-1)).toBe('us-east');
    client.close();
  });

  it('respects excludedRegions per call', async () => {
    const { call, attempts, client } = fakeRegions({});
    await call({ idempotent: true, excludedRegions: ['us-east'] });
    expect(attempts).toEqual(['us-west']);
    client.close();
  });
});

describe('client lifecycle and stalls', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends a call that was in flight when the client closed with ClientClosedError', async () => {
    const { client } = fakeRegions({});
    const calls: CallEvent[] = [];
    client.on('call', (event) => calls.push(event));
    const result = settle(
      client.execute(
        async () => {
          client.close();
          return refused(); // retried at once elsewhere, where the closed breaker refuses it
        },
        { idempotent: true },
      ),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect((await result).error).toBeInstanceOf(ClientClosedError);
    // The retry was announced as a failover, but it never ran: the call did not move.
    expect(calls[0]).toMatchObject({ attempts: 1, failedOver: false });
  });

  it('close() ends a call waiting to retry at once, with ClientClosedError', async () => {
    const { call, client } = fakeRegions(
      { 'us-east': reset },
      {
        ...quiet,
        regions: [{ name: 'us-east', rttMs: 1 }],
        retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
        deadlineMs: 120_000,
      },
      () => 0.5,
    );
    const result = settle(call());
    await vi.advanceTimersByTimeAsync(0); // the first attempt failed; the call waits ~30 s
    client.close();
    expect((await result).error).toBeInstanceOf(ClientClosedError); // no timer advanced
    expect(vi.getTimerCount()).toBe(0); // nothing left to keep the process alive
  });

  it('retries a timeout caused by this process stalling without blaming the region', async () => {
    const reasons: string[] = [];
    const { call, client } = fakeRegions(
      { 'us-east': hang },
      { ...quiet, deadlineMs: 3_000, retry: { baseDelayMs: 0, maxDelayMs: 0 } },
    );
    client.on('attempt', (event) => reasons.push(`${event.region}:${event.reason}`));
    const result = call();
    // The event loop is blocked well past the first attempt's deadline (1 s), then runs again.
    vi.setSystemTime(Date.now() + 1_500);
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).resolves.toBe('served by us-west');
    expect(reasons).toEqual(['us-east:client-stall', 'us-west:ok']);
    expect(client.status().regions[0]?.errorRate).toBe(0);
    client.close();
  });
});

describe('start (callback style)', () => {
  it('decides a synchronous success before start returns: no promise in between', () => {
    const client = createRegionalClient<string>(THREE_REGIONS);
    const results: string[] = [];
    client.start(
      {
        send: (attempt, outcome) => outcome.resolve(`served by ${attempt.region}`),
        resolve: (value) => results.push(value),
        reject: (error) => results.push(`${error}`),
      },
      { idempotent: true },
    );
    expect(results).toEqual(['served by us-east']);
    expect(client.status().regions[0]?.requests).toBe(1); // recorded against the region too
    client.close();
  });

  it('fails over when an attempt reports a retriable error, and tells done once', async () => {
    const client = createRegionalClient<string>({ ...THREE_REGIONS, ...quiet });
    const regions: string[] = [];
    const done = Promise.withResolvers<string>();
    let told = 0;
    client.start(
      {
        send: (attempt, outcome) => {
          regions.push(attempt.region);
          if (attempt.region === 'us-east') {
            outcome.reject(
              Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
            );
            outcome.resolve('late answer, ignored');
          } else outcome.resolve(`served by ${attempt.region}`);
        },
        resolve: (value) => {
          told++;
          done.resolve(value);
        },
        reject: (error) => {
          told++;
          done.reject(error);
        },
      },
      { idempotent: true },
    );
    await expect(done.promise).resolves.toBe('served by us-west');
    expect(regions).toEqual(['us-east', 'us-west']);
    expect(told).toBe(1);
    client.close();
  });

  it("classifies with options.classify, else the exchange's classify, else the client's", () => {
    const used: string[] = [];
    const client = createRegionalClient<string>(THREE_REGIONS, {
      classify: () => {
        used.push('client');
        return { kind: 'success' };
      },
    });
    const run = (exchangeClassifies: boolean, options: ExecuteOptions<string>) =>
      client.start(
        {
          send: (_attempt, outcome) => outcome.resolve('ok'),
          ...(exchangeClassifies && {
            classify: () => {
              used.push('exchange');
              return { kind: 'success' } as const;
            },
          }),
          resolve: () => {},
          reject: () => {},
        },
        options,
      );
    const byOptions = () => {
      used.push('options');
      return { kind: 'success' } as const;
    };
    run(true, { idempotent: true, classify: byOptions });
    run(true, { idempotent: true });
    run(false, { idempotent: true });
    expect(used).toEqual(['options', 'exchange', 'client']);
    client.close();
  });

  it('hands the transport an attempt whose own fields are its public data only', () => {
    const client = createRegionalClient<string>(THREE_REGIONS);
    let logged = '';
    client.start(
      {
        send: (attempt, outcome) => {
          logged = JSON.stringify(attempt);
          outcome.resolve('ok');
        },
        resolve: () => {},
        reject: () => {},
      },
      { idempotent: true },
    );
    expect(Object.keys(JSON.parse(logged))).toEqual(['region', 'number', 'attemptDeadline']);
    client.close();
  });
});

describe('stopping a call through the handle start() returns', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts a call; `outcome` receives what `done` was told. */
  function startCall(
    behaviour: (attempt: Attempt) => Promise<string>,
    overrides: Partial<RegionalClientOptions> = {},
  ) {
    const client = createRegionalClient<string>(
      { ...THREE_REGIONS, ...quiet, ...overrides },
      { random: () => 0.5 }, // backoff waits half the cap: never zero
    );
    const calls: CallEvent[] = [];
    client.on('call', (event) => calls.push(event));
    const attempts: string[] = [];
    const outcome = Promise.withResolvers<string>();
    const handle = client.start(
      promiseExchange((attempt) => {
        attempts.push(attempt.region);
        return behaviour(attempt);
      }, outcome),
      { idempotent: true },
    );
    return { client, calls, attempts, handle, result: settle(outcome.promise) };
  }

  it('ends a backoff wait at once, with the reason, and makes no further attempt', async () => {
    const waiting = startCall(reset, {
      regions: [{ name: 'us-east', rttMs: 1 }],
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
      deadlineMs: 120_000,
    });
    await vi.advanceTimersByTimeAsync(0); // the first attempt failed; the call now waits
    const reason = new Error('caller left');
    waiting.handle.abort(reason);
    const { error } = await waiting.result; // no timer advanced: the wait did not run out
    expect(error).toBe(reason);
    expect(waiting.attempts).toEqual(['us-east']);
    expect(waiting.calls).toEqual([expect.objectContaining({ stoppedBecause: 'aborted' })]);
    waiting.client.close();
  });

  it('abandons the attempt in flight (its signal aborts) and does not retry', async () => {
    const signals: AbortSignal[] = [];
    const inFlight = startCall((attempt) => {
      signals.push(attempt.signal);
      return hang(attempt);
    });
    const reason = new Error('caller left');
    inFlight.handle.abort(reason);
    expect((await inFlight.result).error).toBe(reason);
    expect(signals.map((s) => s.aborted)).toEqual([true]);
    expect(inFlight.attempts).toEqual(['us-east']);
    expect(inFlight.calls[0]).toMatchObject({ stoppedBecause: 'aborted', servedBy: undefined });
    // Nothing learnt about the region from an abandoned attempt.
    expect(inFlight.client.status().regions[0]?.requests).toBe(0);
    inFlight.client.close();
  });

  it('does nothing once the call has ended', async () => {
    const ended = startCall(ok);
    expect((await ended.result).value).toBe('served by us-east');
    ended.handle.abort(new Error('too late'));
    expect(ended.calls).toEqual([expect.objectContaining({ outcome: 'success' })]);
    ended.client.close();
  });
});

describe('calls that end before, or outside, the usual path', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function client() {
    return createRegionalClient<string>({ ...THREE_REGIONS, ...quiet }, { random: () => 0.5 });
  }

  it('never sends a call whose signal aborted before it started', async () => {
    const c = client();
    const calls: CallEvent[] = [];
    c.on('call', (event) => calls.push(event));
    const sent: string[] = [];
    const reason = new Error('caller left');
    const { error } = await settle(
      c.execute(async (a) => sent.push(a.region).toString(), {
        idempotent: false,
        signal: AbortSignal.abort(reason),
      }),
    );
    expect(error).toBe(reason);
    expect(sent).toEqual([]);
    expect(calls).toEqual([expect.objectContaining({ stoppedBecause: 'aborted' })]);
    c.close();
  });

  it('refuses a deadlineMs that is not a number, or longer than a timer holds, naming the option', async () => {
    const c = client();
    const { error } = await settle(c.execute(ok, { deadlineMs: Number.NaN }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/options\.deadlineMs is NaN/);
    for (const deadlineMs of [Number.POSITIVE_INFINITY, 1e22, 2 ** 31]) {
      const sent: Attempt[] = [];
      const { error: tooLong } = await settle(
        c.execute(
          async (attempt) => {
            sent.push(attempt);
            return 'ok';
          },
          { deadlineMs },
        ),
      );
      expect((tooLong as Error).message).toMatch(
        /options\.deadlineMs is .*; pass a number of milliseconds up to 2147483647/,
      );
      expect(sent).toEqual([]);
    }
    c.close();
  });

  it("the call's own outcome wins over a transport that rejects at once on its signal", async () => {
    const c = client();
    const attempts: AttemptEvent[] = [];
    c.on('attempt', (event) => attempts.push(event));
    // Rejects synchronously when its signal aborts, as many AbortSignal-aware APIs do.
    const eager = (attempt: Attempt, outcome: Settle<string>) => {
      if (attempt.region !== 'us-east') return outcome.resolve(`served by ${attempt.region}`);
      attempt.signal.addEventListener('abort', () =>
        outcome.reject(new Error('transport gave up')),
      );
    };
    // An attempt timeout stays a timeout, so the call fails over.
    const timedOut = Promise.withResolvers<string>();
    c.start(
      { send: eager, resolve: timedOut.resolve, reject: timedOut.reject },
      { idempotent: true },
    );
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(timedOut.promise).resolves.toBe('served by us-west');
    expect(attempts[0]).toMatchObject({ region: 'us-east', reason: 'timeout' });
    // An abort through the handle ends the call with the caller's reason.
    const aborted = Promise.withResolvers<string>();
    const handle = c.start(
      { send: eager, resolve: aborted.resolve, reject: aborted.reject },
      { idempotent: true },
    );
    const reason = new Error('caller left');
    handle.abort(reason);
    await expect(aborted.promise).rejects.toBe(reason);
    c.close();
  });

  it('a classifier that throws ends the call with its error instead of leaving it pending', async () => {
    const c = client();
    const bug = new Error('classifier bug');
    const { error } = await settle(
      c.execute(ok, {
        classify: () => {
          throw bug;
        },
      }),
    );
    expect(error).toBe(bug);
    expect(c.status().regions[0]?.breaker).toBe('closed');
    c.close();
  });

  it('an abort from a retry listener ends the call with that reason, even a non-Error', async () => {
    const c = client();
    const attempts: string[] = [];
    const outcome = Promise.withResolvers<string>();
    let handle: CallHandle | undefined;
    // Aborts as the third attempt is planned, after the second failed: nothing is in flight.
    c.on('retry', (event) => {
      if (event.nextAttempt === 3) handle?.abort('stop');
    });
    handle = c.start(
      promiseExchange((a: Attempt) => {
        attempts.push(a.region);
        return reset();
      }, outcome),
      { idempotent: true },
    );
    const result = settle(outcome.promise);
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await result).error).toBe('stop');
    expect(attempts).toEqual(['us-east', 'us-west']); // no third attempt
    c.close();
  });
});
