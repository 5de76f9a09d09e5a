import { RegionkitError } from '@regionkit/core';

/**
 * An attempt failed and the request was not retried because its body was a stream longer than
 * `maxReplayBodyBytes`, so it could not be sent again. `cause` is the attempt's error.
 */
export class BodyNotReplayableError extends RegionkitError {
  readonly service: string;
  readonly maxReplayBodyBytes: number;

  constructor(service: string, region: string, maxReplayBodyBytes: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'ERR_REGIONKIT_BODY_NOT_REPLAYABLE',
      `${service}: the attempt in ${region} failed (${why}) and was not retried because the ` +
        `request body is a stream longer than maxReplayBodyBytes (${maxReplayBodyBytes} bytes), ` +
        'so it cannot be sent again. Pass the body as a Buffer or string, or raise maxReplayBodyBytes.',
      { cause },
    );
    this.name = 'BodyNotReplayableError';
    this.service = service;
    this.maxReplayBodyBytes = maxReplayBodyBytes;
  }
}

/** A request regionkit cannot route across regions (CONNECT, protocol upgrades). */
export class UnsupportedRequestError extends RegionkitError {
  constructor(service: string, what: string) {
    super(
      'ERR_REGIONKIT_UNSUPPORTED_REQUEST',
      `${service}: ${what} cannot fail over between regions; send it to one region's origin ` +
        'through a plain undici dispatcher instead.',
    );
    this.name = 'UnsupportedRequestError';
  }
}
