import type { Protocol } from './scenario.js';

/** Protocols the harness can drive load over today. */
export const SUPPORTED_PROTOCOLS: readonly Protocol[] = ['http'];

export const UNSUPPORTED_PROTOCOL_WHY =
  'gRPC adapter not available yet (@regionkit/grpc does not export createRegionalGrpcClient); use "http"';
