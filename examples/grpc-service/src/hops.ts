/**
 * What each hop saw, for the demo's output: the services append a line per request they
 * handle, and main.ts prints them after each request. Only ever fed validated values: the
 * correlation ID comes from the regionkit context, never from a raw header.
 */
export interface Hop {
  readonly hop: 'edge' | 'catalog' | 'inventory';
  readonly region: string;
  readonly what: string;
  readonly correlationId: string;
  /** `x-regionkit-attempt` of the request that reached this hop (gRPC hops). */
  readonly attempt?: string;
  /** W3C traceparent that reached this hop, if an OpenTelemetry SDK is registered. */
  readonly traceparent?: string;
}

const hops: Hop[] = [];
const notes: string[] = [];

export function recordHop(hop: Hop): void {
  hops.push(hop);
}

/** A line about the request in progress, e.g. a client's failover event. */
export function recordNote(note: string): void {
  notes.push(note);
}

/** The hops and notes recorded since the last call, oldest first. */
export function takeHops(): { hops: Hop[]; notes: string[] } {
  return { hops: hops.splice(0), notes: notes.splice(0) };
}
