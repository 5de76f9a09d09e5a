/**
 * `pnpm bench [--json FILE] [--suite NAME ...]`: runs the benchmark suites side by side in one
 * process and prints a table per suite. Rows written with --json are a contract other tools
 * read: `{ "results": [ { "suite", "name", ...metrics } ] }`; add fields, never rename.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { grpcSuite } from '../packages/grpc/bench/grpc-suite.js';
import type { BenchRow, BenchSuite } from './row.js';
import { coreSuite } from './suites/core.js';
import { httpSuite } from './suites/http.js';

const suites: Record<string, BenchSuite> = {
  core: coreSuite,
  http: httpSuite,
  grpc: grpcSuite,
};

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    suite: { type: 'string', multiple: true },
  },
});

const chosen = values.suite ?? Object.keys(suites);
for (const name of chosen) {
  if (!suites[name]) {
    console.error(`unknown suite "${name}"; choose from: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}

const results: BenchRow[] = [];
for (const name of chosen) {
  const suite = suites[name] as BenchSuite;
  console.log(`\n## ${name}: ${suite.description}`);
  const rows = await suite.run();
  console.table(rows.map(({ suite: _suite, ...rest }) => rest));
  results.push(...rows);
}

if (values.json) {
  await writeFile(values.json, `${JSON.stringify({ results }, null, 2)}\n`);
  console.log(`\nwrote ${results.length} rows to ${values.json}`);
}
