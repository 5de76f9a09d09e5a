export { EXPRESS_DEFAULTS } from './defaults.js';
export type { HealthReport, StatusReport } from './endpoints.js';
export { type InboundDeadline, readInboundDeadline } from './inbound-deadline.js';
export type { LoadSnapshot } from './load-shedder.js';
export { type RegionkitMiddleware, regionkit } from './middleware.js';
export type {
  ReadinessCheck,
  RegionkitMiddlewareOptions,
  RequestRegionInfo,
  SheddingOptions,
} from './types.js';
