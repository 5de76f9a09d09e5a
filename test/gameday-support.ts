/**
 * Shortened runs of the shipped game-day scenarios for CI: every time in a scenario and the
 * SDK clocks that judge and forgive regions are compressed by FACTOR, at a lower rate, so each
 * run takes a few seconds. What does not compress is listed in `shortExpectations`.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULTS } from '@regionkit/core';
import { expect } from 'vitest';
import {
  type Expectations,
  type GameDaySummary,
  loadScenarioFile,
  type RunSummary,
  runGameDay,
  type Scenario,
  scaleScenario,
} from '../packages/gameday/src/index.js';

export const SCENARIOS_DIR = join(import.meta.dirname, '..', 'scenarios');
/** 30 s scenarios become 3.6 s. */
export const FACTOR = 0.12;
export const SHORT_RPS = 80;

export async function shippedScenarioNames(): Promise<string[]> {
  return (await readdir(SCENARIOS_DIR))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.replace(/\.json$/, ''))
    .sort();
}

/**
 * A short run's expectations: the scenario's own, time limits scaled, with these changes:
 * - successRate: 0.5% slack, because a short run has ~300 calls and one unlucky call is 0.3%;
 * - maxLoadAmplification is replaced by the retry budget's bound where a fault makes every
 *   call in flight retry (blackhole, partition): that burst is rps × attempt timeout, which
 *   does not shrink with the run, so its share of a short run is far larger;
 * - maxFailedP50Ms (all-down): failures turn fast once breakers open, which takes longer than a
 *   short partition lasts; the short run checks that failures are clear instead.
 */
export function shortExpectations(scenario: Scenario): Expectations {
  const expect: Record<string, number> = { ...scenario.expect };
  if (expect.successRate !== undefined)
    expect.successRate = Math.max(0, expect.successRate - 0.005);
  const burst = scenario.faults.some((f) => f.kind === 'blackhole' || f.kind === 'partition');
  if (burst) delete expect.maxLoadAmplification;
  delete expect.maxFailedP50Ms;
  return expect;
}

export async function runShort(
  name: string,
  options: { baseline?: 'naive'; outDir?: string } = {},
): Promise<{ scenario: Scenario; summary: GameDaySummary }> {
  const full = await loadScenarioFile(join(SCENARIOS_DIR, `${name}.json`));
  const scaled = scaleScenario(full, FACTOR, SHORT_RPS);
  const scenario = { ...scaled, expect: shortExpectations(scaled) };
  const { summary } = await runGameDay(scenario, { live: false, sdkTimeScale: FACTOR, ...options });
  return { scenario, summary };
}

/** At most two shortened runs at once per test file; more would starve the runner on 2 cores. */
const RUN_SLOTS = 2;
let running = 0;
const waiting: (() => void)[] = [];

export async function runShortLimited(name: string): ReturnType<typeof runShort> {
  if (running >= RUN_SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await runShort(name);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Every attempt that reaches a region is a first attempt or a retry, and regionkit's retry
 * budget allows ratio × first attempts + minRetriesPerSecond × window retries per client
 * (the window, 10 s, is longer than a short run). A number above this is a retry storm.
 */
export function retryBudgetBound(summary: RunSummary): number {
  const clients = summary.protocol === 'mixed' ? 2 : 1;
  const { ratio, minRetriesPerSecond, windowMs } = DEFAULTS.retryBudget;
  const floor = clients * minRetriesPerSecond * (windowMs / 1000);
  return 1 + ratio + floor / summary.requests;
}

/** What every short run must show, whatever its scenario. */
export function expectSoundRun(summary: RunSummary): void {
  expect(summary.violations).toEqual([]);
  expect(summary.requests).toBeGreaterThanOrEqual(summary.harness.plannedCalls * 0.95);
  expect(summary.duplicateWrites).toBe(0);
  expect(summary.loadAmplification).toBeLessThanOrEqual(retryBudgetBound(summary));
  // No call outlived its deadline by more than the generator's grace: the client keeps it.
  expect(summary.failureReasons).not.toHaveProperty('hung');
  expect(summary.failureReasons).not.toHaveProperty('TimeoutError');
}
