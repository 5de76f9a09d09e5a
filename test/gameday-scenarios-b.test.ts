/**
 * The shipped scenarios, shortened (see gameday-support.ts), part b of two so the halves run
 * in parallel. Each run starts three regions in a child process, drives load through regionkit
 * and checks the scenario's expectations plus what its fault must provoke. Two runs at a time:
 * each mostly waits on timers and sockets, and its regions live in their own process.
 */
import { describe, it } from 'vitest';
import { SCENARIO_CHECKS } from './gameday-checks.js';
import { expectSoundRun, runShortLimited, shippedScenarioNames } from './gameday-support.js';

const names = await shippedScenarioNames();
const half = Math.ceil(names.length / 2);
const mine = names.slice(half);

describe('shipped game-day scenarios, shortened (part b)', () => {
  for (const name of mine) {
    it.concurrent(name, { timeout: 40_000 }, async () => {
      const { summary } = await runShortLimited(name);
      expectSoundRun(summary);
      const check = SCENARIO_CHECKS[name];
      if (!check) throw new Error(`no check for scenario ${name}: add one to gameday-checks.ts`);
      check(summary);
    });
  }
});
