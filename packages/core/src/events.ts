import diagnosticsChannel from 'node:diagnostics_channel';
import type { AttemptRecord, StopReason } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface AttemptEvent extends AttemptRecord {
  readonly service: string;
  readonly correlationId: string;
}

export interface RetryEvent {
  readonly service: string;
  readonly correlationId: string;
  /** Number of the attempt about to start (2 = first retry). */
  readonly nextAttempt: number;
  readonly fromRegion: string;
  /**
   * Where the retry is planned to go, after `delayMs`. If that region's breaker opens during the
   * wait, the attempt goes to the next region instead (the `failover` event names it).
   */
  readonly toRegion: string;
  readonly delayMs: number;
  readonly reason: string;
}

/**
 * A retry that moves to another region than the one its last attempt failed in, told when that
 * attempt starts (after the backoff wait). Always follows the matching `retry` event.
 */
export interface FailoverEvent {
  readonly service: string;
  readonly correlationId: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly reason: string;
}

export interface BreakerEvent {
  readonly service: string;
  readonly region: string;
  readonly state: BreakerState;
}

export interface BudgetExhaustedEvent {
  readonly service: string;
  readonly correlationId: string;
  readonly region: string;
}

export interface HealthEvent {
  readonly service: string;
  readonly region: string;
  readonly weight: number;
  readonly previousWeight: number;
  readonly errorRate: number;
  readonly p99Ms: number;
}

export interface CallEvent {
  readonly service: string;
  readonly correlationId: string;
  readonly outcome: 'success' | 'failure';
  /** Region whose answer was returned; undefined when no attempt answered. */
  readonly servedBy: string | undefined;
  readonly attempts: number;
  readonly failedOver: boolean;
  readonly durationMs: number;
  readonly stoppedBecause?: StopReason | 'fatal' | 'aborted';
  /** Reason of the failure that first moved this call to another region. */
  readonly failoverReason?: string;
}

export interface RegionkitEventMap {
  attempt: AttemptEvent;
  retry: RetryEvent;
  failover: FailoverEvent;
  breaker: BreakerEvent;
  budgetExhausted: BudgetExhaustedEvent;
  health: HealthEvent;
  call: CallEvent;
}

export type RegionkitEventName = keyof RegionkitEventMap;

/** diagnostics_channel names, one per event: `regionkit:attempt`, `regionkit:failover`, ... */
export const CHANNEL_PREFIX = 'regionkit:';

type Listener<E> = (event: E) => void;

/** Who hears one event: `on` listeners, and subscribers of its diagnostics channel. */
interface Audience {
  readonly listeners: Set<Listener<never>>;
  readonly channel: diagnosticsChannel.Channel;
}

function audience(name: RegionkitEventName): Audience {
  return { listeners: new Set(), channel: diagnosticsChannel.channel(CHANNEL_PREFIX + name) };
}

/**
 * Typed events for telemetry and users. `on` returns a disposer (also usable with `using`).
 * Publishing is skipped entirely when nobody listens, so the hot path pays nothing for them;
 * a throwing listener is reported through `onListenerError` and never breaks a call.
 */
export class RegionkitEvents {
  /**
   * Every event's audience, built up front in one object literal: `wants` runs twice per call,
   * and a named property of a fixed object is cheaper to read than a Map entry.
   */
  readonly #audiences: Readonly<Record<RegionkitEventName, Audience>> = {
    attempt: audience('attempt'),
    retry: audience('retry'),
    failover: audience('failover'),
    breaker: audience('breaker'),
    budgetExhausted: audience('budgetExhausted'),
    health: audience('health'),
    call: audience('call'),
  };
  /** `on` listeners of `attempt` and `call`, and those events' channels: see `wantsCallEvents`. */
  #callEventListeners = 0;
  readonly #attemptChannel = this.#audiences.attempt.channel;
  readonly #callChannel = this.#audiences.call.channel;
  readonly #onListenerError: (error: unknown, event: string) => void;

  constructor(onListenerError: (error: unknown, event: string) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends RegionkitEventName>(
    name: K,
    listener: Listener<RegionkitEventMap[K]>,
  ): Disposable & { dispose(): void } {
    if (!Object.hasOwn(this.#audiences, name)) {
      throw new TypeError(
        `regionkit has no "${String(name)}" event; use one of ${Object.keys(this.#audiences).join(', ')}`,
      );
    }
    const { listeners } = this.#audiences[name];
    const callEvent = name === 'attempt' || name === 'call';
    if (callEvent && !listeners.has(listener as Listener<never>)) this.#callEventListeners++;
    listeners.add(listener as Listener<never>);
    const dispose = () => {
      if (listeners.delete(listener as Listener<never>) && callEvent) this.#callEventListeners--;
    };
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** True when an `emit` of this event would reach anyone; check before building the payload. */
  wants(name: RegionkitEventName): boolean {
    const { listeners, channel } = this.#audiences[name];
    return listeners.size > 0 || channel.hasSubscribers;
  }

  /**
   * `wants('attempt') || wants('call')`: must a call build its events? Every call asks, at its
   * start and at its end, so this reads one counter and two channels rather than two audiences
   * and their sets (every object a call touches shows in loopback throughput; see
   * docs/performance.md).
   */
  wantsCallEvents(): boolean {
    return (
      this.#callEventListeners > 0 ||
      this.#attemptChannel.hasSubscribers ||
      this.#callChannel.hasSubscribers
    );
  }

  emit<K extends RegionkitEventName>(name: K, event: RegionkitEventMap[K]): void {
    const { listeners, channel } = this.#audiences[name];
    for (const listener of listeners) {
      try {
        (listener as Listener<RegionkitEventMap[K]>)(event);
      } catch (error) {
        this.#reportListenerError(error, name);
      }
    }
    if (channel.hasSubscribers) {
      try {
        channel.publish(event);
      } catch (error) {
        this.#reportListenerError(error, name);
      }
    }
  }

  #reportListenerError(error: unknown, name: string): void {
    try {
      this.#onListenerError(error, name);
    } catch {
      // The error reporter itself failed; a call must still never break because of a listener.
    }
  }
}

export function warnListenerError(error: unknown, event: string): void {
  process.emitWarning(
    `a regionkit "${event}" listener threw: ${error instanceof Error ? error.message : String(error)}`,
    { code: 'REGIONKIT_LISTENER_ERROR' },
  );
}
