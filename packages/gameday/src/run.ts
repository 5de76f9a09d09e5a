/**
 * One game day: start the regions, drive the scenario's load through a client while its
 * faults play out, show it live, and summarise what the servers and the load generator saw.
 * With a baseline, the same scenario runs again against fresh regions with the naive client.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { regionkitOptions } from './client-options.js';
import { GAMEDAY_DEFAULTS } from './defaults.js';
import { describeFault, hitsRegion } from './faults.js';
import { type LiveSnapshot, LiveView } from './live-view.js';
import { type CallRecord, generateLoad, type WireProtocol } from './load/generator.js';
import { createNaiveGrpcClient } from './load/grpc-naive.js';
import { createRegionkitGrpcClient } from './load/grpc-regionkit.js';
import { createNaiveHttpClient } from './load/http-naive.js';
import { createRegionkitHttpClient } from './load/http-regionkit.js';
import type { RegionalLoadClient } from './load/load-client.js';
import { loopDelayMonitor, loopDelayMs } from './metrics/loop-delay.js';
import { ascending, percentile } from './metrics/percentile.js';
import type { IntervalCounts } from './metrics/region-recorder.js';
import {
  type BreakerTransition,
  type ClientKind,
  type RunSummary,
  summarize,
} from './metrics/summary.js';
import { seededRandom } from './random.js';
import { renderReport } from './report/html.js';
import type { Scenario } from './scenario.js';
import { RemoteWorld } from './world/remote-world.js';

export interface RunOptions {
  /** Writes summary.json and report.html here when given. */
  readonly outDir?: string;
  /** Also run the naive client and compare. */
  readonly baseline?: 'naive';
  /** Live view target; false for none. @default a LiveView on stdout */
  readonly live?: LiveView | false;
  /** Seed of the harness's random draws. @default 1 */
  readonly seed?: number;
  /** Scales the SDK's clocks (breaker reset, health window, probes) for shortened scenarios. @default 1 */
  readonly sdkTimeScale?: number;
}

export interface GameDayResult {
  /** The regionkit run, plus `baseline` when one ran: the content of summary.json. */
  readonly summary: GameDaySummary;
  readonly pass: boolean;
  readonly files?: { readonly summary: string; readonly report: string };
}

export type GameDaySummary = RunSummary & {
  readonly generatedAt: string;
  readonly baseline?: RunSummary;
};

export async function runGameDay(
  scenario: Scenario,
  options: RunOptions = {},
): Promise<GameDayResult> {
  const live = options.live === undefined ? new LiveView() : options.live;
  const main = await runOnce(scenario, 'regionkit', options, live);
  const baseline = options.baseline ? await runOnce(scenario, 'naive', options, live) : undefined;
  const summary: GameDaySummary = {
    ...main,
    generatedAt: new Date().toISOString(),
    ...(baseline ? { baseline } : {}),
  };
  if (!options.outDir) return { summary, pass: summary.pass };
  await mkdir(options.outDir, { recursive: true });
  const files = {
    summary: join(options.outDir, 'summary.json'),
    report: join(options.outDir, 'report.html'),
  };
  await writeFile(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(files.report, renderReport(summary));
  return { summary, pass: summary.pass, files };
}

async function runOnce(
  scenario: Scenario,
  client: ClientKind,
  options: RunOptions,
  live: LiveView | false,
): Promise<RunSummary> {
  const seed = options.seed ?? GAMEDAY_DEFAULTS.seed;
  const protocols = wireProtocols(scenario);
  const world = await RemoteWorld.start(scenario, seed, protocols.includes('grpc'));
  const clients: Partial<Record<WireProtocol, RegionalLoadClient>> = {};
  const loopDelay = loopDelayMonitor();
  let ticker: NodeJS.Timeout | undefined;
  try {
    const timeScale = options.sdkTimeScale ?? 1;
    if (protocols.includes('http'))
      clients.http = buildHttpClient(scenario, client, world, timeScale);
    if (protocols.includes('grpc'))
      clients.grpc = buildGrpcClient(scenario, client, world, timeScale);
    const title = `gameday ${scenario.name} [${client}, ${scenario.load.protocol}]`;
    if (live) live.message(`\n${title}: ${scenario.description}`);

    await warmUp(clients, scenario.load.deadlineMs);
    const startedAt = performance.now();
    const breakerTransitions: BreakerTransition[] = [];
    for (const [protocol, loadClient] of Object.entries(clients)) {
      loadClient?.onBreaker?.((region, state) =>
        breakerTransitions.push({
          tMs: Math.round(performance.now() - startedAt),
          region,
          state: protocols.length > 1 ? `${state} (${protocol})` : state,
        }),
      );
    }
    world.schedule(startedAt);
    loopDelay.enable();
    const progress = new Progress(scenario, clients);
    world.onInterval((counts, serverRequests) => progress.regions(counts, serverRequests));
    if (live) {
      ticker = setInterval(() => {
        live.update(progress.snapshot(title, (performance.now() - startedAt) / 1000));
      }, GAMEDAY_DEFAULTS.liveIntervalMs);
    }
    const records = await generateLoad({
      rps: scenario.load.rps,
      durationS: scenario.durationS,
      writeRatio: scenario.load.writeRatio,
      deadlineMs: scenario.load.deadlineMs,
      clients,
      random: seededRandom(seed),
      startedAt,
      runId: `${client[0]}${randomBytes(4).toString('hex')}`,
      onComplete: (record) => progress.completed(record),
    });
    clearInterval(ticker);
    loopDelay.disable();
    if (live) {
      live.update(progress.snapshot(title, (performance.now() - startedAt) / 1000));
      live.finish();
    }
    const observed = await world.finish();
    const summary = summarize({
      scenario,
      client,
      records,
      recorder: observed.recorder,
      breakerTransitions,
      writes: observed.writes,
      eventLoopDelayP99Ms: loopDelayMs(loopDelay.percentile(99)),
      eventLoopDelayMaxMs: loopDelayMs(loopDelay.max),
    });
    if (live) live.message(verdictLine(summary));
    return summary;
  } finally {
    clearInterval(ticker);
    loopDelay.disable();
    try {
      await Promise.all(Object.values(clients).map((c) => c?.close()));
    } finally {
      world.kill(); // even when a client fails to close: never leave the world process running
    }
  }
}

function wireProtocols(scenario: Scenario): WireProtocol[] {
  const { protocol } = scenario.load;
  return protocol === 'mixed' ? ['http', 'grpc'] : [protocol];
}

function buildGrpcClient(
  scenario: Scenario,
  client: ClientKind,
  world: RemoteWorld,
  timeScale: number,
): RegionalLoadClient {
  if (client === 'naive') return createNaiveGrpcClient(world.grpcTarget(scenario.local));
  return createRegionkitGrpcClient({
    ...regionkitOptions(scenario, timeScale),
    regions: scenario.regions.map((r) => ({
      name: r.name,
      rttMs: r.rttMs,
      target: world.grpcTarget(r.name),
    })),
  });
}

/**
 * A few reads before time zero, unrecorded: a service in production is warm (compiled code,
 * open connections), and a cold process stalls for hundreds of ms on its first calls, which
 * would be measured as a fault of the local region.
 */
async function warmUp(
  clients: Partial<Record<WireProtocol, RegionalLoadClient>>,
  deadlineMs: number,
): Promise<void> {
  for (const client of Object.values(clients)) {
    if (!client) continue;
    const read = (i: number) =>
      client.read(`warm-${i}`, { signal: AbortSignal.timeout(deadlineMs), deadlineMs });
    for (let i = 0; i < GAMEDAY_DEFAULTS.warmUp.sequential; i++) await read(i);
    for (let round = 0; round < GAMEDAY_DEFAULTS.warmUp.rounds; round++) {
      await Promise.all(
        Array.from({ length: GAMEDAY_DEFAULTS.warmUp.concurrency }, (_, i) => read(i)),
      );
    }
  }
}

function buildHttpClient(
  scenario: Scenario,
  client: ClientKind,
  world: RemoteWorld,
  timeScale: number,
): RegionalLoadClient {
  if (client === 'naive') return createNaiveHttpClient(world.httpOrigin(scenario.local));
  return createRegionkitHttpClient({
    ...regionkitOptions(scenario, timeScale),
    regions: scenario.regions.map((r) => ({
      name: r.name,
      rttMs: r.rttMs,
      origin: world.httpOrigin(r.name),
    })),
  });
}

/** Running totals for the live view; per-second figures cover what completed since the last tick. */
class Progress {
  readonly #scenario: Scenario;
  readonly #clients: Partial<Record<WireProtocol, RegionalLoadClient>>;
  #calls = 0;
  #succeeded = 0;
  #recent: CallRecord[] = [];
  #regionCounts: IntervalCounts = {};
  #serverRequests = 0;

  constructor(scenario: Scenario, clients: Partial<Record<WireProtocol, RegionalLoadClient>>) {
    this.#scenario = scenario;
    this.#clients = clients;
  }

  completed(record: CallRecord): void {
    this.#calls++;
    if (record.ok) this.#succeeded++;
    this.#recent.push(record);
  }

  /** The world's latest second: arrivals and ok answers per region. */
  regions(counts: IntervalCounts, serverRequests: number): void {
    this.#regionCounts = counts;
    this.#serverRequests = serverRequests;
  }

  snapshot(title: string, elapsedS: number): LiveSnapshot {
    const recent = this.#recent;
    this.#recent = [];
    const ok = recent.filter((r) => r.ok);
    const breakers = Object.values(this.#clients)[0]?.breakers?.() ?? {};
    const tMs = elapsedS * 1000;
    const p99 = (records: CallRecord[]) =>
      records.length ? percentile(ascending(records.map((r) => r.endMs - r.startMs)), 99) : null;
    return {
      title,
      elapsedS,
      durationS: this.#scenario.durationS,
      calls: this.#calls,
      succeeded: this.#succeeded,
      p99Ms: p99(recent),
      amplification: this.#calls ? this.#serverRequests / this.#calls : 0,
      regions: this.#scenario.regions.map((region) => {
        const served = ok.filter((r) => r.servedBy === region.name);
        const seen = this.#regionCounts[region.name] ?? { arrivals: 0, ok: 0 };
        return {
          region: region.name,
          local: region.name === this.#scenario.local,
          share: ok.length ? served.length / ok.length : 0,
          successRate: seen.arrivals ? Math.min(1, seen.ok / seen.arrivals) : null,
          p99Ms: p99(served),
          arrivals: seen.arrivals,
          breaker: breakers[region.name],
          faults: activeFaultLabels(this.#scenario, region.name, tMs),
        };
      }),
    };
  }
}

function activeFaultLabels(scenario: Scenario, region: string, tMs: number): string[] {
  return scenario.faults
    .filter((f) => hitsRegion(f, region) && tMs >= f.atS * 1000 && tMs < (f.atS + f.forS) * 1000)
    .map(describeFault);
}

export function verdictLine(summary: RunSummary): string {
  const head = summary.pass ? 'PASS' : 'FAIL';
  const figures =
    `successRate ${summary.successRate}, p99 ${summary.latencyMs.p99} ms, ` +
    `loadAmplification ${summary.loadAmplification}, duplicateWrites ${summary.duplicateWrites}, ` +
    `timeToShiftMs ${summary.timeToShiftMs ?? '—'}, timeToRecoverMs ${summary.timeToRecoverMs ?? '—'}`;
  const why = summary.violations.map((v) => `\n  ✗ ${v}`).join('');
  const warnings = summary.harness.warnings.map((w) => `\n  ! ${w}`).join('');
  return `${head} ${summary.scenario} [${summary.client}]: ${figures}${why}${warnings}`;
}
