/**
 * `pnpm bench:ab BEFORE AFTER`: `regionkit-request` from two builds (see `pnpm bench:snapshot`)
 * against raw undici `request()`, in one process, in the http suite's interleaved rounds at
 * c=64. One process sees one state of this shared machine, so AFTER / BEFORE repeats to about
 * ±5%, where two separate suite runs differ by up to ±10%: run it a few times and read the
 * spread of the ratio, not one figure. Take both snapshots after the same `pnpm install`: their
 * dependencies are links into it, and undici must be the same for both builds and the baseline.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, type Dispatcher, request } from 'undici';
import { REQUESTS, ROUNDS, startServer, WARMUP } from '../http-plan.js';
import { measureSideBySide } from '../load.js';
import { SNAPSHOT_NAME, snapshotFetchEntry } from './snapshots.js';

const USAGE =
  'usage: pnpm bench:ab BEFORE AFTER (two different names given to pnpm bench:snapshot)';

function buildsToCompare(): [string, string] {
  let positionals: string[];
  try {
    positionals = parseArgs({ allowPositionals: true }).positionals;
  } catch (error) {
    return usageError((error as Error).message);
  }
  const [before, after] = positionals;
  if (positionals.length !== 2 || !before || !after || before === after) return usageError();
  for (const name of [before, after]) {
    if (!SNAPSHOT_NAME.test(name) || !existsSync(snapshotFetchEntry(name))) {
      return usageError(`no snapshot "${name}": run pnpm bench:snapshot ${name} first`);
    }
  }
  return [before, after];
}

function usageError(why?: string): never {
  if (why) console.error(why);
  console.error(USAGE);
  process.exit(2);
}

const [before, after] = buildsToCompare();
const { origin, child } = await startServer();
const raw = new Agent();
const dispatchers: Dispatcher[] = [];
try {
  const regions = [
    { name: 'local', origin, rttMs: 1 },
    { name: 'near', origin: 'http://127.0.0.1:9', rttMs: 20 },
    { name: 'far', origin: 'http://127.0.0.1:7', rttMs: 80 },
  ];
  const subjects = [
    {
      name: 'undici',
      call: async () => (await request(`${origin}/orders/42`, { dispatcher: raw })).body.text(),
    },
  ];
  for (const build of [before, after]) {
    const fetchBuild = await import(pathToFileURL(snapshotFetchEntry(build)).href);
    const dispatcher: Dispatcher = fetchBuild.regionalDispatcher({
      service: 'bench',
      localRegion: 'local',
      regions,
    });
    dispatchers.push(dispatcher);
    subjects.push({
      name: `build ${build}`,
      call: async () =>
        (await request('http://bench.regional/orders/42', { dispatcher })).body.text(),
    });
  }
  const rows = await measureSideBySide(subjects, {
    suite: 'ab',
    warmup: WARMUP,
    calls: { 64: REQUESTS[64] },
    rounds: ROUNDS,
  });
  const rate = (name: string) => rows.find((r) => r.name === name)?.reqPerSec ?? Number.NaN;
  const ratio = (a: string, b: string) => (rate(a) / rate(b)).toFixed(3);
  const [a, b] = [`build ${before}`, `build ${after}`];
  console.log(
    `c=64: ${before} / undici = ${ratio(a, 'undici')}, ${after} / undici = ${ratio(b, 'undici')}; ` +
      `${after} / ${before} = ${ratio(b, a)}`,
  );
} finally {
  await Promise.allSettled([raw.close(), ...dispatchers.map((d) => d.close())]);
  child.kill();
}
