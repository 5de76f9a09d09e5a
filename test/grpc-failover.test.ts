import { status } from '@grpc/grpc-js';
import { createRegionalGrpcClient, isRegionalGrpcError, RegionalGrpcError } from '@regionkit/grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions, failure, type Regions, startRegions, testing } from './grpc-fixtures.js';

let regions: Regions;
afterEach(async () => {
  await regions?.[Symbol.asyncDispose]();
});

describe('@regionkit/grpc failover across three regions', () => {
  it('keeps every idempotent unary call succeeding when the local server is killed mid-run', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    const reasons: string[] = [];
    greeter.client.on('attempt', (a) => {
      if (a.outcome !== 'success') reasons.push(a.reason);
    });
    const total = 120;
    const killAtArrival = 40;
    let started = 0;
    let startedBeforeKill = Infinity;
    // us-east answers after 3 ms, so other calls are in flight when the 40th arrival kills it.
    regions.east.handlers.SayHello = (_call, callback) => {
      if (regions.east.count() === killAtArrival) {
        startedBeforeKill = started;
        regions.east.kill();
      } else {
        setTimeout(() => callback(null, { message: 'hi', region: 'us-east' }), 3);
      }
    };
    const servedBy: string[] = [];
    const failed: unknown[] = [];
    const worker = async () => {
      while (started < total) {
        const n = started++;
        try {
          servedBy[n] = (await greeter.sayHello({ name: `call-${n}` })).region;
        } catch (error) {
          failed.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const story = JSON.stringify({ startedBeforeKill, reasons, servedBy });

    expect(failed, story).toEqual([]);
    expect(servedBy.filter(Boolean)).toHaveLength(total);
    // Calls started after the kill were all served by the nearest backup, none by the farther.
    expect(new Set(servedBy.slice(startedBeforeKill)), story).toEqual(new Set(['us-west']));
    expect(regions.eu.count(), story).toBe(0);
    // The calls cut off mid-handler were resent (idempotent); later ones never reached us-east.
    // (how a cut-off call is reported depends on timing: reset, cancelled, or dropped).
    const ambiguous = new Set(['cancelled-by-peer', 'stream-reset', 'unavailable']);
    expect(
      reasons.some((r) => ambiguous.has(r)),
      story,
    ).toBe(true);
    expect(
      reasons.some((r) => r === 'connect-failed' || r === 'stream-refused'),
      story,
    ).toBe(true);
    // Each arrival in us-west is one call served there: nothing was sent to it twice.
    const eastServed = servedBy.filter((r) => r === 'us-east').length;
    expect(eastServed).toBeLessThan(killAtArrival);
    expect(regions.west.count()).toBe(total - eastServed);
  });

  it('does not resend a non-idempotent call after an ambiguous failure', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    // The request reaches us-east, then the server dies before answering.
    regions.east.handlers.CreateOrder = () => regions.east.kill();

    const error = await greeter.createOrder({ item: 'book' }).catch((e: unknown) => e);

    expect(isRegionalGrpcError(error)).toBe(true);
    expect(error).toMatchObject({ stoppedBecause: 'not-idempotent' });
    expect([status.CANCELLED, status.UNAVAILABLE]).toContain((error as RegionalGrpcError).code);
    expect(regions.east.count('CreateOrder')).toBe(1);
    expect(regions.totalArrivals('CreateOrder')).toBe(1);
  });

  it('does not resend a non-idempotent call that the server failed with UNAVAILABLE', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    // A server relaying its upstream's "never connected" text must not pass for an unsent call.
    regions.east.handlers.CreateOrder = (_call, callback) =>
      callback(failure(status.UNAVAILABLE, 'No connection established. Last error: upstream'));

    const error = (await greeter
      .createOrder({ item: 'book' })
      .catch((e) => e)) as RegionalGrpcError;

    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.stoppedBecause).toBe('not-idempotent');
    expect(error.attempts).toMatchObject([{ region: 'us-east', reason: 'unavailable' }]);
    expect(regions.totalArrivals()).toBe(1);
  });

  it('fails a non-idempotent call over when the local server refuses the connection', async () => {
    regions = await startRegions();
    regions.east.kill();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    const reply = await greeter.createOrder({ item: 'lamp' });

    expect(reply).toEqual({ orderId: 'order-lamp', region: 'us-west' });
    expect(regions.totalArrivals('CreateOrder')).toBe(1);
  });

  it('resends a non-idempotent call that carries an idempotency key, with the same key', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.CreateOrder = (_call, callback) =>
      callback(failure(status.UNAVAILABLE, 'draining'));

    const reply = await greeter.createOrder({ item: 'desk' }, { idempotencyKey: 'order-7f3a' });

    expect(reply.region).toBe('us-west');
    const keys = [regions.east, regions.west].map((r) => r.arrivals[0]?.idempotencyKey);
    expect(keys).toEqual(['order-7f3a', 'order-7f3a']);
  });

  it('honours grpc-retry-pushback-ms: moves on and leaves the region alone for that long', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.SayHello = (_call, callback) =>
      callback(
        failure(status.RESOURCE_EXHAUSTED, 'shedding', { 'grpc-retry-pushback-ms': '60000' }),
      );

    const first = await greeter.sayHello({ name: 'a' });
    const second = await greeter.sayHello({ name: 'b' });

    expect([first.region, second.region]).toEqual(['us-west', 'us-west']);
    // The second call did not touch us-east: it is cooling down.
    expect(regions.east.count()).toBe(1);
    const east = greeter.client.status().regions.find((r) => r.region === 'us-east');
    expect(east?.coolingUntil).toBeGreaterThan(Date.now() + 50_000);
  });

  it('does not retry when the server pushes back with a negative value (gRFC A6: stop)', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.SayHello = (_call, callback) =>
      callback(failure(status.UNAVAILABLE, 'overloaded', { 'grpc-retry-pushback-ms': '-1' }));

    const error = await greeter.sayHello({ name: 'x' }).catch((e) => e);

    expect(error.code).toBe(status.UNAVAILABLE);
    expect(regions.totalArrivals()).toBe(1);
  });

  it('returns a fatal status untouched, after one attempt', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.SayHello = (_call, callback) =>
      callback(failure(status.NOT_FOUND, 'no such greeting'));

    const error = await greeter.sayHello({ name: 'x' }).catch((e) => e);

    expect(error).not.toBeInstanceOf(RegionalGrpcError);
    expect(error).toMatchObject({ code: status.NOT_FOUND, details: 'no such greeting' });
    expect(regions.totalArrivals()).toBe(1);
  });

  it('surfaces the last grpc status with every attempt when all regions fail', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    for (const region of [regions.east, regions.west, regions.eu]) {
      region.handlers.SayHello = (_call, callback) =>
        callback(failure(status.UNAVAILABLE, `${region.name} is down`, { 'x-served-by': 'test' }));
    }

    const error = (await greeter.sayHello({ name: 'x' }).catch((e) => e)) as RegionalGrpcError;

    expect(error).toBeInstanceOf(RegionalGrpcError);
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toBe('eu-west is down');
    expect(error.metadata.get('x-served-by')).toEqual(['test']);
    expect(error.stoppedBecause).toBe('max-attempts');
    expect(error.attempts.map((a) => a.region)).toEqual(['us-east', 'us-west', 'eu-west']);
    expect((error.cause as { code?: number }).code).toBe(status.UNAVAILABLE);
    expect(regions.totalArrivals()).toBe(3);
  });

  it('keeps one channel per region and closes them all', async () => {
    regions = await startRegions();
    const greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    const east = greeter.grpcClientFor('us-east');
    await greeter.sayHello({ name: 'a' });
    await greeter.SayHello({ name: 'b' });
    expect(greeter.grpcClientFor('us-east')).toBe(east);
    expect(() => greeter.grpcClientFor('mars')).toThrow(/no region "mars"/);

    greeter.close();

    expect(east.getChannel().getConnectivityState(false)).toBe(4); // SHUTDOWN
    const error = await greeter.sayHello({ name: 'c' }).catch((e) => e);
    expect(error).toMatchObject({ code: status.UNAVAILABLE, stoppedBecause: 'closed' });
  });
});
