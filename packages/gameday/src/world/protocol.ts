/**
 * Messages between the runner and the world process. The world (region servers and the latency
 * proxies that simulate the network) runs in its own process so its CPU work never delays the
 * client's timers: on a real network, the network does not run on the client's event loop.
 */
import type { IntervalCounts, RecorderSnapshot } from '../metrics/region-recorder.js';
import type { Scenario } from '../scenario.js';

export interface RegionEndpoints {
  /** Port of the latency proxy in front of the region's HTTP service. */
  readonly httpPort: number;
  /** Port of the proxy in front of its gRPC service, when the scenario uses gRPC. */
  readonly grpcPort?: number;
}

export interface WriteCounts {
  readonly applied: number;
  readonly replayed: number;
  readonly duplicates: number;
}

export type ToWorld =
  | {
      readonly type: 'start';
      readonly scenario: Scenario;
      readonly seed: number;
      readonly grpc: boolean;
    }
  /** Time zero of the run as epoch ms (performance.timeOrigin + performance.now()). */
  | { readonly type: 'schedule'; readonly startedAtEpochMs: number }
  | { readonly type: 'finish' };

export type FromWorld =
  | { readonly type: 'started'; readonly endpoints: Record<string, RegionEndpoints> }
  | { readonly type: 'interval'; readonly counts: IntervalCounts; readonly serverRequests: number }
  | { readonly type: 'finished'; readonly recorder: RecorderSnapshot; readonly writes: WriteCounts }
  | { readonly type: 'error'; readonly message: string };
