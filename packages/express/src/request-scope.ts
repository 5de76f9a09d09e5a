import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';

/**
 * Makes every listener of `emitters` run in the async context that is current now: regionkit's
 * and OpenTelemetry's alike, as every AsyncLocalStorage is captured.
 *
 * Node runs a listener in the context of whoever emits the event, and the HTTP parser emits a
 * request's 'data' and 'end' from the connection's context, not from the one the middleware
 * runs the request in. Without this, an outbound call made in `req.on('end', ...)` would carry
 * a fresh correlation ID and no priority, deadline or trace parent. (Body parsers built on
 * raw-body rebind their own callbacks; hand-written stream handling and multipart parsers do not.)
 */
export function emitInCurrentContext(...emitters: EventEmitter[]): void {
  const inContext = AsyncLocalStorage.snapshot();
  for (const emitter of emitters) {
    const emit = emitter.emit;
    emitter.emit = function emitInContext(
      this: EventEmitter,
      event: string | symbol,
      ...args: unknown[]
    ): boolean {
      return inContext(() => emit.call(this, event, ...args));
    };
  }
}
