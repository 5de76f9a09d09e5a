/**
 * The http suite's loopback server and how it measures (requests per round, warm-up, rounds).
 * No regionkit import here: `pnpm bench:ab` loads two other builds of regionkit next to it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const CONCURRENCIES = [1, 64] as const;
// REQUESTS, WARMUP, ROUNDS: also read by `pnpm bench:profile` and `pnpm bench:ab`, which measure
// c=64 the same way.
/** Requests per subject per round: bounded, about a second each on a 2-core machine. */
export const REQUESTS: Record<(typeof CONCURRENCIES)[number], number> = { 1: 1_000, 64: 6_000 };
export const WARMUP = 5_000;
export const ROUNDS = 8;

const SERVER = `
const http = require('node:http');
const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('disconnect', () => process.exit(0));
// Exits with its parent: stdin is a pipe from the parent, which closes when the parent ends.
process.stdin.on('end', () => process.exit(0)).resume();
`;

/** The suite's loopback server, in a child process; also used by `pnpm bench:instructions`. */
export async function startServer(): Promise<{ origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [port] = (await once(lines, 'line')) as [string];
  lines.close();
  return { origin: `http://127.0.0.1:${port}`, child };
}
