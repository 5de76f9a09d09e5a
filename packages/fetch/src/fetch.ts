import { currentContext, type RegionalClient, runInContext } from '@regionkit/core';
import { Request, type RequestInit, type Response, fetch as undiciFetch } from 'undici';
import type { ResponseHead } from './classify.js';
import { HTTP_DEFAULTS } from './defaults.js';
import { RegionalDispatcher } from './dispatcher.js';
import { readCallerHeaders } from './request-headers.js';
import { readRequestOptions } from './request-options.js';
import type { RegionalFetchOptions } from './types.js';

export interface RegionalFetchInit extends RequestInit {
  /** Per-call deadline and priority; they apply to this call and every call it makes. */
  readonly regionkit?: {
    readonly deadlineMs?: number;
    readonly priority?: 'critical' | 'default' | 'sheddable';
  };
}

export interface RegionalFetch {
  /**
   * undici `fetch` against the service: `input` is a path (`/orders/42`, resolved against the
   * chosen region's origin) or a URL on the logical origin or a region's origin.
   */
  (input: string | URL | Request | globalThis.Request, init?: RegionalFetchInit): Promise<Response>;
  /** The core client: `status()`, `on(...)`, `close()`. */
  readonly client: RegionalClient<ResponseHead>;
  /** The dispatcher every call goes through, usable with any undici API. */
  readonly dispatcher: RegionalDispatcher;
  readonly logicalOrigin: string;
  /** Closes the core client and the dispatcher it owns. */
  close(): Promise<void>;
}

/** A fetch-compatible function for one logical, multi-region service. */
export function createRegionalFetch(options: RegionalFetchOptions): RegionalFetch {
  const dispatcher = new RegionalDispatcher(options);
  const { logicalOrigin } = dispatcher;
  const ownOrigins = new Set([
    logicalOrigin,
    ...options.regions.map((region) => new URL(region.origin).origin),
  ]);
  const service = options.service;
  // Validated by the dispatcher above.
  const correlationHeader = (
    options.correlationHeader ?? HTTP_DEFAULTS.correlationHeader
  ).toLowerCase();

  const regionalFetch = (
    input: string | URL | Request | globalThis.Request,
    init?: RegionalFetchInit,
  ) => {
    let target: string | URL | Request;
    try {
      target = resolveTarget(input, logicalOrigin, ownOrigins, service);
    } catch (error) {
      return Promise.reject(error);
    }
    const perCall = init?.regionkit;
    if (perCall === undefined) return undiciFetch(target, { ...init, dispatcher });
    return withCallOptions(perCall, callerCorrelationId(target, init, correlationHeader), () =>
      undiciFetch(target, { ...init, dispatcher }),
    );
  };
  return Object.assign(regionalFetch, {
    client: dispatcher.client,
    dispatcher,
    logicalOrigin,
    close: () => dispatcher.close(),
  });
}

function resolveTarget(
  input: string | URL | Request | globalThis.Request,
  logicalOrigin: string,
  ownOrigins: ReadonlySet<string>,
  service: string,
): string | URL | Request {
  let url: URL;
  if (typeof input === 'string') {
    try {
      url = new URL(input, logicalOrigin);
    } catch {
      throw new TypeError(`${service} fetch: ${JSON.stringify(input)} is not a path or URL`);
    }
  } else if (input instanceof URL) {
    url = input;
  } else {
    url = new URL(input.url);
  }
  // Also stops "//other.host/path", which a URL parser resolves to another origin.
  if (!ownOrigins.has(url.origin)) {
    throw new TypeError(
      `${service} fetch: ${url.origin} is not an origin of ${service}; pass a path such as ` +
        `"/orders/42", or a URL on ${logicalOrigin} or one of the region origins`,
    );
  }
  if (typeof input === 'string') return url;
  return input instanceof URL || input instanceof Request ? input : asUndiciRequest(input);
}

/**
 * The global `Request` comes from the undici bundled in Node, a different class from the
 * undici this package uses, whose `fetch` would take it for a string ("[object Request]").
 * Rebuilt field by field; a body stream is handed over, not read.
 */
function asUndiciRequest(request: globalThis.Request): Request {
  return new Request(request.url, {
    method: request.method,
    headers: [...request.headers],
    body: request.body,
    duplex: 'half',
    signal: request.signal,
    redirect: request.redirect,
    keepalive: request.keepalive,
    integrity: request.integrity,
  });
}

/**
 * The correlation ID header the caller set on this request (`init.headers` replace a Request's
 * own, as in fetch), unvalidated: the context it seeds validates it.
 */
function callerCorrelationId(
  target: string | URL | Request,
  init: RegionalFetchInit | undefined,
  lowerCaseHeader: string,
): string | undefined {
  const own = typeof target === 'string' || target instanceof URL ? undefined : target.headers;
  return readCallerHeaders(init?.headers ?? own, lowerCaseHeader).correlationId;
}

/**
 * Per-call options travel in a derived core context, the only channel fetch leaves open. Outside
 * any context, the caller's own correlation ID (`seedId`) starts it, as it would without options.
 */
function withCallOptions<R>(
  perCall: unknown,
  seedId: string | undefined,
  fn: () => Promise<R>,
): Promise<R> {
  let options: ReturnType<typeof readRequestOptions>;
  try {
    options = readRequestOptions(perCall);
  } catch (error) {
    return Promise.reject(error);
  }
  const ambient = currentContext();
  const ownDeadline =
    options?.deadlineMs === undefined ? undefined : Date.now() + options.deadlineMs;
  const deadline =
    ambient?.deadline === undefined
      ? ownDeadline
      : ownDeadline === undefined
        ? ambient.deadline
        : Math.min(ambient.deadline, ownDeadline);
  return runInContext(
    {
      correlationId: ambient ? ambient.correlationId : seedId,
      priority: options?.priority ?? ambient?.priority,
      deadline,
      signal: ambient?.signal, // the inbound request going away still stops this call
    },
    fn,
  );
}
