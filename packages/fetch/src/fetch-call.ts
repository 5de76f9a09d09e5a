import { AsyncLocalStorage } from 'node:async_hooks';
import type { RegionalRequestOptions } from './types.js';

/**
 * What the fetch function knows about one call and its dispatcher cannot see: undici's `fetch`
 * passes neither `init.regionkit` nor the body as it was given (it streams every body) to the
 * dispatcher, so both travel beside the call, in async context, to that dispatcher only.
 */
export interface FetchCall {
  /** The core client of the fetch function: other clients' requests ignore these facts. */
  readonly client: object;
  /** `init.regionkit`, validated. */
  readonly options: RegionalRequestOptions | undefined;
  /**
   * The caller gave the body whole, in memory (a string, bytes, URLSearchParams): undici's
   * fetch streams it, but it may be buffered whatever its size, and so be resent.
   */
  readonly bodyInMemory: boolean;
}

const fetchCalls = new AsyncLocalStorage<FetchCall>();

export function runFetchCall<R>(call: FetchCall, fn: () => R): R {
  return fetchCalls.run(call, fn);
}

/** The fetch call `client`'s dispatcher is dispatching for now, if any. */
export function fetchCallOf(client: object): FetchCall | undefined {
  const call = fetchCalls.getStore();
  return call?.client === client ? call : undefined;
}

/**
 * A body fetch was given whole: strings, ArrayBuffers and views, URLSearchParams. Not Blob or
 * FormData: a Blob may be backed by a file (`fs.openAsBlob`) of any size.
 */
export function isInMemoryBody(body: unknown): boolean {
  return (
    typeof body === 'string' ||
    ArrayBuffer.isView(body) ||
    body instanceof ArrayBuffer ||
    body instanceof URLSearchParams
  );
}
