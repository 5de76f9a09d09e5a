/**
 * Open-loop load: calls start on schedule (rps) whether or not earlier ones have finished, as
 * real traffic does, so a slow region cannot slow the offered load down. Bounded in count
 * (rps × durationS) and in time (the last call's deadline plus a grace period).
 */
import { performance } from 'node:perf_hooks';
import { GAMEDAY_DEFAULTS } from '../defaults.js';
import { errorStatus, type LoadOutcome, type RegionalLoadClient } from './load-client.js';

export type CallKind = 'read' | 'write';
export type WireProtocol = 'http' | 'grpc';

/** One logical call as the load generator saw it. Times are ms since the run's time zero. */
export interface CallRecord {
  readonly seq: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly kind: CallKind;
  readonly protocol: WireProtocol;
  /** A 2xx / OK answer arrived before the deadline. */
  readonly ok: boolean;
  readonly status: string;
  readonly servedBy: string | undefined;
}

export interface LoadPlan {
  readonly rps: number;
  readonly durationS: number;
  readonly writeRatio: number;
  readonly deadlineMs: number;
  /** Client per wire protocol; with both, calls alternate between them. */
  readonly clients: Partial<Record<WireProtocol, RegionalLoadClient>>;
  readonly random: () => number;
  /** The run's time zero (performance.now() clock). */
  readonly startedAt: number;
  /** Distinguishes idempotency keys of different runs sharing a ledger. */
  readonly runId: string;
  readonly onStart?: (seq: number) => void;
  readonly onComplete?: (record: CallRecord) => void;
}

export async function generateLoad(plan: LoadPlan): Promise<CallRecord[]> {
  const protocols = (['http', 'grpc'] as const).filter((p) => plan.clients[p]);
  if (protocols.length === 0) throw new Error('generateLoad: no client given');
  const total = Math.round(plan.rps * plan.durationS);
  const records: CallRecord[] = [];
  const pending = new Set<Promise<void>>();
  const inflight = new Map<number, Pick<CallRecord, 'startMs' | 'kind' | 'protocol'>>();
  const now = () => performance.now() - plan.startedAt;
  let started = 0;
  let drained = false;

  const startCall = (seq: number) => {
    const protocol = protocols[seq % protocols.length] as WireProtocol;
    const client = plan.clients[protocol] as RegionalLoadClient;
    const kind: CallKind = plan.random() < plan.writeRatio ? 'write' : 'read';
    const startMs = now();
    inflight.set(seq, { startMs, kind, protocol });
    plan.onStart?.(seq);
    const call = {
      signal: AbortSignal.timeout(plan.deadlineMs + GAMEDAY_DEFAULTS.abortGraceMs),
      deadlineMs: plan.deadlineMs,
    };
    const outcome: Promise<LoadOutcome> =
      kind === 'write'
        ? client.write(
            `${plan.runId}-${seq}`,
            { writeId: `${plan.runId}-w${seq}`, item: `item-${seq % 100}`, quantity: 1 },
            call,
          )
        : client.read(`item-${seq % 100}`, call);
    const settled = outcome
      .catch(
        (error: unknown): LoadOutcome => ({
          ok: false,
          status: errorStatus(error),
          servedBy: undefined,
        }),
      )
      .then((result) => {
        if (drained) return;
        inflight.delete(seq);
        const endMs = now();
        const late = endMs - startMs > plan.deadlineMs;
        const record: CallRecord = {
          seq,
          startMs,
          endMs,
          kind,
          protocol,
          ok: result.ok && !late,
          status: result.ok && late ? 'late' : result.status,
          servedBy: result.servedBy,
        };
        records.push(record);
        plan.onComplete?.(record);
      })
      .finally(() => pending.delete(settled));
    pending.add(settled);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      // +1: the first call starts at time zero, the n-th at (n-1)/rps.
      const due = Math.min(total, Math.floor((now() * plan.rps) / 1000) + 1);
      while (started < due) startCall(started++);
      if (started >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, GAMEDAY_DEFAULTS.loadTickMs);
    tick();
  });

  // Every call has its own deadline; wait for them, but never longer than deadline + grace.
  const drainMs = plan.deadlineMs + GAMEDAY_DEFAULTS.drainGraceMs;
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(pending),
    new Promise<void>((resolve) => {
      drainTimer = setTimeout(resolve, drainMs);
    }),
  ]);
  clearTimeout(drainTimer);
  drained = true;
  for (const [seq, call] of inflight) {
    // The client never settled within deadline + grace: a hang, recorded as such.
    records.push({ seq, ...call, endMs: now(), ok: false, status: 'hung', servedBy: undefined });
  }
  return records.sort((a, b) => a.seq - b.seq);
}
