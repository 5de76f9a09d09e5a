/**
 * The process `pnpm bench:instructions` runs under callgrind: one subject of the http suite
 * against the suite's loopback server, warmed up with instrumentation off, then `requests`
 * calls at concurrency 64 with it on. Not meant to be run by hand.
 */
import { execFileSync } from 'node:child_process';
import { regionalDispatcher } from '@regionkit/fetch';
import { Agent, request } from 'undici';
import { load } from '../load.js';
import { startServer } from '../suites/http.js';

const [subject, requests, warmup] = process.argv.slice(2);
const { origin, child } = await startServer();
const agent = new Agent();
const regions = [
  { name: 'local', origin, rttMs: 1 },
  { name: 'near', origin: 'http://127.0.0.1:9', rttMs: 20 },
  { name: 'far', origin: 'http://127.0.0.1:7', rttMs: 80 },
];
const dispatcher = regionalDispatcher({ service: 'bench', localRegion: 'local', regions });
const calls: Record<string, () => Promise<unknown>> = {
  undici: async () => (await request(`${origin}/orders/42`, { dispatcher: agent })).body.text(),
  'regionkit-request': async () =>
    (await request('http://bench.regional/orders/42', { dispatcher })).body.text(),
};
const call = calls[subject ?? ''];
if (!call) throw new Error(`unknown subject "${subject}"; choose from ${Object.keys(calls)}`);

await load(call, 64, Number(warmup));
// Count from here: start-up, compilation of the warm-up and the warm-up itself stay out.
execFileSync('callgrind_control', ['--instr=on', String(process.pid)], { stdio: 'ignore' });
await load(call, 64, Number(requests));
child.stdin?.end();
child.kill();
process.exit(0);
