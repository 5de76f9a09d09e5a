/** Methods RFC 9110 defines as idempotent and that regionkit resends freely. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
]);

/** Methods that get an automatic Idempotency-Key under `idempotencyKeys: 'auto'`. */
const KEYED_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH']);

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method) || IDEMPOTENT_METHODS.has(method.toUpperCase());
}

export function wantsIdempotencyKey(method: string): boolean {
  return KEYED_METHODS.has(method) || KEYED_METHODS.has(method.toUpperCase());
}
