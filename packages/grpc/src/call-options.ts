import type { Metadata } from '@grpc/grpc-js';
import { isPriority, MAX_DEADLINE_MS, validCorrelationId } from '@regionkit/core';
import type { RegionalCallOptions } from './types.js';

/**
 * Checks one call's options; throws a TypeError naming the option and the fix. Runs per call,
 * so it only looks at what the caller passed.
 */
export function checkCallOptions(
  options: RegionalCallOptions | undefined,
  where: string,
): RegionalCallOptions {
  if (options === undefined) return EMPTY;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object such as { deadlineMs: 500 }.`);
  }
  const { metadata, interceptors, idempotencyKey, deadlineMs, signal, priority, excludedRegions } =
    options;
  if (metadata !== undefined && !isMetadata(metadata)) {
    throw new TypeError(
      `${where}: options.metadata must be a grpc-js Metadata; build one with new Metadata() and metadata.set(key, value).`,
    );
  }
  if (
    interceptors !== undefined &&
    (!Array.isArray(interceptors) || interceptors.some((i) => typeof i !== 'function'))
  ) {
    throw new TypeError(`${where}: options.interceptors must be an array of grpc-js interceptors.`);
  }
  if (idempotencyKey !== undefined && validCorrelationId(idempotencyKey) === undefined) {
    throw new TypeError(
      `${where}: options.idempotencyKey must be 1-128 characters of A-Z a-z 0-9 . _ : + = / - (a UUID works); it goes on the wire as metadata.`,
    );
  }
  if (
    deadlineMs !== undefined &&
    !(Number.isFinite(deadlineMs) && deadlineMs > 0 && deadlineMs <= MAX_DEADLINE_MS)
  ) {
    throw new TypeError(
      `${where}: options.deadlineMs is ${deadlineMs}; use a positive number of milliseconds up to ${MAX_DEADLINE_MS}.`,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: options.signal must be an AbortSignal.`);
  }
  if (priority !== undefined && !isPriority(priority)) {
    throw new TypeError(
      `${where}: options.priority is ${JSON.stringify(priority)}; use 'critical', 'default' or 'sheddable'.`,
    );
  }
  if (
    excludedRegions !== undefined &&
    (!Array.isArray(excludedRegions) || excludedRegions.some((r) => typeof r !== 'string'))
  ) {
    throw new TypeError(`${where}: options.excludedRegions must be an array of region names.`);
  }
  return options;
}

const EMPTY: RegionalCallOptions = Object.freeze({});

function isMetadata(value: unknown): value is Metadata {
  const candidate = value as Partial<Metadata> | null;
  return typeof candidate?.clone === 'function' && typeof candidate.set === 'function';
}
