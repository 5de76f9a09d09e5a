/**
 * The runner's handle on the world process: forks it, learns where each region listens, starts
 * its fault schedule on the runner's clock, relays live counts, and collects what the regions
 * recorded at the end.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type IntervalCounts, RegionRecorder } from '../metrics/region-recorder.js';
import type { Scenario } from '../scenario.js';
import type { FromWorld, RegionEndpoints, ToWorld, WriteCounts } from './protocol.js';

export interface WorldReport {
  readonly recorder: RegionRecorder;
  readonly writes: WriteCounts;
}

/** How long the world may take to start its servers or to hand in its records. */
const WORLD_REPLY_TIMEOUT_MS = 15_000;

export class RemoteWorld {
  readonly #child: ChildProcess;
  readonly #endpoints: Record<string, RegionEndpoints>;
  #onInterval: ((counts: IntervalCounts, serverRequests: number) => void) | undefined;

  private constructor(child: ChildProcess, endpoints: Record<string, RegionEndpoints>) {
    this.#child = child;
    this.#endpoints = endpoints;
    child.on('message', (message: FromWorld) => {
      if (message.type === 'interval') this.#onInterval?.(message.counts, message.serverRequests);
    });
  }

  static async start(scenario: Scenario, seed: number, grpc: boolean): Promise<RemoteWorld> {
    const child = forkWorld();
    try {
      const started = await reply(child, 'started', () =>
        child.send({ type: 'start', scenario, seed, grpc } satisfies ToWorld),
      );
      return new RemoteWorld(child, started.endpoints);
    } catch (error) {
      child.kill();
      throw error;
    }
  }

  /** `http://127.0.0.1:PORT`: where the client reaches `region` (through its latency proxy). */
  httpOrigin(region: string): string {
    return `http://127.0.0.1:${this.#endpoint(region).httpPort}`;
  }

  /** `127.0.0.1:PORT` for a gRPC channel to `region`. */
  grpcTarget(region: string): string {
    const port = this.#endpoint(region).grpcPort;
    if (port === undefined) throw new Error(`region ${region} has no gRPC endpoint`);
    return `127.0.0.1:${port}`;
  }

  /** Starts recording and the fault schedule; `startedAt` is time zero on this process's performance clock. */
  schedule(startedAt: number): void {
    this.#child.send({
      type: 'schedule',
      startedAtEpochMs: performance.timeOrigin + startedAt,
    } satisfies ToWorld);
  }

  onInterval(listener: (counts: IntervalCounts, serverRequests: number) => void): void {
    this.#onInterval = listener;
  }

  /** Stops the regions and returns what they recorded. */
  async finish(): Promise<WorldReport> {
    const finished = await reply(this.#child, 'finished', () =>
      this.#child.send({ type: 'finish' } satisfies ToWorld),
    );
    return { recorder: RegionRecorder.fromSnapshot(finished.recorder), writes: finished.writes };
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }

  #endpoint(region: string): RegionEndpoints {
    const endpoint = this.#endpoints[region];
    if (!endpoint) throw new Error(`no region ${region} in the world`);
    return endpoint;
  }
}

/**
 * From TypeScript sources (pnpm gameday, tests) the child needs the same loader and export
 * condition as its parent; from a build it needs neither.
 */
function forkWorld(): ChildProcess {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(
    new URL(`./world-process.${fromSource ? 'ts' : 'js'}`, import.meta.url),
  );
  const execArgv = fromSource
    ? ['--import', import.meta.resolve('tsx'), '--conditions=@regionkit/source']
    : [];
  return fork(entry, [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
}

function reply<K extends FromWorld['type']>(
  child: ChildProcess,
  type: K,
  request: () => void,
): Promise<Extract<FromWorld, { type: K }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: FromWorld) => {
      if (message.type === type) {
        cleanup();
        resolve(message as Extract<FromWorld, { type: K }>);
      } else if (message.type === 'error') {
        cleanup();
        reject(new Error(`the world process failed: ${message.message}`));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the world process exited (code ${code}) before answering "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(`the world process did not answer "${type}" within ${WORLD_REPLY_TIMEOUT_MS} ms`),
      );
    }, WORLD_REPLY_TIMEOUT_MS);
    child.on('message', onMessage);
    child.on('exit', onExit);
    request();
  });
}
