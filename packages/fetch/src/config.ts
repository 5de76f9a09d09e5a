import { ConfigError, refuseProtocolHeader } from '@regionkit/core';
import { HTTP_DEFAULTS, IDEMPOTENCY_KEY_HEADER, REGIONKIT_HEADERS } from './defaults.js';
import type { RegionalHttpOptions } from './types.js';

export interface ResolvedHttpConfig {
  readonly service: string;
  /** Region name → normalised origin (`http://127.0.0.1:4001`). */
  readonly originOf: ReadonlyMap<string, string>;
  /** Every origin that names this service: the logical one and each region's. */
  readonly ownOrigins: ReadonlySet<string>;
  readonly logicalOrigin: string;
  readonly correlationHeader: string;
  readonly autoIdempotencyKeys: boolean;
  readonly maxReplayBodyBytes: number;
  readonly tracePropagation: 'auto' | 'always' | 'off';
}

// RFC 9110 token characters; header names must be tokens.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Validates the HTTP part of the options once; core validates the rest. */
export function resolveHttpConfig(options: RegionalHttpOptions): ResolvedHttpConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(
      'options',
      'is missing',
      'Pass { service, localRegion, regions: [{ name, origin }] }.',
    );
  }
  const originOf = new Map<string, string>();
  const ownOrigins = new Set<string>();
  if (Array.isArray(options.regions)) {
    options.regions.forEach((region, i) => {
      const origin = parseOrigin(region?.origin, `regions[${i}].origin`);
      if (ownOrigins.has(origin)) {
        throw new ConfigError(
          `regions[${i}].origin`,
          `repeats ${origin}`,
          'Give every region its own origin, so a request can be routed back to one region.',
        );
      }
      originOf.set(region.name, origin);
      ownOrigins.add(origin);
    });
  }
  const logicalOrigin =
    options.logicalOrigin === undefined
      ? defaultLogicalOrigin(options.service)
      : parseOrigin(options.logicalOrigin, 'logicalOrigin');
  ownOrigins.add(logicalOrigin);

  const correlationHeader = options.correlationHeader ?? HTTP_DEFAULTS.correlationHeader;
  if (typeof correlationHeader !== 'string' || !TOKEN.test(correlationHeader)) {
    throw new ConfigError(
      'correlationHeader',
      `is ${JSON.stringify(correlationHeader)}, not a valid header name`,
      'Use a header name such as "x-request-id" (letters, digits and -).',
    );
  }
  const lowerCorrelation = correlationHeader.toLowerCase();
  refuseProtocolHeader(lowerCorrelation, 'correlationHeader');
  if (
    lowerCorrelation === IDEMPOTENCY_KEY_HEADER ||
    (Object.values(REGIONKIT_HEADERS) as string[]).includes(lowerCorrelation)
  ) {
    throw new ConfigError(
      'correlationHeader',
      `is "${correlationHeader}", a header regionkit already uses for something else`,
      'Pick another name, e.g. "x-request-id" or "x-correlation-id".',
    );
  }

  const idempotencyKeys = options.idempotencyKeys ?? HTTP_DEFAULTS.idempotencyKeys;
  if (idempotencyKeys !== 'auto' && idempotencyKeys !== 'off') {
    throw new ConfigError(
      'idempotencyKeys',
      `is ${JSON.stringify(idempotencyKeys)}`,
      'Use "auto" (add a key to POST/PATCH requests without one) or "off".',
    );
  }
  const maxReplayBodyBytes = options.maxReplayBodyBytes ?? HTTP_DEFAULTS.maxReplayBodyBytes;
  if (
    typeof maxReplayBodyBytes !== 'number' ||
    !Number.isInteger(maxReplayBodyBytes) ||
    maxReplayBodyBytes < 0
  ) {
    throw new ConfigError(
      'maxReplayBodyBytes',
      `is ${JSON.stringify(maxReplayBodyBytes)}`,
      'Use a whole number of bytes >= 0 (0 never buffers a stream body, so it is never retried).',
    );
  }
  const tracePropagation = options.tracePropagation ?? HTTP_DEFAULTS.tracePropagation;
  if (!['auto', 'always', 'off'].includes(tracePropagation)) {
    throw new ConfigError(
      'tracePropagation',
      `is ${JSON.stringify(tracePropagation)}`,
      'Use "auto", "always" or "off".',
    );
  }
  return {
    service: options.service,
    originOf,
    ownOrigins,
    logicalOrigin,
    correlationHeader: lowerCorrelation,
    autoIdempotencyKeys: idempotencyKeys === 'auto',
    maxReplayBodyBytes,
    tracePropagation,
  };
}

/** `http(s)://host[:port]` in its normal form, or a ConfigError naming `field`. */
function parseOrigin(value: unknown, field: string): string {
  const fix =
    'Use the origin only, e.g. "https://orders.us-east.example.com" or "http://127.0.0.1:4001".';
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ConfigError(field, `is ${JSON.stringify(value)}, not a URL`, fix);
  }
  if (typeof value !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(field, `is ${JSON.stringify(value)}, not an http(s) origin`, fix);
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new ConfigError(
      field,
      `is "${value}", which has credentials, a path, a query or a fragment`,
      `${fix} Paths belong in each request.`,
    );
  }
  return url.origin;
}

function defaultLogicalOrigin(service: unknown): string {
  const host = `${String(service).toLowerCase()}.regional`;
  let url: URL | undefined;
  try {
    url = new URL(`http://${host}`);
  } catch {
    url = undefined;
  }
  if (typeof service !== 'string' || url?.hostname !== host) {
    throw new ConfigError(
      'logicalOrigin',
      `cannot be derived from service ${JSON.stringify(service)}`,
      'Set logicalOrigin, e.g. "http://orders.regional", or use a service name that is a valid host name.',
    );
  }
  return url.origin;
}
