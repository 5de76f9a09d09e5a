/**
 * The shipped scenarios, shortened (see gameday-support.ts), part 1 of two so the halves run
 * in parallel. Each run starts three regions in a child process, drives load through regionkit
 * and checks the scenario's expectations plus what its fault must provoke. Two runs at a time:
 * each mostly waits on timers and sockets, and its regions live in their own process.
 */
import { describeShippedScenarios } from './gameday-scenario-parts.js';

await describeShippedScenarios(1, 2);
