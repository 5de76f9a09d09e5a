import type { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { countsOnlyStatus } from './bounded-status.js';
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
  #weight = 100;
  #errorRate = 0;
  #p99Ms = 0;
  #requests = 0;
  #weightStale = false;
  #nextWeightAt = 0;
  #nextProbeAt = 0;
  #probeSuccesses = 0;
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
        status: countsOnlyStatus({
          rollingCountTimeout: config.breaker.rollingCountTimeoutMs,
          rollingCountBuckets: 10,
          rollingPercentilesEnabled: false,
          enableSnapshots: false,
          rotateBucketController: rotateBuckets,
        }),
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
    if (this.#weightStale || now >= this.#nextWeightAt) this.#refreshWeight(now);
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

  isCooling(now: number): boolean {
    return this.#coolingUntil > now;
  }

  get coolingUntil(): number {
    return this.#coolingUntil;
  }

  /** A region at weight 0 is due a probe call; claiming it schedules the next one. */
  claimProbe(now: number): boolean {
    if (now < this.#nextProbeAt) return false;
    this.#nextProbeAt = now + this.#config.health.probeIntervalMs;
    return true;
  }

  errorRate(now: number): number {
    this.weight(now);
    return this.#errorRate;
  }

  /** Records an attempt that reached (or tried to reach) the region. */
  record(failed: boolean, latencyMs: number, now: number): void {
    const wasEvicted = this.#weight === 0;
    this.#window.record(failed, latencyMs, now);
    if (failed) {
      this.#weightStale = true;
      this.#probeSuccesses = 0;
      return;
    }
    if (wasEvicted && ++this.#probeSuccesses >= this.#config.health.recoveryProbes) {
      // Enough probes in a row succeeded: forget the outage instead of waiting for its
      // failures to age out of the window, which would keep a recovered region idle for
      // up to windowMs.
      this.#probeSuccesses = 0;
      this.#window.reset(now);
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
