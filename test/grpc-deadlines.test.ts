import * as grpc from '@grpc/grpc-js';
import { createRegionalGrpcClient, type RegionalGrpcError } from '@regionkit/grpc';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientOptions,
  failure,
  type Regions,
  startRegions,
  testing,
  warmUp,
} from './grpc-fixtures.js';

let regions: Regions;
afterEach(async () => {
  await regions?.[Symbol.asyncDispose]();
});

// Network and timer slack on a loaded 2-core machine.
const SLACK_MS = 100;

/** Handlers that never answer: every attempt runs into its deadline. */
function hangEverywhere(method: 'SayHello' | 'CreateOrder') {
  for (const region of [regions.east, regions.west, regions.eu]) region.handlers[method] = () => {};
}

/** grpc-js retry policy in the service config: on its own it would resend UNAVAILABLE 5 times. */
const RETRYING_SERVICE_CONFIG = JSON.stringify({
  methodConfig: [
    {
      name: [{ service: 'regionkit.testing.Greeter' }],
      retryPolicy: {
        maxAttempts: 5,
        initialBackoff: '0.01s',
        maxBackoff: '0.02s',
        backoffMultiplier: 1,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
});

describe('@regionkit/grpc deadlines', () => {
  it('shares one absolute deadline between attempts and ends with DEADLINE_EXCEEDED', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    await warmUp(greeter, regions);
    hangEverywhere('SayHello');
    const started = Date.now();

    const error = (await greeter
      .sayHello({ name: 'x' }, { deadlineMs: 600 })
      .catch((e) => e)) as RegionalGrpcError;
    const elapsed = Date.now() - started;

    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(600 + 4 * SLACK_MS);
    // One attempt per region, each sent with its share of what was left as its gRPC deadline,
    // none past the call's deadline; the last one got all that remained.
    const arrivals = [regions.east, regions.west, regions.eu].map((r) => r.arrivals);
    expect(arrivals.map((a) => a.length)).toEqual([1, 1, 1]);
    const deadlines = arrivals.map((a) => (a[0]?.deadline ?? Infinity) - started);
    expect(deadlines[0]).toBeGreaterThan(200 - SLACK_MS);
    expect(deadlines[0]).toBeLessThan(200 + SLACK_MS);
    for (const deadline of deadlines) expect(deadline).toBeLessThanOrEqual(600 + SLACK_MS);
    expect(deadlines[2]).toBeGreaterThan(600 - SLACK_MS);
    // And no attempt after the deadline: the attempts the error lists are all that arrived.
    expect(error.attempts).toHaveLength(3);
    expect(regions.totalArrivals()).toBe(3);
  });

  it('gives a non-idempotent call its whole deadline, once', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    await warmUp(greeter, regions);
    hangEverywhere('CreateOrder');
    const started = Date.now();

    const error = (await greeter
      .createOrder({ item: 'x' }, { deadlineMs: 300 })
      .catch((e) => e)) as RegionalGrpcError;

    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    // Both are true here; the core reports whichever it checks first.
    expect(['deadline', 'not-idempotent']).toContain(error.stoppedBecause);
    expect(regions.totalArrivals()).toBe(1);
    const deadline = (regions.east.arrivals[0]?.deadline ?? Infinity) - started;
    expect(deadline).toBeGreaterThan(300 - SLACK_MS);
    expect(deadline).toBeLessThanOrEqual(300 + SLACK_MS);
  });

  it('uses the per-method deadline when the call gives none', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, {
      ...clientOptions(regions),
      methods: { CreateOrder: { idempotent: false, deadlineMs: 120 } },
    });
    hangEverywhere('CreateOrder');
    const started = Date.now();

    const error = await greeter.createOrder({ item: 'x' }).catch((e) => e);

    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(120 + 3 * SLACK_MS);
  });

  it("cancels the attempt in flight when the caller's signal aborts", async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    const cancelled = new Promise<void>((resolve) => {
      regions.east.handlers.SayHello = (call: grpc.ServerUnaryCall<unknown, unknown>) =>
        call.on('cancelled', () => resolve());
    });
    const controller = new AbortController();
    regions.east.nextArrival().then(() => controller.abort());

    const error = (await greeter
      .sayHello({ name: 'x' }, { signal: controller.signal })
      .catch((e) => e)) as RegionalGrpcError;
    await cancelled; // the server saw the cancellation

    expect(error.code).toBe(grpc.status.CANCELLED);
    expect(error.stoppedBecause).toBe('aborted');
    expect(regions.totalArrivals()).toBe(1);
  });
});

describe('@regionkit/grpc and grpc-js retries', () => {
  it('never multiplies attempts, even with a retry policy in the service config', async () => {
    regions = await startRegions();
    for (const region of [regions.east, regions.west, regions.eu]) {
      region.handlers.SayHello = (_call, callback) =>
        callback(failure(grpc.status.UNAVAILABLE, 'down'));
    }
    using greeter = createRegionalGrpcClient(testing.Greeter, {
      ...clientOptions(regions),
      channelOptions: { 'grpc.service_config': RETRYING_SERVICE_CONFIG },
    });

    const error = (await greeter.sayHello({ name: 'x' }).catch((e) => e)) as RegionalGrpcError;

    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    // maxAttempts (3) arrivals in all, one per region: not 3 × 5.
    expect([regions.east, regions.west, regions.eu].map((r) => r.count())).toEqual([1, 1, 1]);
    expect(error.attempts).toHaveLength(3);
  });

  it('(control) the same service config makes a plain grpc-js client send 5 times', async () => {
    regions = await startRegions();
    regions.east.handlers.SayHello = (_call, callback) =>
      callback(failure(grpc.status.UNAVAILABLE, 'down'));
    const plain = new testing.Greeter(regions.east.target, grpc.credentials.createInsecure(), {
      'grpc.service_config': RETRYING_SERVICE_CONFIG,
    });

    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      plain.sayHello({ name: 'x' }, (e) => resolve(e)),
    );
    plain.close();

    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(regions.east.count()).toBe(5);
  });
});
