export { classifyGrpc, classifyStatus, isServiceError, retryPushback } from './classify.js';
export { createRegionalGrpcClient } from './client.js';
export { type GrpcStopReason, isRegionalGrpcError, RegionalGrpcError } from './errors.js';
export { regionkitClientInterceptor, type TracePropagation } from './interceptor.js';
export { METADATA_KEYS, metadataGetter, metadataSetter } from './metadata.js';
export { GRPC_DEFAULTS, type ServiceClientConstructorLike } from './options.js';
export {
  type InboundContext,
  inboundContext,
  regionkitServerInterceptor,
  runInInboundContext,
  type ServerContextOptions,
  withGrpcContext,
} from './server.js';
export { RegionalServerStream } from './server-stream.js';
export type * from './types.js';
