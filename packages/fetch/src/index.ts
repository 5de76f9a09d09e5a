export { classifyHttp, classifyHttpError, type ResponseHead } from './classify.js';
export { HTTP_DEFAULTS, IDEMPOTENCY_KEY_HEADER, REGIONKIT_HEADERS } from './defaults.js';
export { RegionalDispatcher, regionalDispatcher } from './dispatcher.js';
export { BodyNotReplayableError, UnsupportedRequestError } from './errors.js';
export { createRegionalFetch, type RegionalFetch, type RegionalFetchInit } from './fetch.js';
export { isIdempotentMethod } from './idempotency.js';
export { type RegionalInterceptor, regionalInterceptor } from './interceptor.js';
export { parseRetryAfterMs } from './retry-after.js';
export type {
  RegionalDispatcherOptions,
  RegionalFetchOptions,
  RegionalHttpOptions,
  RegionalRequestOptions,
  RegionOrigin,
} from './types.js';
