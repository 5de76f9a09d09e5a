export { fullJitterDelayMs } from './backoff.js';
export type { CallExchange, CallHandle, Settle, Transport } from './call.js';
export { classifyError, defaultClassifier, errorCode, isNeverSentError } from './classify.js';
export {
  type ClientStatus,
  createRegionalClient,
  type ExecuteOptions,
  RegionalClient,
  type RegionalClientInternals,
  regionalClients,
} from './client.js';
export { DEFAULTS, MAX_DEADLINE_MS, MAX_TIMER_MS } from './config.js';
export {
  CANCEL_GRACE_MS,
  type ContextInit,
  cancelInboundContext,
  createContext,
  currentContext,
  emitInCurrentContext,
  inboundPriority,
  isPriority,
  MAX_CORRELATION_ID_LENGTH,
  newCorrelationId,
  type RegionContext,
  runInContext,
  validCorrelationId,
} from './context.js';
export {
  type AttemptRecord,
  AttemptsFailedError,
  AttemptTimeoutError,
  ClientClosedError,
  ConfigError,
  DeadlineExceededError,
  InboundCancelledError,
  isRegionkitError,
  NoRegionAvailableError,
  RegionkitError,
  type RegionkitErrorCode,
  type StopReason,
} from './errors.js';
export {
  type AttemptEvent,
  type BreakerEvent,
  type BreakerState,
  type BudgetExhaustedEvent,
  type CallEvent,
  CHANNEL_PREFIX,
  type FailoverEvent,
  type HealthEvent,
  type RegionkitEventMap,
  type RegionkitEventName,
  type RetryEvent,
} from './events.js';
export { printable } from './printable.js';
export type { RegionHealthSnapshot } from './region-state.js';
export { estimateRttMs, failoverOrder, greatCircleKm } from './topology.js';
export type * from './types.js';
export { regionWeight, type WeightInputs, type WeightPolicy } from './weight.js';
export { PROTOCOL_HEADER_NAMES, refuseProtocolHeader, WIRE_NAMES } from './wire.js';
