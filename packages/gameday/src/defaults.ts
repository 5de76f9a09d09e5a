/** Every default of the game-day harness in one place, with units. */
export const GAMEDAY_DEFAULTS = {
  /** Overall deadline of one generated call, when the scenario's `load.deadlineMs` is absent (ms). */
  deadlineMs: 2_000,
  /** Share of a `throttle` fault's calls answered 429 / RESOURCE_EXHAUSTED, when `rate` is absent. */
  throttleRate: 1,
  /** Retry-After of a `throttle` fault when `retryAfterS` is absent (s). */
  retryAfterS: 1,
  /** How often the load generator's timer starts the calls that are due (ms). */
  loadTickMs: 5,
  /**
   * The generator aborts a call this long after its deadline (ms). The client's own deadline
   * fires first and its error says so; an abort by the generator means the client overran it.
   */
  abortGraceMs: 100,
  /** After the last call started, how long the run waits for stragglers beyond their deadline (ms). */
  drainGraceMs: 1_000,
  /** Resolution of timeToShiftMs / timeToRecoverMs: the 1-s window slides by this step (ms). */
  shiftStepMs: 100,
  /** Length of the window a shift or a recovery is judged over (ms). */
  shiftWindowMs: 1_000,
  /** Share of successful calls a window needs outside (shift) or inside (recovery) the region. */
  shiftShare: 0.95,
  /** Calls a window must hold before it can count as shifted or recovered. */
  shiftMinCalls: 5,
  /**
   * A run is not trusted unless this share of its planned calls started on schedule: a
   * generator starved of CPU starts calls late, and the regions see less load than planned.
   */
  minOnScheduleShare: 0.95,
  /** A call that starts more than this after its slot in the schedule started late (ms). */
  lateStartMs: 100,
  /** Event-loop delay p99 (ms) above which the run is flagged: the harness was starved of CPU. */
  stallP99Ms: 50,
  /** A single event-loop stall (ms) longer than this flags the run too. */
  stallMaxMs: 250,
  /** Live view refresh period (ms). */
  liveIntervalMs: 1_000,
  /** Unrecorded reads before time zero: this many one by one, then `rounds` × `concurrency` at once. */
  warmUp: { sequential: 20, rounds: 10, concurrency: 10 },
  /** Seed of the harness's random draws (read/write mix, injected errors), for repeatable runs. */
  seed: 1,
} as const;

/** Hard limits a scenario may not exceed: every load loop is bounded in count and time. */
export const GAMEDAY_LIMITS = {
  maxRegions: 8,
  maxDurationS: 3_600,
  maxRps: 5_000,
  maxCalls: 1_000_000,
  maxDeadlineMs: 60_000,
  maxRttMs: 5_000,
  maxAddMs: 30_000,
  maxFaults: 100,
} as const;
