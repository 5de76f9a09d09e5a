import type { Protocol } from './scenario.js';

/** Protocols the harness can drive load over: HTTP (@regionkit/fetch) and gRPC (@regionkit/grpc). */
export const SUPPORTED_PROTOCOLS: readonly Protocol[] = ['http', 'grpc', 'mixed'];

/** Shown if a protocol is listed in scenarios but its adapter is missing from this build. */
export const UNSUPPORTED_PROTOCOL_WHY = 'its adapter is not available in this build; use "http"';
