/**
 * The simulated deployment: one service in every scenario region on 127.0.0.1, each behind
 * its latency proxy, with the scenario's faults applied on schedule.
 */
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { changePoints, conditionAt, HEALTHY, type RegionCondition } from '../faults.js';
import type { Scenario } from '../scenario.js';
import { LatencyProxy } from './latency-proxy.js';
import type { AnswerKind } from './region-faults.js';
import { createRegionApp, listenHttp, type RegionServerContext } from './region-http.js';
import type { WriteLedger } from './write-ledger.js';

/** Receives what the regions observe, as it happens. */
export interface WorldObserver {
  /** Requests that reached `region`; `delivered` false when a blackhole swallowed them. */
  arrivals(region: string, count: number, delivered: boolean): void;
  answered(region: string, kind: AnswerKind): void;
  /** Something went wrong inside the harness itself (not a simulated fault). */
  harnessError(message: string): void;
}

/** A protocol endpoint of one region: its server and the proxy in front of it. */
interface Endpoint {
  readonly proxy: LatencyProxy;
  close(): Promise<void>;
}

/** A region's gRPC service; provided by the gRPC module when the scenario uses gRPC. */
export type GrpcRegionFactory = (
  ctx: RegionServerContext,
) => Promise<{ port: number; close(): Promise<void> }>;

export class Region {
  readonly name: string;
  readonly rttMs: number;
  http: Endpoint | undefined;
  grpc: Endpoint | undefined;
  #condition: RegionCondition = HEALTHY;

  constructor(name: string, rttMs: number) {
    this.name = name;
    this.rttMs = rttMs;
  }

  get condition(): RegionCondition {
    return this.#condition;
  }

  async apply(condition: RegionCondition): Promise<void> {
    this.#condition = condition;
    const network = {
      killed: condition.killed,
      blackholed: condition.blackholed,
      addMs: condition.addMs,
    };
    await Promise.all([
      this.http?.proxy.setCondition(network),
      this.grpc?.proxy.setCondition(network),
    ]);
  }

  /** `http://127.0.0.1:PORT`: where a client in the client's region reaches this region. */
  get httpOrigin(): string {
    if (!this.http) throw new Error(`region ${this.name} has no HTTP endpoint`);
    return `http://127.0.0.1:${this.http.proxy.port}`;
  }

  /** `127.0.0.1:PORT` for a gRPC channel. */
  get grpcTarget(): string {
    if (!this.grpc) throw new Error(`region ${this.name} has no gRPC endpoint`);
    return `127.0.0.1:${this.grpc.proxy.port}`;
  }

  async close(): Promise<void> {
    await Promise.all([this.http?.close(), this.grpc?.close()]);
  }
}

export interface WorldOptions {
  readonly scenario: Scenario;
  readonly ledger: WriteLedger;
  readonly random: () => number;
  readonly observer: WorldObserver;
  /** Start a gRPC endpoint in every region (scenario protocol grpc or mixed). */
  readonly grpc?: GrpcRegionFactory;
}

export class World {
  readonly regions: ReadonlyMap<string, Region>;
  readonly #scenario: Scenario;
  readonly #observer: WorldObserver;
  #timers: NodeJS.Timeout[] = [];

  private constructor(scenario: Scenario, regions: Map<string, Region>, observer: WorldObserver) {
    this.#scenario = scenario;
    this.regions = regions;
    this.#observer = observer;
  }

  static async start(options: WorldOptions): Promise<World> {
    const { scenario, ledger, random, observer } = options;
    const regions = new Map<string, Region>();
    const world = new World(scenario, regions, observer);
    try {
      for (const spec of scenario.regions) {
        const region = new Region(spec.name, spec.rttMs);
        regions.set(spec.name, region);
        const ctx = {
          region: spec.name,
          ledger,
          random,
          condition: () => region.condition,
          answered: (kind: AnswerKind) => observer.answered(spec.name, kind),
        };
        const http = await listenHttp(createRegionApp(ctx));
        region.http = await endpoint(spec.name, spec.rttMs, 'http1', http.port, observer, () =>
          closeHttp(http.server),
        );
        if (options.grpc) {
          const grpc = await options.grpc(ctx);
          region.grpc = await endpoint(spec.name, spec.rttMs, 'http2', grpc.port, observer, () =>
            grpc.close(),
          );
        }
      }
    } catch (error) {
      await world.close();
      throw error;
    }
    return world;
  }

  /**
   * Applies the faults on schedule, `startedAt` being the run's time zero
   * (performance.now() clock). Every change point re-evaluates every region.
   */
  scheduleFaults(startedAt: number): void {
    const apply = (tMs: number) => {
      for (const region of this.regions.values()) {
        region
          .apply(conditionAt(this.#scenario.faults, region.name, tMs))
          .catch((error: Error) => this.#observer.harnessError(error.message));
      }
    };
    for (const tMs of changePoints(this.#scenario.faults)) {
      const delay = startedAt + tMs - performance.now();
      if (delay <= 0) {
        apply(tMs);
      } else {
        this.#timers.push(setTimeout(() => apply(tMs), delay));
      }
    }
  }

  region(name: string): Region {
    const region = this.regions.get(name);
    if (!region) throw new Error(`no region ${name}`);
    return region;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    await Promise.all([...this.regions.values()].map((region) => region.close()));
  }
}

async function endpoint(
  region: string,
  rttMs: number,
  protocol: 'http1' | 'http2',
  targetPort: number,
  observer: WorldObserver,
  closeServer: () => Promise<void>,
): Promise<Endpoint> {
  const proxy = new LatencyProxy({
    region,
    targetPort,
    rttMs,
    protocol,
    onArrivals: (count, delivered) => observer.arrivals(region, count, delivered),
  });
  await proxy.listen();
  return {
    proxy,
    close: async () => {
      await proxy.close();
      await closeServer();
    },
  };
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
