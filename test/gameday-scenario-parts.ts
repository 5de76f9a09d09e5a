import { describe, it } from 'vitest';
import { SCENARIO_CHECKS } from './gameday-checks.js';
import { expectSoundRun, runShortLimited, shippedScenarioNames } from './gameday-support.js';

/**
 * Declares the tests for part `part` (1-based) of `parts` of the shipped scenarios, shortened.
 * The scenarios are split over several test files only so that vitest runs the parts in
 * parallel workers.
 */
export async function describeShippedScenarios(part: number, parts: number): Promise<void> {
  const names = await shippedScenarioNames();
  const size = Math.ceil(names.length / parts);
  const mine = names.slice((part - 1) * size, part * size);
  describe(`shipped game-day scenarios, shortened (part ${part} of ${parts})`, () => {
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
}
