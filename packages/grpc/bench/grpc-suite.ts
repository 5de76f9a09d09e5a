/**
 * Suite `grpc`: loopback throughput and latency of one unary call against the same local
 * grpc-js server (a child process, so its CPU is not this event loop's), side by side:
 * - `grpc-js`: a plain client of the proto-loader constructor (retries off, like ours);
 * - `regionkit-grpc`: the same method through createRegionalGrpcClient (local region healthy).
 * No OpenTelemetry SDK is registered. Rows: { suite: 'grpc', name, concurrency, reqPerSec,
 * p50Ms, p99Ms }. Goal at concurrency 64: regionkit-grpc ≥ 0.9 × grpc-js.
 *
 * Wire it into bench/index.ts with `grpc: grpcSuite`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRegionalGrpcClient } from '@regionkit/grpc';
import { measureSideBySide } from '../../../bench/load.js';

interface BenchRow {
  readonly suite: string;
  readonly name: string;
  readonly [metric: string]: string | number;
}

const CONCURRENCIES = [1, 64] as const;
/** Calls per subject per round: bounded, about a second each on a 2-core machine. */
const CALLS: Record<(typeof CONCURRENCIES)[number], number> = { 1: 2_000, 64: 12_000 };
const WARMUP = 2_000;
const ROUNDS = 3;

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PROTO = fileURLToPath(new URL('../protos/greeter.proto', import.meta.url));

// Runs with its working directory in packages/grpc, where grpc-js and proto-loader resolve.
const SERVER = `
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const pkg = grpc.loadPackageDefinition(loader.loadSync(process.argv[1], { defaults: true }));
const server = new grpc.Server();
const none = () => {};
server.addService(pkg.regionkit.testing.Greeter.service, {
  SayHello: (call, cb) => cb(null, { message: 'hello ' + call.request.name, region: 'local' }),
  CreateOrder: none, ListThings: none, Upload: none, Chat: none,
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => console.log(port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

async function startServer(): Promise<{ target: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER, PROTO], {
    cwd: PACKAGE_DIR,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [port] = (await once(lines, 'line')) as [string];
  lines.close();
  return { target: `127.0.0.1:${port}`, child };
}

type Subject = { name: string; call: () => Promise<unknown>; close: () => void };

function subjects(target: string): Subject[] {
  const definition = protoLoader.loadSync(PROTO, { defaults: true });
  // biome-ignore lint/suspicious/noExplicitAny: untyped proto-loader package
  const Greeter = (grpc.loadPackageDefinition(definition) as any).regionkit.testing
    .Greeter as grpc.ServiceClientConstructor;
  const plain = new Greeter(target, grpc.credentials.createInsecure(), {
    'grpc.enable_retries': 0,
  });
  const greeter = createRegionalGrpcClient(Greeter, {
    service: 'bench',
    localRegion: 'local',
    regions: [
      { name: 'local', target, rttMs: 1 },
      // Backups that a healthy local region never sends to.
      { name: 'near', target: '127.0.0.1:9', rttMs: 20 },
      { name: 'far', target: '127.0.0.1:7', rttMs: 80 },
    ],
    methods: { SayHello: { idempotent: true } },
  });
  const request = { name: 'bench' };
  return [
    {
      name: 'grpc-js',
      call: () =>
        new Promise((resolve, reject) =>
          plain.SayHello(request, (error: unknown, reply: unknown) =>
            error ? reject(error) : resolve(reply),
          ),
        ),
      close: () => plain.close(),
    },
    {
      name: 'regionkit-grpc',
      call: () => greeter.SayHello(request),
      close: () => greeter.close(),
    },
  ];
}

export const grpcSuite = {
  description: `loopback unary gRPC, one local server; ${ROUNDS} interleaved rounds per subject (${CALLS[1]} calls at c=1, ${CALLS[64]} at c=64)`,
  async run(): Promise<BenchRow[]> {
    const { target, child } = await startServer();
    const list = subjects(target);
    let rows: BenchRow[];
    try {
      rows = await measureSideBySide(list, {
        suite: 'grpc',
        warmup: WARMUP,
        calls: CALLS,
        rounds: ROUNDS,
      });
    } finally {
      for (const s of list) s.close();
      child.stdin?.end();
      child.kill();
    }
    const rate = (name: string) =>
      rows.find((r) => r.name === name && r.concurrency === 64)?.reqPerSec as number;
    console.log(
      `c=64: regionkit-grpc / grpc-js = ${(rate('regionkit-grpc') / rate('grpc-js')).toFixed(2)} (goal ≥ 0.9)`,
    );
    return rows;
  },
};
