/**
 * Entry point of the world process (forked by RemoteWorld): starts the regions, applies the
 * faults on the runner's clock, reports what the regions saw, and exits when told to finish
 * or when the runner goes away.
 */
import { performance } from 'node:perf_hooks';
import { GAMEDAY_DEFAULTS } from '../defaults.js';
import { RegionRecorder } from '../metrics/region-recorder.js';
import { seededRandom } from '../random.js';
import type { FromWorld, RegionEndpoints, ToWorld } from './protocol.js';
import { World } from './world.js';
import { WriteLedger } from './write-ledger.js';

let world: World | undefined;
let recorder: RegionRecorder | undefined;
const ledger = new WriteLedger();
let ticker: NodeJS.Timeout | undefined;

function send(message: FromWorld): void {
  process.send?.(message);
}

async function handle(message: ToWorld): Promise<void> {
  switch (message.type) {
    case 'start': {
      const { scenario, seed } = message;
      recorder = new RegionRecorder(scenario.regions.map((r) => r.name));
      const grpc = message.grpc ? (await import('./region-grpc.js')).startRegionGrpc : undefined;
      world = await World.start({
        scenario,
        ledger,
        // Its own stream, so injected errors do not shift the load generator's draws.
        random: seededRandom(seed * 7919),
        observer: recorder,
        ...(grpc ? { grpc } : {}),
      });
      const endpoints: Record<string, RegionEndpoints> = {};
      for (const region of world.regions.values()) {
        endpoints[region.name] = {
          httpPort: region.http?.proxy.port ?? 0,
          ...(region.grpc ? { grpcPort: region.grpc.proxy.port } : {}),
        };
      }
      send({ type: 'started', endpoints });
      return;
    }
    case 'schedule': {
      const startedAt = message.startedAtEpochMs - performance.timeOrigin;
      recorder?.start(startedAt);
      world?.scheduleFaults(startedAt);
      ticker = setInterval(() => {
        if (!recorder) return;
        send({
          type: 'interval',
          counts: recorder.takeInterval(),
          serverRequests: recorder.serverRequests,
        });
      }, GAMEDAY_DEFAULTS.liveIntervalMs);
      return;
    }
    case 'finish': {
      clearInterval(ticker);
      await world?.close();
      const snapshot = recorder?.snapshot() ?? { seconds: {}, totals: {}, harnessErrors: [] };
      send({
        type: 'finished',
        recorder: snapshot,
        writes: {
          applied: ledger.applied,
          replayed: ledger.replayed,
          duplicates: ledger.duplicateWrites,
        },
      });
      process.disconnect?.();
      return;
    }
  }
}

process.on('message', (message: ToWorld) => {
  handle(message).catch((error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});
// The runner went away (finished, crashed or was interrupted): nothing left to serve.
process.on('disconnect', () => {
  clearInterval(ticker);
  void world?.close().finally(() => process.exit(0));
  if (!world) process.exit(0);
});
