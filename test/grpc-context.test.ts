import { once } from 'node:events';
import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { type CallEvent, currentContext, runInContext, validCorrelationId } from '@regionkit/core';
import {
  createRegionalGrpcClient,
  regionkitClientInterceptor,
  regionkitServerInterceptor,
  withGrpcContext,
} from '@regionkit/grpc';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientOptions,
  failure,
  RegionServer,
  type Regions,
  startRegions,
  testing,
} from './grpc-fixtures.js';

const cleanups: (() => void)[] = [];
let regions: Regions;
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await regions?.[Symbol.asyncDispose]();
});

/** A server that calls the three regions (through a regional client) from its handler. */
async function startFrontend(serverOptions: grpc.ServerOptions, wrap = false) {
  const backend = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
  const frontend = new RegionServer('frontend');
  const handler = async (
    call: grpc.ServerUnaryCall<{ name: string }, unknown>,
    callback: grpc.sendUnaryData<unknown>,
  ) => {
    try {
      const order = await backend.createOrder({ item: call.request.name });
      callback(null, { message: currentContext()?.correlationId, region: order.region });
    } catch (error) {
      callback(error as grpc.ServiceError);
    }
  };
  frontend.handlers.SayHello = wrap ? withGrpcContext(handler) : handler;
  await frontend.start(serverOptions);
  cleanups.push(
    () => frontend.kill(),
    () => backend.close(),
  );
  return frontend;
}

/**
 * A frontend with the server interceptor whose SayHello is `sayHello(backend)`, the backend being
 * a regional client of the three regions; a plain client of it; the backend's call events.
 */
async function frontendCallingBackend(
  sayHello: (
    backend: ReturnType<typeof createRegionalGrpcClient<typeof testing.Greeter>>,
  ) => (call: unknown, callback: grpc.sendUnaryData<unknown>) => unknown,
) {
  const backend = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
  const calls: CallEvent[] = [];
  backend.client.on('call', (event) => calls.push(event));
  const frontend = new RegionServer('frontend');
  frontend.handlers.SayHello = sayHello(backend);
  await frontend.start({ interceptors: [regionkitServerInterceptor()] });
  const client = new testing.Greeter(frontend.target, grpc.credentials.createInsecure());
  cleanups.push(
    () => frontend.kill(),
    () => backend.close(),
    () => client.close(),
  );
  return { backend, calls, client };
}

/** A plain grpc-js client of the frontend, as another team's service would call it. */
function plainClient(frontend: RegionServer) {
  const client = new testing.Greeter(frontend.target, grpc.credentials.createInsecure());
  cleanups.push(() => client.close());
  return (metadata: grpc.Metadata) =>
    new Promise<{ reply: { message: string }; headers: grpc.Metadata }>((resolve, reject) => {
      let headers = new grpc.Metadata();
      const call = client.sayHello(
        { name: 'x' },
        metadata,
        { deadline: Date.now() + 2_000 },
        (error, reply) => (error ? reject(error) : resolve({ reply: reply as never, headers })),
      );
      call.on('metadata', (m) => {
        headers = m;
      });
    });
}

describe('@regionkit/grpc correlation ID and metadata', () => {
  it('sends the correlation ID unchanged, and the attempt number, on every attempt', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    for (const region of [regions.east, regions.west]) {
      region.handlers.SayHello = (_call, callback) =>
        callback(failure(grpc.status.UNAVAILABLE, 'draining'));
    }

    const reply = await runInContext({ correlationId: 'req-7f3a.checkout' }, () =>
      greeter.sayHello({ name: 'a' }),
    );

    expect(reply.region).toBe('eu-west');
    const arrivals = [regions.east, regions.west, regions.eu].map((r) => r.arrivals[0]);
    expect(arrivals.map((a) => a?.correlationId)).toEqual(Array(3).fill('req-7f3a.checkout'));
    expect(arrivals.map((a) => a?.attempt)).toEqual(['1', '2', '3']);
  });

  it('gives a call made outside any context one generated ID, shared by its attempts', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));
    regions.east.handlers.SayHello = (_call, callback) =>
      callback(failure(grpc.status.UNAVAILABLE, 'draining'));

    await greeter.sayHello({ name: 'a' });
    await greeter.sayHello({ name: 'b' });

    const [first] = regions.east.arrivals;
    const [second, third] = regions.west.arrivals;
    expect(validCorrelationId(first?.correlationId)).toBeDefined();
    expect(second?.correlationId).toBe(first?.correlationId);
    expect(third?.correlationId).not.toBe(first?.correlationId);
  });

  it('merges client-level and per-call interceptors, and writes its own metadata last', async () => {
    regions = await startRegions();
    const tag =
      (key: string): grpc.Interceptor =>
      (options, nextCall) =>
        new grpc.InterceptingCall(nextCall(options), {
          start(metadata, listener, next) {
            metadata.set(key, 'yes');
            // A user hook trying to overwrite regionkit's keys loses.
            metadata.set('x-request-id', 'spoofed');
            metadata.set('x-regionkit-attempt', '99');
            next(metadata, listener);
          },
        });
    using greeter = createRegionalGrpcClient(testing.Greeter, {
      ...clientOptions(regions),
      interceptors: [tag('x-client-level')],
    });
    const metadata = new grpc.Metadata();
    metadata.set('x-tenant', 'acme');

    await runInContext({ correlationId: 'req-1' }, () =>
      greeter.sayHello({ name: 'a' }, { metadata, interceptors: [tag('x-per-call')] }),
    );

    expect(regions.east.arrivals[0]?.metadata).toMatchObject({
      'x-client-level': 'yes',
      'x-per-call': 'yes',
      'x-tenant': 'acme',
      'x-request-id': 'req-1',
      'x-regionkit-attempt': '1',
    });
    // The caller's Metadata object is copied per attempt, never written to.
    expect(metadata.getMap()).toEqual({ 'x-tenant': 'acme' });
  });

  it('sends the priority of the call or the ambient context, on unary calls and streams', async () => {
    regions = await startRegions();
    using greeter = createRegionalGrpcClient(testing.Greeter, clientOptions(regions));

    await greeter.sayHello({ name: 'a' }, { priority: 'sheddable' });
    await runInContext({ priority: 'critical' }, () => greeter.sayHello({ name: 'b' }));
    await greeter.sayHello({ name: 'c' });
    const upload = greeter.upload({ priority: 'critical' });
    upload.end();
    await upload.response;

    expect(regions.east.arrivals.map((a) => a.metadata['x-regionkit-priority'])).toEqual([
      'sheddable',
      'critical',
      undefined,
      'critical',
    ]);
  });

  it('stamps plain grpc-js clients too, with regionkitClientInterceptor', async () => {
    regions = await startRegions();
    const client = new testing.Greeter(regions.east.target, grpc.credentials.createInsecure(), {
      interceptors: [regionkitClientInterceptor()],
    });
    cleanups.push(() => client.close());

    await runInContext({ correlationId: 'req-plain' }, async () => {
      await new Promise((resolve, reject) =>
        client.sayHello({ name: 'x' }, (e, r) => (e ? reject(e) : resolve(r))),
      );
    });

    expect(regions.east.arrivals[0]?.correlationId).toBe('req-plain');
    expect(regions.east.arrivals[0]?.attempt).toBeUndefined();
  });
});

describe('@regionkit/grpc server context', () => {
  it("runs the handler in the caller's correlation ID and deadline, and passes both on", async () => {
    regions = await startRegions();
    const frontend = await startFrontend({ interceptors: [regionkitServerInterceptor()] });
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'req-42');

    const { reply, headers } = await plainClient(frontend)(metadata);

    expect(reply.message).toBe('req-42'); // the handler's context
    expect(regions.east.arrivals[0]?.correlationId).toBe('req-42'); // the handler's own call
    expect(headers.get('x-request-id')).toEqual(['req-42']); // echoed to the caller
    // The outbound call inherited the inbound deadline (2 s) instead of the client's 10 s.
    const inbound = frontend.arrivals[0]?.deadline ?? Infinity;
    const outbound = regions.east.arrivals[0]?.deadline ?? Infinity;
    expect(outbound).toBeLessThanOrEqual(inbound + 25);
    expect(outbound).toBeGreaterThan(Date.now() + 1_000);
  });

  it("stops the handler's regional calls when its caller cancels, without failing over", async () => {
    regions = await startRegions();
    const held = Promise.withResolvers<grpc.ServerUnaryCall<unknown, unknown>>();
    regions.east.handlers.CreateOrder = (call) => held.resolve(call); // never answers
    const outcome = Promise.withResolvers<unknown>();
    const { backend, calls, client } = await frontendCallingBackend(
      (backend) => async (_call, callback) => {
        try {
          await backend.createOrder({ item: 'x' });
          callback(null, {});
        } catch (error) {
          outcome.resolve(error);
          callback(error as grpc.ServiceError);
        }
      },
    );
    const inbound = client.sayHello({ name: 'x' }, { deadline: Date.now() + 5_000 }, () => {});
    const east = await held.promise;
    const eastCancelled = once(east, 'cancelled');
    inbound.cancel();

    // A gRPC error the handler can pass on as is, with the reason as its cause.
    const error = (await outcome.promise) as grpc.ServiceError & { cause?: unknown };
    expect(error.code).toBe(grpc.status.CANCELLED);
    expect(error.cause).toMatchObject({ code: 'ERR_REGIONKIT_INBOUND_CANCELLED' });
    expect((error.cause as Error).message).toMatch(/\/regionkit\.testing\.Greeter\/SayHello: /);
    await eastCancelled; // the held attempt was abandoned, not left running
    expect(regions.west.count() + regions.eu.count()).toBe(0);
    expect(calls).toEqual([expect.objectContaining({ stoppedBecause: 'aborted', attempts: 1 })]);
    expect(backend.client.status().regions.map((r) => r.errorRate)).toEqual([0, 0, 0]);
  });

  it("an inbound deadline running out ends the handler's calls by deadline, blaming the hung region", async () => {
    regions = await startRegions();
    regions.east.handlers.CreateOrder = () => {}; // hangs
    const handled: Promise<unknown>[] = [];
    const { backend, calls, client } = await frontendCallingBackend(
      (backend) => (_call, callback) => {
        // Not idempotent: one attempt, given all the time the inbound deadline leaves.
        const done = backend.createOrder({ item: 'x' }).catch(() => {});
        handled.push(done.then(() => callback(null, {})));
      },
    );
    // A ready channel (the frontend's default CreateOrder answers), so calls arrive at once.
    await new Promise((resolve) => client.createOrder({ item: 'warm' }, resolve));
    // The caller cancels at its deadline, about when the context's deadline (read from the
    // request, so a little later) ends the outbound call: the deadline, not the cancel, decides.
    // A race, so several calls.
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) =>
        client.sayHello({ name: 'x' }, { deadline: Date.now() + 500 }, resolve),
      );
      await Promise.all(handled); // the handler's own call has ended too
    }
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((c) => c.stoppedBecause)).toEqual(calls.map(() => 'deadline'));
    const attempts = calls.reduce((sum, c) => sum + c.attempts, 0);
    const east = backend.client.status().regions.find((r) => r.region === 'us-east');
    expect(attempts).toBeGreaterThan(0);
    expect(east).toMatchObject({ requests: attempts, errorRate: 1 });
  });

  it('a handler that answered is not cancelled by the end of its call', async () => {
    regions = await startRegions();
    const frontend = await startFrontend({ interceptors: [regionkitServerInterceptor()] });
    let signal: AbortSignal | undefined;
    const answer = frontend.handlers.SayHello as NonNullable<typeof frontend.handlers.SayHello>;
    frontend.handlers.SayHello = (call, callback) => {
      signal = currentContext()?.signal;
      answer(call, callback);
    };
    await plainClient(frontend)(new grpc.Metadata());
    await new Promise((resolve) => setImmediate(resolve)); // grpc-js's onCancel is on nextTick
    expect(signal?.aborted).toBe(false);
  });

  it('replaces an unsafe correlation ID before the handler, its logs or its calls see it', async () => {
    regions = await startRegions();
    const frontend = await startFrontend({ interceptors: [regionkitServerInterceptor()] });
    const call = plainClient(frontend);

    for (const unsafe of ['two words', '"quoted"', 'x'.repeat(200), '<script>']) {
      const metadata = new grpc.Metadata();
      metadata.set('x-request-id', unsafe);
      const { reply, headers } = await call(metadata);
      const replaced = reply.message;
      expect(replaced).not.toBe(unsafe);
      expect(validCorrelationId(replaced)).toBe(replaced);
      expect(frontend.arrivals.at(-1)?.correlationId).toBe(replaced); // call.metadata rewritten
      expect(regions.east.arrivals.at(-1)?.correlationId).toBe(replaced);
      expect(headers.get('x-request-id')).toEqual([replaced]);
    }
  });

  it('replaces a non-ASCII correlation ID sent by a raw HTTP/2 client', async () => {
    regions = await startRegions();
    const frontend = await startFrontend({ interceptors: [regionkitServerInterceptor()] });
    // grpc-js clients refuse to send non-ASCII metadata, so speak gRPC over node:http2.
    const session = connect(`http://${frontend.target}`);
    cleanups.push(() => session.close());
    const body = testing.Greeter.service.SayHello.requestSerialize({ name: 'x' });
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/regionkit.testing.Greeter/SayHello',
      'content-type': 'application/grpc',
      te: 'trailers',
      'x-request-id': 'r\u00e9sum\u00e9-\u00fc',
    });
    stream.end(frame);
    const headers = await new Promise<Record<string, unknown>>((resolve) =>
      stream.once('response', (received) => resolve(received)),
    );
    const trailers = await new Promise<Record<string, string>>((resolve) =>
      stream.once('trailers', resolve),
    );
    stream.resume();

    expect(trailers['grpc-status']).toBe('0');
    const used = frontend.arrivals[0]?.correlationId;
    expect(validCorrelationId(used)).toBe(used);
    expect(headers['x-request-id']).toBe(used);
    expect(regions.east.arrivals[0]?.correlationId).toBe(used);
  });

  it('mints a fresh ID for every request when inbound IDs are not trusted', async () => {
    regions = await startRegions();
    const frontend = await startFrontend({
      interceptors: [regionkitServerInterceptor({ trustInboundCorrelationId: false })],
    });
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'req-from-outside');

    const { reply } = await plainClient(frontend)(metadata);

    expect(reply.message).not.toBe('req-from-outside');
    expect(validCorrelationId(reply.message)).toBe(reply.message);
    expect(regions.east.arrivals[0]?.correlationId).toBe(reply.message);
  });

  it('carries the priority from the caller, through the handler, to its calls', async () => {
    regions = await startRegions();
    const frontend = await startFrontend({ interceptors: [regionkitServerInterceptor()] });
    const call = plainClient(frontend);

    for (const [sent, expected] of [
      ['sheddable', 'sheddable'],
      ['critical', 'critical'],
      ['urgent!!', undefined],
      [undefined, undefined],
    ] as const) {
      const metadata = new grpc.Metadata();
      if (sent) metadata.set('x-regionkit-priority', sent);
      await call(metadata);
      expect(regions.east.arrivals.at(-1)?.metadata['x-regionkit-priority']).toBe(expected);
    }
  });

  it('an untrusted caller can lower its priority, never raise it (trustInboundPriority: false)', async () => {
    regions = await startRegions();
    const frontend = await startFrontend({
      interceptors: [regionkitServerInterceptor({ trustInboundPriority: false })],
    });
    const call = plainClient(frontend);
    for (const [sent, expected] of [
      ['critical', undefined], // default: not sent
      ['sheddable', 'sheddable'],
    ] as const) {
      const metadata = new grpc.Metadata();
      metadata.set('x-regionkit-priority', sent);
      await call(metadata);
      expect(regions.east.arrivals.at(-1)?.metadata['x-regionkit-priority']).toBe(expected);
    }
  });

  it("withGrpcContext keeps the context in a streaming handler's data and end listeners", async () => {
    regions = await startRegions();
    const seen: Array<string | undefined> = [];
    const frontend = new RegionServer('frontend');
    frontend.handlers.Upload = withGrpcContext(
      (
        call: grpc.ServerReadableStream<unknown, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        call.on('data', () => seen.push(currentContext()?.correlationId));
        call.on('end', () => {
          seen.push(currentContext()?.correlationId);
          callback(null, { count: seen.length, region: 'frontend' });
        });
      },
    );
    await frontend.start({});
    cleanups.push(() => frontend.kill());
    const client = new testing.Greeter(frontend.target, grpc.credentials.createInsecure());
    cleanups.push(() => client.close());
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'req-upload');
    await new Promise((resolve, reject) => {
      const call = client.upload(metadata, (error: unknown, reply: unknown) =>
        error ? reject(error) : resolve(reply),
      );
      call.write({ index: 0, region: 'client' });
      call.write({ index: 1, region: 'client' });
      call.end();
    });
    expect(seen).toEqual(['req-upload', 'req-upload', 'req-upload']);
  });

  it('does the same for a handler wrapped with withGrpcContext (no interceptor)', async () => {
    regions = await startRegions();
    const frontend = await startFrontend({}, true);
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'req-wrapped');

    const { reply } = await plainClient(frontend)(metadata);

    expect(reply.message).toBe('req-wrapped');
    expect(regions.east.arrivals[0]?.correlationId).toBe('req-wrapped');
    const spoofed = new grpc.Metadata();
    spoofed.set('x-request-id', 'not ok');
    const second = await plainClient(frontend)(spoofed);
    expect(validCorrelationId(second.reply.message)).toBe(second.reply.message);
    expect(regions.east.arrivals[1]?.correlationId).toBe(second.reply.message);
  });
});
