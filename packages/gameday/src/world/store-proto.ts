/**
 * The game day's gRPC service definition (proto/store.proto), loaded at run time. The message
 * shapes are repeated here as types because proto-loader's output is untyped.
 */
import { fileURLToPath } from 'node:url';
import {
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export interface GetItemRequest {
  id: string;
}
export interface Item {
  id: string;
  region: string;
}
export interface PlaceOrderRequest {
  writeId: string;
  item: string;
  quantity: number;
}
export interface Order {
  writeId: string;
  region: string;
  replayed: boolean;
}

/** Works from src/world and from a build's dist/world alike. */
const PROTO_PATH = fileURLToPath(new URL('../../proto/store.proto', import.meta.url));

let cached: ServiceClientConstructor | undefined;

/** The Store client constructor (its `.service` is the server's service definition). */
export function storeService(): ServiceClientConstructor {
  if (!cached) {
    const definition = loadSync(PROTO_PATH, { keepCase: false, defaults: true });
    const pkg = loadPackageDefinition(definition) as unknown as {
      gameday: { v1: GrpcObject & { Store: ServiceClientConstructor } };
    };
    cached = pkg.gameday.v1.Store;
  }
  return cached;
}
