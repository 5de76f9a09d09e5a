import type { RegionalClient } from '@regionkit/core';
import { Request, type RequestInit, type Response, fetch as undiciFetch } from 'undici';
import type { ResponseHead } from './classify.js';
import { RegionalDispatcher } from './dispatcher.js';
import { isInMemoryBody, runFetchCall } from './fetch-call.js';
import { readRequestOptions } from './request-options.js';
import type { RegionalFetchOptions, RegionalRequestOptions } from './types.js';

export interface RegionalFetchInit extends RequestInit {
  /** Per-call options, as `request()` takes them: deadline, priority, excluded regions, idempotent. */
  readonly regionkit?: RegionalRequestOptions;
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
  const dispatcher = new RegionalDispatcher(options, { viaFetch: true });
  const { logicalOrigin } = dispatcher;
  const ownOrigins = new Set([
    logicalOrigin,
    ...options.regions.map((region) => new URL(region.origin).origin),
  ]);
  const service = options.service;

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
    // Read here, not by the dispatcher: undici's fetch passes on neither (see fetch-call.ts).
    let perCall: RegionalRequestOptions | undefined;
    try {
      perCall = readRequestOptions(init?.regionkit);
    } catch (error) {
      return Promise.reject(error);
    }
    const bodyInMemory = isInMemoryBody(init?.body);
    if (perCall === undefined && !bodyInMemory) return undiciFetch(target, { ...init, dispatcher });
    return runFetchCall({ client: dispatcher.client, options: perCall, bodyInMemory }, () =>
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
