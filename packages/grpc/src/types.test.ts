import type * as grpc from '@grpc/grpc-js';
import { describe, expectTypeOf, it } from 'vitest';
import { createRegionalGrpcClient } from './client.js';
import type { RegionalServerStream } from './server-stream.js';
import type { ProtoGrpcType } from './testing/generated/greeter.js';
import type { HelloReply__Output } from './testing/generated/regionkit/testing/HelloReply.js';
import type { HelloRequest } from './testing/generated/regionkit/testing/HelloRequest.js';
import type { Thing, Thing__Output } from './testing/generated/regionkit/testing/Thing.js';
import type { UploadSummary__Output } from './testing/generated/regionkit/testing/UploadSummary.js';
import type { RegionalClientStream, RegionalDuplexStream, UntypedRegionalMethod } from './types.js';

declare const typed: ProtoGrpcType['regionkit']['testing']['Greeter'];
declare const untyped: grpc.ServiceClientConstructor;

// Type-level tests: `tsc` (pnpm typecheck) is what checks them; vitest only runs the shell.
describe('RegionalGrpcClient types', () => {
  it('infers every call type from proto-loader-gen-types output', () => {
    const build = () => createRegionalGrpcClient(typed, {} as never);
    type Greeter = ReturnType<typeof build>;
    expectTypeOf<Greeter['sayHello']>().parameter(0).toEqualTypeOf<HelloRequest>();
    expectTypeOf<Greeter['sayHello']>().returns.toEqualTypeOf<Promise<HelloReply__Output>>();
    expectTypeOf<Greeter['SayHello']>().toEqualTypeOf<Greeter['sayHello']>();
    expectTypeOf<Greeter['listThings']>().returns.toEqualTypeOf<
      RegionalServerStream<Thing__Output>
    >();
    expectTypeOf<Greeter['upload']>().returns.toEqualTypeOf<
      RegionalClientStream<Thing, UploadSummary__Output>
    >();
    expectTypeOf<Greeter['chat']>().returns.toEqualTypeOf<
      RegionalDuplexStream<Thing, Thing__Output>
    >();
    expectTypeOf<Greeter>().not.toHaveProperty('makeUnaryRequest');
    expectTypeOf<Greeter['close']>().toEqualTypeOf<() => void>();
  });

  it('falls back to untyped methods for loadPackageDefinition output', () => {
    const build = () => createRegionalGrpcClient(untyped, {} as never);
    type Greeter = ReturnType<typeof build>;
    expectTypeOf<Greeter['anything']>().toEqualTypeOf<UntypedRegionalMethod>();
  });
});
