import { inboundPriority, isPriority, type Priority } from '@regionkit/core';
import type { Request } from 'express';
import { isThenable } from './thenable.js';

/**
 * A request's priority from the configured header or function; anything unknown is `default`.
 * An untrusted header can lower a request to `sheddable` but never raise it to `critical`.
 */
export function requestPriority(
  req: Request,
  source: ((req: Request) => Priority | undefined) | string | undefined,
  trustHeader: boolean,
): Priority {
  if (source === undefined) return 'default';
  if (typeof source !== 'function') {
    return inboundPriority(req.headers[source], trustHeader) ?? 'default';
  }
  let value: unknown;
  try {
    value = source(req);
  } catch (error) {
    warnOnce(`threw (${describe(error)})`); // a user hook must never break a request
    return 'default';
  }
  if (isThenable(value)) {
    // Admission cannot wait for it. Its rejection is handled here, never left to crash the
    // process.
    value.then(undefined, () => {});
    warnOnce('returned a promise; it must answer synchronously');
    return 'default';
  }
  return isPriority(value) ? value : 'default';
}

let warned = false;

function warnOnce(what: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    `the regionkit priority function ${what}; such requests get priority "default"`,
    { code: 'REGIONKIT_PRIORITY_HOOK' },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
