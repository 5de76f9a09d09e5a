/**
 * The process `pnpm bench:instructions` runs under callgrind: one subject of the http suite
 * against the suite's loopback server, warmed up with instrumentation off, then `requests`
 * calls at concurrency 64 with it on. Not meant to be run by hand.
 */
import { execFileSync } from 'node:child_process';
import { load } from '../load.js';
import { startServer, subjects } from '../suites/http.js';

const [name, requests, warmup] = process.argv.slice(2);
const { origin, child } = await startServer();
const all = subjects(origin);
const call = all.find((s) => s.name === name)?.call;
if (!call) throw new Error(`unknown subject "${name}"; choose from ${all.map((s) => s.name)}`);

await load(call, 64, Number(warmup));
// Count from here: start-up, compilation of the warm-up and the warm-up itself stay out.
execFileSync('callgrind_control', ['--instr=on', String(process.pid)], { stdio: 'ignore' });
await load(call, 64, Number(requests));
child.stdin?.end();
child.kill();
process.exit(0);
