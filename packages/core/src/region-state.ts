import type { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { type CountingStatus, countsOnlyStatus } from './bounded-status.js';
import type { ResolvedConfig } from './config.js';
import type { BreakerState, RegionkitEvents } from './events.js';
import { RollingWindow } from './rolling-window.js';
import { regionWeight } from './weight.js';

/** How often a cached weight is recomputed while only successes arrive (p99 drifts slowly). */
const WEIGHT_REFRESH_MS = 250;

export interface RegionHealthSnapshot {
  readonly region: string;
  readonly weight: number;
  readonly errorRate: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly breaker: BreakerState;
  /** Epoch ms until which the region asked not to be called (Retry-After), or 0. */
  readonly coolingUntil: number;
}

/**
 * What a region's breaker runs: the attempt it admits, which answers with a thenable its
 * verdict settles (see `BreakerReport` in call.ts).
 */
export interface BreakerAttempt {
  admit(): PromiseLike<unknown>;
}

const noop = () => {};

/** What opossum is told failed: the verdict, not the transport's error, decides. */
export const REGION_FAULT = Object.freeze(
  new Error('regionkit: attempt failed against its region'),
);

/** A settled failure, as opossum reads an action's result: `then(onSuccess).catch(onFailure)`. */
const FAILED_THENABLE = Object.freeze({
  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, read only by opossum
  then() {
    return FAILED_THENABLE;
  },
  catch(onRejected: (reason: unknown) => unknown) {
    onRejected(REGION_FAULT);
    return FAILED_THENABLE;
  },
}) as unknown as PromiseLike<unknown>;

/** A breaker action whose outcome is already known to be a region fault. */
const FAULT_REPORTED: BreakerAttempt = Object.freeze({ admit: () => FAILED_THENABLE });

/**
 * Everything regionkit knows about one region of one service: its rolling health window, its
 * opossum breaker, its Retry-After cooldown and its probe schedule while at weight 0.
 */
export class RegionState {
  readonly name: string;
  readonly breaker: CircuitBreaker<[BreakerAttempt], unknown>;
  readonly #config: ResolvedConfig;
  readonly #events: RegionkitEvents;
  readonly #window: RollingWindow;
  /** The breaker's rolling counts (opossum reads them to decide when to open). */
  readonly #counts: CountingStatus;
  #weight = 100;
  #errorRate = 0;
  #p99Ms = 0;
  #requests = 0;
  #weightStale = false;
  #nextWeightAt = 0;
  #nextProbeAt = 0;
  #probeSuccesses = 0;
  /** When the weight last dropped to 0 (epoch ms). */
  #evictedAt = Number.NEGATIVE_INFINITY;
  #coolingUntil = 0;
  #breakerState: BreakerState = 'closed';
  /** The client closed: the breaker is shut down and refuses every call. */
  #shutDown = false;

  constructor(
    name: string,
    config: ResolvedConfig,
    events: RegionkitEvents,
    rotateBuckets: EventEmitter,
    now: number,
  ) {
    this.name = name;
    this.#config = config;
    this.#events = events;
    this.#window = new RollingWindow(config.health.windowMs, config.health.buckets, now);
    this.#counts = countsOnlyStatus({
      rollingCountTimeout: config.breaker.rollingCountTimeoutMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: rotateBuckets,
    });
    // opossum keeps breaker state and its own rolling counts; per-attempt timeouts and latency
    // percentiles are ours (its percentiles sort every sample on each read).
    // The action is the attempt's own `admit`: one breaker action for every attempt, and no
    // closure per attempt to pass through opossum. opossum's types ask for a Promise; it reads
    // the result with then/catch only, which the thenable provides.
    this.breaker = new CircuitBreaker(
      (attempt: BreakerAttempt) => attempt.admit() as Promise<unknown>,
      {
        name: `${config.service}/${name}`,
        timeout: false,
        resetTimeout: config.breaker.resetTimeoutMs,
        errorThresholdPercentage: config.breaker.errorThresholdPercentage,
        volumeThreshold: config.breaker.volumeThreshold,
        rollingCountTimeout: config.breaker.rollingCountTimeoutMs,
        status: this.#counts,
      },
    );
    for (const state of ['open', 'halfOpen', 'close'] as const) {
      this.breaker.on(state, () => this.#onBreakerTransition(state === 'close' ? 'closed' : state));
    }
  }

  get breakerState(): BreakerState {
    return this.#breakerState;
  }

  /** Current weight 0..100, recomputed when a failure arrived or the cache is stale. */
  weight(now: number): number {
    if (this.#weightStale || isDue(this.#nextWeightAt, now, WEIGHT_REFRESH_MS)) {
      this.#refreshWeight(now);
    }
    return this.#weight;
  }

  /** The breaker lets calls through (closed) or one probe (half-open). */
  get breakerAdmits(): boolean {
    // Half-open, opossum admits one probe: once it is in flight the region takes no other call
    // (planning one there would only spend an attempt on a rejection).
    // Shut down (the client closed): planned anyway, so the call ends with ClientClosedError.
    // The mirrored state answers the common case without reading opossum (every call plans).
    if (this.#breakerState === 'closed' || this.#shutDown) return true;
    return this.#breakerState === 'halfOpen' && this.breaker.pendingClose;
  }

  /**
   * The breaker is closed: an attempt needs no admission, and its outcome is counted with
   * `countClosedAttempt` instead of being run through opossum's `fire()`.
   */
  get breakerClosed(): boolean {
    return this.#breakerState === 'closed' && !this.#shutDown;
  }

  /**
   * Counts the outcome of an attempt that started while the breaker was closed. A closed
   * breaker admits every call, so running each one through `fire()` (a promise, two events, a
   * semaphore and its argument copies per attempt) would only count it: a success is counted
   * here, as opossum counts one (a fire and a success in its rolling counts); a fault goes
   * through `fire()`, so opossum's own failure handling decides whether the breaker opens.
   * Unlike opossum, which counts a fire when the call starts, the fire is counted with its
   * outcome: attempts still in flight do not dilute the error rate.
   *
   * If the breaker left `closed` while the attempt was out, the outcome is still evidence about
   * the region, counted as opossum counts a call it admitted: a late fault re-opens a half-open
   * breaker (so its probe's success cannot close it over this failure); a late success is
   * counted but does not close a half-open breaker (only its probe's may).
   */
  countClosedAttempt(fault: boolean): void {
    if (!fault) {
      this.#counts.countCall(false);
      return;
    }
    if (this.#breakerState === 'closed' || this.#shutDown) {
      // opossum rejects its answer with the fault (or refuses it: shut down).
      this.breaker.fire(FAULT_REPORTED).catch(noop);
      return;
    }
    // Not through fire(): open or half-open, opossum would refuse it (or take it as the probe).
    this.#counts.countCall(true);
    if (this.#breakerState === 'halfOpen') this.breaker.open();
  }

  isCooling(now: number): boolean {
    return this.#coolingUntil > now;
  }

  get coolingUntil(): number {
    return this.#coolingUntil;
  }

  /** A region at weight 0 is due a probe call; claiming it schedules the next one. */
  claimProbe(now: number): boolean {
    if (!isDue(this.#nextProbeAt, now, this.#config.health.probeIntervalMs)) return false;
    this.#nextProbeAt = now + this.#config.health.probeIntervalMs;
    return true;
  }

  errorRate(now: number): number {
    this.weight(now);
    return this.#errorRate;
  }

  /** Records an attempt that reached (or tried to reach) the region. */
  record(failed: boolean, latencyMs: number, now: number): void {
    // While evicted, only an attempt sent after the eviction is a probe: one that was already
    // out when the region was evicted (a straggler) says nothing about its recovery.
    const probe = this.#weight === 0 && now - latencyMs >= this.#evictedAt;
    this.#window.record(failed, latencyMs, now);
    if (failed) {
      this.#weightStale = true;
      if (probe) this.#probeSuccesses = 0;
      return;
    }
    if (probe && ++this.#probeSuccesses >= this.#config.health.recoveryProbes) {
      // Enough probes in a row succeeded: forget the outage instead of waiting for its
      // failures to age out of the window, which would keep a recovered region idle for
      // up to windowMs. The last probe is the fresh window's first sample.
      this.#probeSuccesses = 0;
      this.#window.reset(now);
      this.#window.record(false, latencyMs, now);
      this.#weightStale = true;
    }
  }

  /** Honour a server's pushback: this region is not planned before `until` (epoch ms). */
  coolDown(until: number): void {
    if (until > this.#coolingUntil) this.#coolingUntil = until;
  }

  snapshot(now: number): RegionHealthSnapshot {
    this.#refreshWeight(now); // status readers want the counts as of now, not as cached
    const weight = this.#weight;
    return {
      region: this.name,
      weight,
      errorRate: this.#errorRate,
      p99Ms: this.#p99Ms,
      requests: this.#requests,
      breaker: this.#breakerState,
      coolingUntil: this.#coolingUntil > now ? this.#coolingUntil : 0,
    };
  }

  shutdown(): void {
    this.#shutDown = true;
    this.breaker.shutdown();
  }

  #refreshWeight(now: number): void {
    const totals = this.#window.totals(now);
    const previousWeight = this.#weight;
    this.#requests = totals.requests;
    this.#errorRate = totals.requests ? totals.errors / totals.requests : 0;
    this.#p99Ms = totals.p99Ms;
    this.#weight = regionWeight(
      { requests: totals.requests, errorRate: this.#errorRate, p99Ms: totals.p99Ms },
      this.#config.health,
    );
    this.#weightStale = false;
    this.#nextWeightAt = now + WEIGHT_REFRESH_MS;
    if (this.#weight === 0 && previousWeight !== 0) {
      this.#evictedAt = now;
      this.#probeSuccesses = 0;
    }
    if (previousWeight !== this.#weight && this.#events.wants('health')) {
      this.#events.emit('health', {
        service: this.#config.service,
        region: this.name,
        weight: this.#weight,
        previousWeight,
        errorRate: this.#errorRate,
        p99Ms: this.#p99Ms,
      });
    }
  }

  #onBreakerTransition(state: BreakerState): void {
    this.#breakerState = state;
    this.#events.emit('breaker', { service: this.#config.service, region: this.name, state });
  }
}

/**
 * Has `at`, scheduled one `intervalMs` ahead, come? Also when it lies further ahead than that:
 * the wall clock stepped back (NTP, a resumed VM), and waiting for it to catch up would stall
 * health for as long as the step.
 */
function isDue(at: number, now: number, intervalMs: number): boolean {
  return now >= at || at - now > intervalMs;
}
