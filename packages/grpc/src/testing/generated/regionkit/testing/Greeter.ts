// Original file: protos/greeter.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  HelloReply as _regionkit_testing_HelloReply,
  HelloReply__Output as _regionkit_testing_HelloReply__Output,
} from '../../regionkit/testing/HelloReply.js';
import type {
  HelloRequest as _regionkit_testing_HelloRequest,
  HelloRequest__Output as _regionkit_testing_HelloRequest__Output,
} from '../../regionkit/testing/HelloRequest.js';
import type {
  ListRequest as _regionkit_testing_ListRequest,
  ListRequest__Output as _regionkit_testing_ListRequest__Output,
} from '../../regionkit/testing/ListRequest.js';
import type {
  OrderReply as _regionkit_testing_OrderReply,
  OrderReply__Output as _regionkit_testing_OrderReply__Output,
} from '../../regionkit/testing/OrderReply.js';
import type {
  OrderRequest as _regionkit_testing_OrderRequest,
  OrderRequest__Output as _regionkit_testing_OrderRequest__Output,
} from '../../regionkit/testing/OrderRequest.js';
import type {
  Thing as _regionkit_testing_Thing,
  Thing__Output as _regionkit_testing_Thing__Output,
} from '../../regionkit/testing/Thing.js';
import type {
  UploadSummary as _regionkit_testing_UploadSummary,
  UploadSummary__Output as _regionkit_testing_UploadSummary__Output,
} from '../../regionkit/testing/UploadSummary.js';

export interface GreeterClient extends grpc.Client {
  Chat(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_regionkit_testing_Thing, _regionkit_testing_Thing__Output>;
  Chat(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_regionkit_testing_Thing, _regionkit_testing_Thing__Output>;
  chat(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_regionkit_testing_Thing, _regionkit_testing_Thing__Output>;
  chat(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_regionkit_testing_Thing, _regionkit_testing_Thing__Output>;

  CreateOrder(
    argument: _regionkit_testing_OrderRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;
  CreateOrder(
    argument: _regionkit_testing_OrderRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;
  CreateOrder(
    argument: _regionkit_testing_OrderRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;
  CreateOrder(
    argument: _regionkit_testing_OrderRequest,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;
  createOrder(
    argument: _regionkit_testing_OrderRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;
  createOrder(
    argument: _regionkit_testing_OrderRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;
  createOrder(
    argument: _regionkit_testing_OrderRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;
  createOrder(
    argument: _regionkit_testing_OrderRequest,
    callback: grpc.requestCallback<_regionkit_testing_OrderReply__Output>,
  ): grpc.ClientUnaryCall;

  ListThings(
    argument: _regionkit_testing_ListRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_regionkit_testing_Thing__Output>;
  ListThings(
    argument: _regionkit_testing_ListRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_regionkit_testing_Thing__Output>;
  listThings(
    argument: _regionkit_testing_ListRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_regionkit_testing_Thing__Output>;
  listThings(
    argument: _regionkit_testing_ListRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_regionkit_testing_Thing__Output>;

  SayHello(
    argument: _regionkit_testing_HelloRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;
  SayHello(
    argument: _regionkit_testing_HelloRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;
  SayHello(
    argument: _regionkit_testing_HelloRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;
  SayHello(
    argument: _regionkit_testing_HelloRequest,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;
  sayHello(
    argument: _regionkit_testing_HelloRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;
  sayHello(
    argument: _regionkit_testing_HelloRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;
  sayHello(
    argument: _regionkit_testing_HelloRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;
  sayHello(
    argument: _regionkit_testing_HelloRequest,
    callback: grpc.requestCallback<_regionkit_testing_HelloReply__Output>,
  ): grpc.ClientUnaryCall;

  Upload(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
  Upload(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
  Upload(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
  Upload(
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
  upload(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
  upload(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
  upload(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
  upload(
    callback: grpc.requestCallback<_regionkit_testing_UploadSummary__Output>,
  ): grpc.ClientWritableStream<_regionkit_testing_Thing>;
}

export interface GreeterHandlers extends grpc.UntypedServiceImplementation {
  Chat: grpc.handleBidiStreamingCall<_regionkit_testing_Thing__Output, _regionkit_testing_Thing>;

  CreateOrder: grpc.handleUnaryCall<
    _regionkit_testing_OrderRequest__Output,
    _regionkit_testing_OrderReply
  >;

  ListThings: grpc.handleServerStreamingCall<
    _regionkit_testing_ListRequest__Output,
    _regionkit_testing_Thing
  >;

  SayHello: grpc.handleUnaryCall<
    _regionkit_testing_HelloRequest__Output,
    _regionkit_testing_HelloReply
  >;

  Upload: grpc.handleClientStreamingCall<
    _regionkit_testing_Thing__Output,
    _regionkit_testing_UploadSummary
  >;
}

export interface GreeterDefinition extends grpc.ServiceDefinition {
  Chat: MethodDefinition<
    _regionkit_testing_Thing,
    _regionkit_testing_Thing,
    _regionkit_testing_Thing__Output,
    _regionkit_testing_Thing__Output
  >;
  CreateOrder: MethodDefinition<
    _regionkit_testing_OrderRequest,
    _regionkit_testing_OrderReply,
    _regionkit_testing_OrderRequest__Output,
    _regionkit_testing_OrderReply__Output
  >;
  ListThings: MethodDefinition<
    _regionkit_testing_ListRequest,
    _regionkit_testing_Thing,
    _regionkit_testing_ListRequest__Output,
    _regionkit_testing_Thing__Output
  >;
  SayHello: MethodDefinition<
    _regionkit_testing_HelloRequest,
    _regionkit_testing_HelloReply,
    _regionkit_testing_HelloRequest__Output,
    _regionkit_testing_HelloReply__Output
  >;
  Upload: MethodDefinition<
    _regionkit_testing_Thing,
    _regionkit_testing_UploadSummary,
    _regionkit_testing_Thing__Output,
    _regionkit_testing_UploadSummary__Output
  >;
}
