import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '@regionkit/core';
import { createRegionalGrpcClient } from '@regionkit/grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveGrpcOptions } from '../packages/grpc/src/options.js';
import { clientOptions, type Regions, startRegions, testing } from './grpc-fixtures.js';

let regions: Regions;
afterEach(async () => {
  await regions?.[Symbol.asyncDispose]();
});

const base = {
  service: 'greeter',
  localRegion: 'us-east',
  regions: [
    { name: 'us-east', target: '127.0.0.1:50051', rttMs: 2 },
    { name: 'us-west', target: '127.0.0.1:50052', rttMs: 60 },
  ],
};

/** The ConfigError `create` throws (fails the test if it throws none or another error). */
function configError(create: () => unknown): ConfigError {
  try {
    const client = create() as { close(): void };
    client.close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('@regionkit/grpc configuration errors name the field and the fix', () => {
  it('rejects an unknown method name and lists the real ones', () => {
    const error = configError(() =>
      createRegionalGrpcClient(testing.Greeter, {
        ...base,
        methods: { sayHelo: { idempotent: true } },
      }),
    );
    expect(error.field).toBe('methods.sayHelo');
    expect(error.message).toMatch(/not a method of this service/);
    expect(error.message).toMatch(/SayHello \(sayHello\)/);
  });

  it('accepts both the proto name and the camelCase alias, but not both at once', () => {
    createRegionalGrpcClient(testing.Greeter, { ...base, methods: { sayHello: {} } }).close();
    createRegionalGrpcClient(testing.Greeter, { ...base, methods: { SayHello: {} } }).close();
    const error = configError(() =>
      createRegionalGrpcClient(testing.Greeter, {
        ...base,
        methods: { SayHello: { idempotent: true }, sayHello: { idempotent: false } },
      }),
    );
    expect(error.field).toBe('methods.sayHello');
  });

  it('rejects a bad method policy', () => {
    const idempotent = configError(() =>
      createRegionalGrpcClient(testing.Greeter, {
        ...base,
        methods: { SayHello: { idempotent: 'yes' as unknown as boolean } },
      }),
    );
    expect(idempotent.field).toBe('methods.SayHello.idempotent');
    const deadline = configError(() =>
      createRegionalGrpcClient(testing.Greeter, {
        ...base,
        methods: { SayHello: { deadlineMs: 0 } },
      }),
    );
    expect(deadline.field).toBe('methods.SayHello.deadlineMs');
  });

  it('rejects a region without a target', () => {
    const missing = configError(() =>
      createRegionalGrpcClient(testing.Greeter, {
        ...base,
        regions: [base.regions[0], { name: 'us-west', rttMs: 60 } as never],
      }),
    );
    expect(missing.field).toBe('regions[1].target');
    expect(missing.message).toMatch(/is missing/);
    expect(missing.message).toMatch(/region "us-west"/);
    for (const target of ['', '  ', 'host name:50051']) {
      const bad = configError(() =>
        createRegionalGrpcClient(testing.Greeter, {
          ...base,
          regions: [base.regions[0], { name: 'us-west', target }],
        }),
      );
      expect(bad.field).toBe('regions[1].target');
    }
  });

  it('lets core validate the rest (here: a local region that is not listed)', () => {
    const error = configError(() =>
      createRegionalGrpcClient(testing.Greeter, { ...base, localRegion: 'eu-west' }),
    );
    expect(error.field).toBe('localRegion');
  });

  it('refuses to turn grpc-js retries back on', () => {
    const error = configError(() =>
      createRegionalGrpcClient(testing.Greeter, {
        ...base,
        channelOptions: { 'grpc.enable_retries': 1 },
      }),
    );
    expect(error.field).toBe('channelOptions["grpc.enable_retries"]');
    expect(error.message).toMatch(/multiply attempts/);
  });

  it('caps grpc-js reconnect backoff at a tenth of the breaker reset timeout, unless told otherwise', () => {
    // grpc-js's own backoff grows to 120 s, and calls fail at once until the channel reconnects:
    // a half-open probe sent meanwhile fails without reaching a region that came back.
    const backoff = (options: Partial<Parameters<typeof resolveGrpcOptions>[1]>) => {
      const { channelOptions } = resolveGrpcOptions(testing.Greeter, { ...base, ...options });
      return [
        channelOptions['grpc.initial_reconnect_backoff_ms'],
        channelOptions['grpc.max_reconnect_backoff_ms'],
      ];
    };
    expect(backoff({})).toEqual([500, 500]); // default reset timeout: 5 s
    expect(backoff({ breaker: { resetTimeoutMs: 20_000 } })).toEqual([1_000, 2_000]);
    // Never a reconnect loop: at least 100 ms between attempts.
    expect(backoff({ breaker: { resetTimeoutMs: 10 } })).toEqual([100, 100]);
    // The caller's values win, and one alone still gives initial <= max.
    const own = (options: Record<string, number>) => backoff({ channelOptions: options });
    expect(own({ 'grpc.max_reconnect_backoff_ms': 30_000 })).toEqual([1_000, 30_000]);
    expect(own({ 'grpc.max_reconnect_backoff_ms': 200 })).toEqual([200, 200]);
    expect(own({ 'grpc.initial_reconnect_backoff_ms': 3_000 })).toEqual([3_000, 3_000]);
  });

  it('requires credentials for targets that leave the host', () => {
    const error = configError(() =>
      createRegionalGrpcClient(testing.Greeter, {
        ...base,
        regions: [base.regions[0], { name: 'us-west', target: 'greeter.us-west.internal:443' }],
      }),
    );
    expect(error.field).toBe('credentials');
    createRegionalGrpcClient(testing.Greeter, {
      ...base,
      regions: [base.regions[0], { name: 'us-west', target: 'greeter.us-west.internal:443' }],
      credentials: grpc.credentials.createSsl(),
    }).close();
  });

  it('rejects an unknown tracePropagation mode', () => {
    const error = configError(() =>
      createRegionalGrpcClient(testing.Greeter, { ...base, tracePropagation: 'yes' as never }),
    );
    expect(error.field).toBe('tracePropagation');
  });

  it('rejects something that is not a client constructor', () => {
    const error = configError(() =>
      createRegionalGrpcClient(testing as never, { ...base, methods: {} }),
    );
    expect(error.field).toBe('Client');
  });
});

describe('@regionkit/grpc per-call input errors', () => {
  it('rejects bad call options before anything is sent', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    await expect(greeter.createOrder({ item: 'x' }, { idempotencyKey: 'clé-é' })).rejects.toThrow(
      /greeter\/CreateOrder: options\.idempotencyKey must be/,
    );
    await expect(
      greeter.sayHello({ name: 'x' }, { metadata: { 'x-tenant': 'a' } as never }),
    ).rejects.toThrow(/options\.metadata must be a grpc-js Metadata/);
    await expect(greeter.sayHello({ name: 'x' }, { deadlineMs: -5 })).rejects.toThrow(
      /options\.deadlineMs is -5/,
    );
    expect(() => greeter.listThings({ count: 1 }, { deadlineMs: Number.NaN })).toThrow(
      /greeter\/ListThings: options\.deadlineMs/,
    );
    expect(() => greeter.upload({ interceptors: 'no' as never })).toThrow(/options\.interceptors/);
    await expect(greeter.sayHello({ name: 'x' }, { priority: 'urgent' as never })).rejects.toThrow(
      /options\.priority is "urgent"/,
    );
    expect(regions.totalArrivals()).toBe(0);
  });
});
