export { regionkitOptions } from './client-options.js';
export { GAMEDAY_DEFAULTS, GAMEDAY_LIMITS } from './defaults.js';
export { conditionAt, disruptionWindow, type RegionCondition } from './faults.js';
export { type LiveSnapshot, LiveView, renderBlock, renderLine } from './live-view.js';
export type { CallRecord } from './load/generator.js';
export type { LoadOutcome, RegionalLoadClient, WriteBody } from './load/load-client.js';
export type { RunSummary, TimelinePoint } from './metrics/summary.js';
export { SUPPORTED_PROTOCOLS } from './protocols.js';
export { renderReport } from './report/html.js';
export { type GameDayResult, type GameDaySummary, type RunOptions, runGameDay } from './run.js';
export {
  type Expectations,
  type Fault,
  loadScenarioFile,
  parseScenario,
  type Scenario,
  ScenarioError,
  scaleScenario,
} from './scenario.js';
