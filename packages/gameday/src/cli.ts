/**
 * `pnpm gameday --scenario FILE [--out DIR] [--baseline naive] [--seed N]` and `pnpm demo`.
 * Exit code: 0 when every expectation was met, 1 when one was not, 2 when the scenario or
 * the command line is wrong (nothing was started).
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { SUPPORTED_PROTOCOLS, UNSUPPORTED_PROTOCOL_WHY } from './protocols.js';
import { runGameDay } from './run.js';
import { loadScenarioFile, ScenarioError } from './scenario.js';

const USAGE = `usage: pnpm gameday --scenario FILE [--out DIR] [--baseline naive] [--seed N]
  --scenario FILE   scenario JSON (see scenarios/ and packages/gameday/README.md)
  --out DIR         where summary.json and report.html go (default .gameday/<scenario name>)
  --baseline naive  also run a naive client (undici + p-retry, local region only) and compare
  --seed N          seed of the harness's random draws (default 1)`;

async function main(): Promise<number> {
  let values: { scenario?: string; out?: string; baseline?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        scenario: { type: 'string' },
        out: { type: 'string' },
        baseline: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.scenario) {
    console.error(`--scenario is required\n${USAGE}`);
    return 2;
  }
  if (values.baseline !== undefined && values.baseline !== 'naive') {
    console.error(`--baseline is "${values.baseline}"; the only baseline is "naive"\n${USAGE}`);
    return 2;
  }
  // Number('') is 0: the text itself must be a whole number.
  const seed =
    values.seed === undefined || !/^-?\d+$/.test(values.seed) ? undefined : Number(values.seed);
  if (values.seed !== undefined && (seed === undefined || !Number.isSafeInteger(seed))) {
    console.error(`--seed is "${values.seed}"; use a whole number\n${USAGE}`);
    return 2;
  }

  let scenario: Awaited<ReturnType<typeof loadScenarioFile>>;
  try {
    scenario = await loadScenarioFile(values.scenario, {
      protocols: SUPPORTED_PROTOCOLS,
      unsupportedWhy: UNSUPPORTED_PROTOCOL_WHY,
    });
  } catch (error) {
    if (error instanceof ScenarioError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const outDir = values.out ?? `.gameday/${basename(values.scenario).replace(/\.json$/, '')}`;
  // Before the run, not after it: a run whose summary cannot be written is lost.
  try {
    await mkdir(outDir, { recursive: true });
    await access(outDir, constants.W_OK);
  } catch (error) {
    console.error(`--out ${outDir} cannot hold the report: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const result = await runGameDay(scenario, {
    outDir,
    ...(values.baseline === 'naive' ? { baseline: 'naive' as const } : {}),
    ...(seed === undefined ? {} : { seed }),
  });
  console.log(`\nreport: ${result.files?.report}\nsummary: ${result.files?.summary}`);
  console.log(
    result.pass ? 'PASS: every expectation met' : 'FAIL: see the unmet expectations above',
  );
  return result.pass ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('game day crashed:', error);
    process.exitCode = 2;
  },
);
