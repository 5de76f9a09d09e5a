/**
 * What each shipped scenario must show in its short run, beyond its own expectations: the
 * behaviour the fault is there to provoke, measured at the servers.
 */
import { expect } from 'vitest';
import type { GameDaySummary } from '../packages/gameday/src/index.js';

type Check = (summary: GameDaySummary) => void;

const LOCAL = 'us-east';

const movedAndCameBack: Check = (s) => {
  expect(s.shift).toMatchObject({ needed: true, reached: true, recovered: true });
  // Refused connections never reach the region: the kill costs no extra load.
  expect(s.byRegion[LOCAL]?.dropped).toBe(0);
};

const swallowedButCounted: Check = (s) => {
  // The blackholed region took attempts and answered none; they still count as load.
  expect(s.byRegion[LOCAL]?.dropped).toBeGreaterThan(0);
  expect(s.shift).toMatchObject({ needed: true, reached: true });
};

export const SCENARIO_CHECKS: Record<string, Check> = {
  demo: movedAndCameBack,
  'kill-local': movedAndCameBack,
  'grpc-kill-local': (s) => {
    movedAndCameBack(s);
    expect(s.protocol).toBe('grpc');
  },
  'blackhole-local': swallowedButCounted,
  'mixed-blackhole-local': (s) => {
    swallowedButCounted(s);
    expect(s.protocol).toBe('mixed');
    expect(s.writes.sent).toBeGreaterThan(0);
  },
  'slow-local': (s) => {
    // The extra 300 ms was really on the wire, and nothing needed to move.
    expect(s.timeline.some((p) => (p.p99Ms ?? 0) >= 300)).toBe(true);
    expect(s.shift.needed).toBe(false);
  },
  'gray-local': (s) => {
    expect(s.byRegion[LOCAL]?.answered.error).toBeGreaterThan(0);
  },
  'throttle-local': (s) => {
    // Retry-After honoured: once throttled, the region is left alone for the pushback, so
    // only a handful of calls see a 429 while the fault lasts.
    const throttled = s.byRegion[LOCAL]?.answered.throttled ?? 0;
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThan(10);
  },
  'flap-local': (s) => {
    expect(s.shift.needed).toBe(true);
  },
  'all-down': (s) => {
    // Fast and clear: every failure is a regionkit error naming why, none a hang.
    expect(s.failed).toBeGreaterThan(0);
    for (const reason of Object.keys(s.failureReasons)) expect(reason).toMatch(/^ERR_REGIONKIT_/);
    expect(s.shift).toMatchObject({ needed: true, everywhere: true, reached: false });
    expect(s.timeToShiftMs).toBeNull();
  },
};
