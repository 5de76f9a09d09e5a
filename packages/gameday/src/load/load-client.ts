/**
 * What the load generator needs from a client, whatever the protocol and whatever the client
 * (regionkit or the naive baseline). Implementations report what the *server* said: the
 * status it answered and the region named in its answer, never the client library's opinion.
 */
export interface LoadOutcome {
  /** A 2xx / OK answer arrived (the generator still checks it came before the deadline). */
  readonly ok: boolean;
  /** HTTP status, gRPC status name, or the error code / name when no answer came. */
  readonly status: string;
  /** Region named by the answering server, when an answer came. */
  readonly servedBy: string | undefined;
}

export interface CallSpec {
  /** Gives up at the call's deadline: aborts whatever is still running. */
  readonly signal: AbortSignal;
  /** The call's overall deadline (ms), for clients that take one. */
  readonly deadlineMs: number;
}

export interface WriteBody {
  /** The logical write, identical on every attempt; how duplicates are recognised. */
  readonly writeId: string;
  readonly item: string;
  readonly quantity: number;
}

export interface RegionalLoadClient {
  /** Shown in the report: `regionkit` or `naive`, with the protocol. */
  readonly label: string;
  /** An idempotent read. */
  read(id: string, call: CallSpec): Promise<LoadOutcome>;
  /** A non-idempotent write, sent with `key` as its idempotency key on every attempt. */
  write(key: string, body: WriteBody, call: CallSpec): Promise<LoadOutcome>;
  /** Breaker state per region, when the client has breakers (for the live view only). */
  breakers?(): Readonly<Record<string, string>>;
  /** Calls `listener` on every breaker transition (shown in the report, never counted). */
  onBreaker?(listener: (region: string, state: string) => void): void;
  close(): Promise<void>;
}

/** Turns whatever a client threw into a short status for the record. */
export function errorStatus(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'error';
}
