import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { runInContext } from '@regionkit/core';
import { createRegionalGrpcClient, type RegionalGrpcError } from '@regionkit/grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions, failure, type Regions, startRegions, testing } from './grpc-fixtures.js';

let regions: Regions;
afterEach(async () => {
  await regions?.[Symbol.asyncDispose]();
});

type Thing = { index: number; region: string };

async function collect(stream: AsyncIterable<unknown>): Promise<Thing[]> {
  const things: Thing[] = [];
  for await (const thing of stream) things.push(thing as Thing);
  return things;
}

describe('@regionkit/grpc server streaming', () => {
  it('fails over while no message has arrived yet', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.ListThings = (call: grpc.ServerWritableStream<unknown, unknown>) =>
      call.emit('error', failure(grpc.status.UNAVAILABLE, 'draining'));

    const stream = greeter.listThings({ count: 3 });
    const things = await collect(stream);

    expect(things).toEqual([0, 1, 2].map((index) => ({ index, region: 'us-west' })));
    expect(stream.region).toBe('us-west');
    expect([regions.east.count(), regions.west.count(), regions.eu.count()]).toEqual([1, 1, 0]);
  });

  it('fails over when the local server refuses the connection', async () => {
    regions = await startRegions();
    regions.east.kill();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    const things = await collect(greeter.listThings({ count: 2 }));

    expect(things.map((t) => t.region)).toEqual(['us-west', 'us-west']);
  });

  it('stays in its region once a message arrived: a kill ends it with an error', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    // Sends two messages and then keeps the stream open.
    regions.east.handlers.ListThings = (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.write({ index: 0, region: 'us-east' });
      call.write({ index: 1, region: 'us-east' });
    };

    const stream = greeter.listThings({ count: 10 });
    const received: Thing[] = [];
    stream.on('data', (thing: Thing) => {
      received.push(thing);
      if (received.length === 2) regions.east.kill();
    });
    const [error] = (await once(stream, 'error').catch((e) => [e])) as [RegionalGrpcError];

    expect(received).toEqual([
      { index: 0, region: 'us-east' },
      { index: 1, region: 'us-east' },
    ]);
    expect([grpc.status.CANCELLED, grpc.status.UNAVAILABLE, grpc.status.INTERNAL]).toContain(
      error.code,
    );
    expect(stream.region).toBe('us-east');
    // Not resent elsewhere: that would replay messages the reader already has.
    expect(regions.west.count() + regions.eu.count()).toBe(0);
  });

  it('an error status after messages reaches the reader after every one of them', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.ListThings = (call: grpc.ServerWritableStream<unknown, unknown>) => {
      for (let index = 0; index < 10; index++) call.write({ index, region: 'us-east' });
      call.emit('error', failure(grpc.status.INTERNAL, 'broke after writing'));
    };
    const stream = greeter.listThings({ count: 10 });
    // A reader that has not read yet when the status arrives: the messages wait in buffers.
    const [status] = (await once(stream, 'status')) as [grpc.StatusObject];
    expect(status.code).toBe(grpc.status.INTERNAL);
    const received: Thing[] = [];
    const error = await (async () => {
      for await (const thing of stream) received.push(thing as Thing);
    })().catch((e: unknown) => e);
    expect(received.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(error).toMatchObject({ code: grpc.status.INTERNAL });
  });

  it('a stream that fails before its first message emits its status too, as grpc-js does', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.ListThings = (call: grpc.ServerWritableStream<unknown, unknown>) =>
      call.emit('error', failure(grpc.status.NOT_FOUND, 'no such list'));
    const stream = greeter.listThings({ count: 1 });
    const status = once(stream, 'status') as Promise<[grpc.StatusObject]>;
    await expect(collect(stream)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    expect((await status)[0].code).toBe(grpc.status.NOT_FOUND);
    expect(() => greeter.listThings({ count: 1 }, { deadlineMs: 2 ** 31 })).toThrow(
      /deadlineMs is 2147483648; use a positive number of milliseconds up to 2147483647/,
    );
  });

  it('ends cleanly on an empty stream, and delivers long streams with backpressure', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    expect(await collect(greeter.listThings({ count: 0 }))).toEqual([]);
    const many = await collect(greeter.listThings({ count: 2_000 }));
    expect(many).toHaveLength(2_000);
    expect(many.every((t, i) => t.index === i && t.region === 'us-east')).toBe(true);
  });

  it('cancels before the first message, with CANCELLED', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.ListThings = () => {}; // never sends

    const stream = greeter.listThings({ count: 1 });
    regions.east.nextArrival().then(() => stream.cancel());
    const [error] = (await once(stream, 'error').catch((e) => [e])) as [RegionalGrpcError];

    expect(error.code).toBe(grpc.status.CANCELLED);
    expect(regions.totalArrivals()).toBe(1);
  });

  it("the caller's signal still cancels the stream after the first message", async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    let serverCancelled!: () => void;
    const cancelledAtServer = new Promise<void>((resolve) => {
      serverCancelled = resolve;
    });
    regions.east.handlers.ListThings = (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.on('cancelled', serverCancelled);
      call.write({ index: 0, region: 'us-east' }); // then keeps the stream open
    };
    const controller = new AbortController();
    const stream = greeter.listThings({ count: 10 }, { signal: controller.signal });
    await once(stream, 'data'); // committed to us-east
    controller.abort();
    const [error] = (await once(stream, 'error').catch((e) => [e])) as [grpc.ServiceError];
    expect(error.code).toBe(grpc.status.CANCELLED);
    await cancelledAtServer;
  });

  it("takes its gRPC deadline from the inbound request, not the client's default", async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, {
      ...clientOptions(regions),
      deadlineMs: 1_000, // the client's default: bounds the wait for a first message only
    });
    let serverDeadline = 0;
    regions.east.handlers.ListThings = (call: grpc.ServerWritableStream<unknown, unknown>) => {
      serverDeadline = Number(call.getDeadline());
      call.end();
    };
    const inbound = Date.now() + 5_000;
    await runInContext({ deadline: inbound }, () => collect(greeter.listThings({ count: 0 })));
    // grpc-timeout travels in whole units, so allow for rounding and transit.
    expect(serverDeadline).toBeGreaterThan(inbound - 500);
  });

  it('sends the correlation ID of the ambient context', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    await runInContext({ correlationId: 'req-stream' }, () =>
      collect(greeter.listThings({ count: 1 })),
    );

    expect(regions.east.arrivals[0]).toMatchObject({ correlationId: 'req-stream', attempt: '1' });
  });
});

describe('@regionkit/grpc client and bidi streaming (pinned to one region)', () => {
  it('a stream that cannot be opened is refused as a unary call is: pre-aborted, after close', async () => {
    regions = await startRegions();
    const greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    const reason = new Error('caller left');
    const signal = AbortSignal.abort(reason);
    for (const open of [() => greeter.upload({ signal }), () => greeter.chat({ signal })]) {
      expect(open).toThrow(
        expect.objectContaining({
          code: grpc.status.CANCELLED,
          stoppedBecause: 'aborted',
          cause: reason,
        }),
      );
    }
    greeter.close();
    for (const open of [() => greeter.upload(), () => greeter.chat()]) {
      expect(open).toThrow(
        expect.objectContaining({ code: grpc.status.UNAVAILABLE, stoppedBecause: 'closed' }),
      );
    }
    expect(regions.east.count() + regions.west.count() + regions.eu.count()).toBe(0);
  });

  it('opens a client stream in the local region and resolves its response', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    const upload = runInContext({ correlationId: 'req-up' }, () => greeter.upload());
    for (let index = 0; index < 5; index++) upload.write({ index });
    upload.end();

    expect(await upload.response).toEqual({ count: 5, region: 'us-east' });
    expect(upload.region).toBe('us-east');
    expect(upload.correlationId).toBe('req-up');
    expect(regions.east.arrivals[0]).toMatchObject({ correlationId: 'req-up', attempt: '1' });
  });

  it('does not fail over: a stream opened in a dead region ends with its error', async () => {
    regions = await startRegions();
    regions.east.kill();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    const upload = greeter.upload();
    upload.write({ index: 0 });
    upload.end();
    const error = await upload.response.catch((e) => e);

    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(regions.totalArrivals()).toBe(0);
  });

  it('opens new streams in the nearest healthy region once the local one is known bad', async () => {
    regions = await startRegions();
    regions.east.kill();
    using greeter = createRegionalGrpcClient(testing.Greeter, {
      ...clientOptions(regions),
      health: { minRequests: 3 },
    });
    // Unary traffic teaches the client that us-east is down.
    for (let i = 0; i < 5; i++) await greeter.sayHello({ name: `warm-${i}` });

    const chat = greeter.chat();
    chat.write({ index: 7 });
    const [echo] = (await once(chat, 'data')) as [Thing];
    chat.end();
    chat.resume();
    await once(chat, 'status');

    expect(chat.region).toBe('us-west');
    expect(echo).toEqual({ index: 7, region: 'us-west' });
  });

  it('runs a bidi stream in one region until it is killed, then ends it with an error', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    const chat = greeter.chat();
    chat.write({ index: 1 });
    const [echo] = (await once(chat, 'data')) as [Thing];
    expect(echo).toEqual({ index: 1, region: 'us-east' });
    regions.east.kill();
    const [error] = (await once(chat, 'error').catch((e) => [e])) as [grpc.ServiceError];

    expect(error.code).toBeGreaterThan(0);
    expect(chat.region).toBe('us-east');
    expect(regions.west.count() + regions.eu.count()).toBe(0);
  });
});
