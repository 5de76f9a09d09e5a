import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  type AttemptRecord,
  AttemptsFailedError,
  AttemptTimeoutError,
  ClientClosedError,
  DeadlineExceededError,
  NoRegionAvailableError,
  printable,
  type StopReason,
} from '@regionkit/core';
import { isServiceError } from './classify.js';

/** Brand that survives duplicate installs of this package, where `instanceof` would not. */
const kRegionalGrpcError = Symbol.for('regionkit.grpc.error');

/** Why regionkit made no further attempt; `aborted` and `closed` are the caller's doing. */
export type GrpcStopReason = StopReason | 'aborted' | 'closed';

/**
 * A regional call ended without an answer after regionkit tried what it may. It is a grpc-js
 * `ServiceError`: `code`, `details` and `metadata` are those of the last attempt's status
 * (so `err.code === status.UNAVAILABLE` works as with plain grpc-js), and it lists every
 * attempt. `cause` is the last attempt's own error (the grpc-js ServiceError) when there was
 * one, otherwise regionkit's error (no region available, client closed, caller's abort reason).
 *
 * A fatal status (NOT_FOUND, INVALID_ARGUMENT…), on the first attempt or after a failover, is
 * rethrown as the grpc-js ServiceError itself, untouched.
 */
export class RegionalGrpcError extends Error implements ServiceError {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;
  /** `service` from the options. */
  readonly service: string;
  /** Proto name of the method, e.g. `SayHello`. */
  readonly method: string;
  /** Every failed attempt: region, outcome, reason, duration and its error. */
  readonly attempts: readonly AttemptRecord[];
  readonly stoppedBecause: GrpcStopReason | undefined;
  readonly [kRegionalGrpcError] = true;

  constructor(init: {
    code: status;
    details: string;
    metadata: Metadata;
    service: string;
    method: string;
    attempts: readonly AttemptRecord[];
    stoppedBecause: GrpcStopReason | undefined;
    summary: string;
    cause: unknown;
  }) {
    // details come from the server (grpc-message): quoted printable and bounded; raw in .details.
    super(`${init.code} ${status[init.code]}: ${printable(init.details)} (${init.summary})`, {
      cause: init.cause,
    });
    this.name = 'RegionalGrpcError';
    this.code = init.code;
    this.details = init.details;
    this.metadata = init.metadata;
    this.service = init.service;
    this.method = init.method;
    this.attempts = init.attempts;
    this.stoppedBecause = init.stoppedBecause;
  }
}

export function isRegionalGrpcError(value: unknown): value is RegionalGrpcError {
  return typeof value === 'object' && value !== null && kRegionalGrpcError in value;
}

/** What the caller sees when a call ends in an error (see RegionalGrpcError). */
export function toCallError(
  error: unknown,
  service: string,
  method: string,
  signal: AbortSignal | undefined,
): unknown {
  const where = { service, method };
  if (signal?.aborted) {
    return new RegionalGrpcError({
      ...where,
      code: status.CANCELLED,
      details: 'Cancelled by the caller',
      metadata: new Metadata(),
      attempts: attemptsOf(error),
      stoppedBecause: 'aborted',
      summary: `${service}/${method}: the caller's AbortSignal fired`,
      cause: signal.reason,
    });
  }
  if (error instanceof AttemptsFailedError || error instanceof DeadlineExceededError) {
    const last = error.cause;
    const stoppedBecause =
      error instanceof AttemptsFailedError ? error.stoppedBecause : ('deadline' as const);
    const fallbackCode =
      error instanceof DeadlineExceededError || last instanceof AttemptTimeoutError
        ? status.DEADLINE_EXCEEDED
        : status.UNAVAILABLE;
    return new RegionalGrpcError({
      ...where,
      code: isServiceError(last) ? last.code : fallbackCode,
      details: isServiceError(last) ? last.details : describe(last, fallbackCode),
      metadata: isServiceError(last) ? last.metadata : new Metadata(),
      attempts: error.attempts,
      stoppedBecause,
      summary: error.message,
      cause: last ?? error,
    });
  }
  if (error instanceof NoRegionAvailableError || error instanceof ClientClosedError) {
    return new RegionalGrpcError({
      ...where,
      code: status.UNAVAILABLE,
      details: error.message,
      metadata: new Metadata(),
      attempts: [],
      stoppedBecause: error instanceof ClientClosedError ? 'closed' : 'no-region-left',
      summary: 'nothing was sent',
      cause: error,
    });
  }
  return error;
}

function attemptsOf(error: unknown): readonly AttemptRecord[] {
  return error instanceof AttemptsFailedError || error instanceof DeadlineExceededError
    ? error.attempts
    : [];
}

function describe(error: unknown, code: status): string {
  if (error instanceof Error) return error.message;
  return code === status.DEADLINE_EXCEEDED ? 'Deadline exceeded' : 'Unavailable';
}
