import type { Metadata } from '@grpc/grpc-js';
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { WIRE_NAMES } from '@regionkit/core';

/** Metadata keys regionkit reads and writes. gRPC metadata keys are lower case. */
export const METADATA_KEYS = {
  /**
   * Correlation ID of the logical request; validated on the way in, replaced when unsafe.
   * The same name @regionkit/fetch and @regionkit/express use by default.
   */
  correlationId: WIRE_NAMES.correlationId,
  /** `critical` or `sheddable`; absent means `default` (as on the HTTP path). */
  priority: WIRE_NAMES.priority,
  /** 1-based number of the attempt that carries it, so servers can see and count retries. */
  attempt: WIRE_NAMES.attempt,
  /** Set when the caller gave one; identical on every attempt of the call. */
  idempotencyKey: WIRE_NAMES.idempotencyKey,
  /** Server pushback (gRFC A6): wait this many ms before calling this server again. */
  retryPushback: 'grpc-retry-pushback-ms',
} as const;

/** OpenTelemetry carrier setter over grpc-js Metadata (`propagation.inject`). */
export const metadataSetter: TextMapSetter<Metadata> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/** OpenTelemetry carrier getter over grpc-js Metadata (`propagation.extract`). */
export const metadataGetter: TextMapGetter<Metadata> = {
  get(carrier, key) {
    const values = carrier.get(key);
    if (values.length === 0) return undefined;
    const strings = values.filter((v): v is string => typeof v === 'string');
    return strings.length === 1 ? strings[0] : strings;
  },
  keys(carrier) {
    return Object.keys(carrier.getMap());
  },
};

/** The first string value of `key`, if any (binary values are ignored). */
export function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}
