import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/shop.js';

const PROTO = fileURLToPath(new URL('../protos/shop.proto', import.meta.url));

/** The shop.v1 package, typed by the generated code (`npm run gen:types` after proto edits). */
export type Shop = ProtoGrpcType['shop']['v1'];

export const shop: Shop = (
  grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO, { defaults: true, longs: String }),
  ) as unknown as ProtoGrpcType
).shop.v1;
