import { status } from '@grpc/grpc-js';
import { errorStatus } from './load-client.js';

/** `UNAVAILABLE`, `RESOURCE_EXHAUSTED`…: a gRPC status name when the error carries one. */
export function grpcErrorStatus(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && typeof status[code] === 'string') return status[code] as string;
  return errorStatus(error);
}
