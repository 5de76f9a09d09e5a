/**
 * Every error regionkit raises extends `RegionkitError` and carries a stable `code`.
 * Match on `code` (or the `isRegionkitError` guard), never on the message: messages are for
 * people and may improve between versions.
 */

/** Brand that survives duplicate installs of this package, where `instanceof` would not. */
const kRegionkitError = Symbol.for('regionkit.error');

export type RegionkitErrorCode =
  | 'ERR_REGIONKIT_CONFIG'
  | 'ERR_REGIONKIT_ATTEMPTS_FAILED'
  | 'ERR_REGIONKIT_DEADLINE'
  | 'ERR_REGIONKIT_NO_REGION'
  | 'ERR_REGIONKIT_ATTEMPT_TIMEOUT'
  | 'ERR_REGIONKIT_CLOSED'
  | 'ERR_REGIONKIT_INBOUND_CANCELLED'
  // Raised by the HTTP adapter (@regionkit/fetch).
  | 'ERR_REGIONKIT_BODY_NOT_REPLAYABLE'
  | 'ERR_REGIONKIT_UNSUPPORTED_REQUEST';

export class RegionkitError extends Error {
  readonly code: RegionkitErrorCode;
  readonly [kRegionkitError] = true;

  constructor(code: RegionkitErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegionkitError';
    this.code = code;
  }
}

export function isRegionkitError(value: unknown): value is RegionkitError {
  return typeof value === 'object' && value !== null && kRegionkitError in value;
}

/** Invalid configuration. Raised at construction, never per call. */
export class ConfigError extends RegionkitError {
  /** Dotted path of the offending option, e.g. `regions[1].rttMs`. */
  readonly field: string;

  constructor(field: string, problem: string, fix: string) {
    super('ERR_REGIONKIT_CONFIG', `regionkit config: \`${field}\` ${problem}. ${fix}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** How one attempt of a logical call ended; listed on the errors that end a call. */
export interface AttemptRecord {
  /** 1-based attempt number; attempt 1 is the first try. */
  readonly attempt: number;
  readonly region: string;
  /**
   * `success`, `fatal`, `retriable`, `rejected` (the region's breaker refused it unsent) or
   * `aborted` (the caller gave up while it was in flight).
   */
  readonly outcome: 'success' | 'fatal' | 'retriable' | 'rejected' | 'aborted';
  /** Low-cardinality reason, e.g. `connect-refused`, `status-503`, `timeout`. */
  readonly reason: string;
  readonly durationMs: number;
  readonly error?: unknown;
}

function describeAttempts(attempts: readonly AttemptRecord[]): string {
  return attempts.map((a) => `#${a.attempt} ${a.region}: ${a.reason}`).join('; ');
}

/**
 * The call failed after the attempts listed in `attempts`; `cause` is the last attempt's error.
 * `stoppedBecause` says why no further attempt was made.
 */
export class AttemptsFailedError extends RegionkitError {
  readonly service: string;
  readonly attempts: readonly AttemptRecord[];
  readonly stoppedBecause: StopReason;

  constructor(
    service: string,
    attempts: readonly AttemptRecord[],
    stoppedBecause: StopReason,
    cause: unknown,
  ) {
    super(
      'ERR_REGIONKIT_ATTEMPTS_FAILED',
      `${service}: call failed after ${attempts.length} attempt(s) (${describeAttempts(attempts)}); ` +
        `not retried because ${STOP_EXPLANATIONS[stoppedBecause]}`,
      { cause },
    );
    this.name = 'AttemptsFailedError';
    this.service = service;
    this.attempts = attempts;
    this.stoppedBecause = stoppedBecause;
  }
}

export type StopReason =
  | 'max-attempts'
  | 'not-idempotent'
  | 'budget-exhausted'
  | 'deadline'
  | 'no-region-left';

const STOP_EXPLANATIONS: Record<StopReason, string> = {
  'max-attempts': 'maxAttempts was reached',
  'not-idempotent':
    'the request is not idempotent and may have reached the server; give it an idempotency key to make it safe to resend',
  'budget-exhausted':
    'the retry budget is exhausted (too many retries across this client recently; this protects the servers from a retry storm)',
  deadline: 'the deadline would pass before another attempt could finish',
  'no-region-left': 'every region is excluded or its breaker is open',
};

/** The call's overall deadline passed. */
export class DeadlineExceededError extends RegionkitError {
  readonly service: string;
  readonly attempts: readonly AttemptRecord[];

  constructor(
    service: string,
    deadlineMs: number,
    attempts: readonly AttemptRecord[],
    cause?: unknown,
  ) {
    super(
      'ERR_REGIONKIT_DEADLINE',
      `${service}: deadline of ${deadlineMs} ms exceeded after ${attempts.length} attempt(s)` +
        (attempts.length ? ` (${describeAttempts(attempts)})` : ''),
      { cause },
    );
    this.name = 'DeadlineExceededError';
    this.service = service;
    this.attempts = attempts;
  }
}

/** No region could take the call: all excluded, or every breaker open. Nothing was sent. */
export class NoRegionAvailableError extends RegionkitError {
  readonly service: string;

  constructor(service: string, detail: string) {
    super('ERR_REGIONKIT_NO_REGION', `${service}: no region can take this call (${detail})`);
    this.name = 'NoRegionAvailableError';
    this.service = service;
  }
}

/** One attempt ran past its share of the deadline; the next attempt may still succeed. */
export class AttemptTimeoutError extends RegionkitError {
  /** The timeout fired late because this process stalled; the region is not blamed. */
  clientStalled = false;

  constructor(region: string, timeoutMs: number) {
    super('ERR_REGIONKIT_ATTEMPT_TIMEOUT', `attempt in ${region} timed out after ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

export class ClientClosedError extends RegionkitError {
  constructor(service: string) {
    super('ERR_REGIONKIT_CLOSED', `${service}: the regional client was closed; create a new one`);
    this.name = 'ClientClosedError';
  }
}

/**
 * The abort reason inbound adapters give a request's context when its client goes away before
 * the answer: outbound calls made for that request end with this error instead of running on.
 */
export class InboundCancelledError extends RegionkitError {
  constructor(detail: string) {
    super('ERR_REGIONKIT_INBOUND_CANCELLED', `${detail}; outbound calls made for it were stopped`);
    this.name = 'InboundCancelledError';
  }
}
