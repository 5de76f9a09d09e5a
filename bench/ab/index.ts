/**
 * `pnpm bench:ab BEFORE AFTER`: `regionkit-request` from two builds (see `pnpm bench:snapshot`)
 * against raw undici `request()`, in one process, in the http suite's interleaved rounds at
 * c=64. One process sees one state of this shared machine, so AFTER / BEFORE repeats to about
 * ±5%, where two separate suite runs differ by up to ±10%: run it a few times and read the
 * spread of the ratio, not one figure.
 */
import { parseArgs } from 'node:util';
import { Agent, type Dispatcher, request } from 'undici';
import { measureSideBySide } from '../load.js';
import { REQUESTS, ROUNDS, startServer, WARMUP } from '../suites/http.js';

const { positionals } = parseArgs({ allowPositionals: true });
if (positionals.length !== 2) {
  console.error('usage: pnpm bench:ab BEFORE AFTER (names given to pnpm bench:snapshot)');
  process.exit(2);
}
const [before, after] = positionals as [string, string];

const { origin, child } = await startServer();
const regions = [
  { name: 'local', origin, rttMs: 1 },
  { name: 'near', origin: 'http://127.0.0.1:9', rttMs: 20 },
  { name: 'far', origin: 'http://127.0.0.1:7', rttMs: 80 },
];
const raw = new Agent();
const dispatchers: Dispatcher[] = [];
const subjects = [
  {
    name: 'undici',
    call: async () => (await request(`${origin}/orders/42`, { dispatcher: raw })).body.text(),
  },
];
for (const build of [before, after]) {
  const fetchBuild = await import(`../../.ab/${build}/node_modules/@regionkit/fetch/dist/index.js`);
  const dispatcher: Dispatcher = fetchBuild.regionalDispatcher({
    service: 'bench',
    localRegion: 'local',
    regions,
  });
  dispatchers.push(dispatcher);
  subjects.push({
    name: build,
    call: async () =>
      (await request('http://bench.regional/orders/42', { dispatcher })).body.text(),
  });
}
try {
  const rows = await measureSideBySide(subjects, {
    suite: 'ab',
    warmup: WARMUP,
    calls: { 64: REQUESTS[64] },
    rounds: ROUNDS,
  });
  const rate = (name: string) => rows.find((r) => r.name === name)?.reqPerSec ?? Number.NaN;
  const ratio = (a: string, b: string) => (rate(a) / rate(b)).toFixed(3);
  console.log(
    `c=64: ${before} / undici = ${ratio(before, 'undici')}, ${after} / undici = ` +
      `${ratio(after, 'undici')}; ${after} / ${before} = ${ratio(after, before)}`,
  );
} finally {
  await Promise.allSettled([raw.close(), ...dispatchers.map((d) => d.close())]);
  child.kill();
}
