// Original file: protos/shop.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  GetProductRequest as _shop_v1_GetProductRequest,
  GetProductRequest__Output as _shop_v1_GetProductRequest__Output,
} from '../../shop/v1/GetProductRequest.js';
import type {
  Product as _shop_v1_Product,
  Product__Output as _shop_v1_Product__Output,
} from '../../shop/v1/Product.js';

export interface CatalogClient extends grpc.Client {
  GetProduct(
    argument: _shop_v1_GetProductRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
  GetProduct(
    argument: _shop_v1_GetProductRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
  GetProduct(
    argument: _shop_v1_GetProductRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
  GetProduct(
    argument: _shop_v1_GetProductRequest,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
  getProduct(
    argument: _shop_v1_GetProductRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
  getProduct(
    argument: _shop_v1_GetProductRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
  getProduct(
    argument: _shop_v1_GetProductRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
  getProduct(
    argument: _shop_v1_GetProductRequest,
    callback: grpc.requestCallback<_shop_v1_Product__Output>,
  ): grpc.ClientUnaryCall;
}

export interface CatalogHandlers extends grpc.UntypedServiceImplementation {
  GetProduct: grpc.handleUnaryCall<_shop_v1_GetProductRequest__Output, _shop_v1_Product>;
}

export interface CatalogDefinition extends grpc.ServiceDefinition {
  GetProduct: MethodDefinition<
    _shop_v1_GetProductRequest,
    _shop_v1_Product,
    _shop_v1_GetProductRequest__Output,
    _shop_v1_Product__Output
  >;
}
