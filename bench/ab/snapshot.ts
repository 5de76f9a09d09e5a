/**
 * `pnpm bench:snapshot NAME`: copies the built @regionkit/core and @regionkit/fetch into
 * `.ab/NAME/node_modules`, so `pnpm bench:ab` can load two builds into one process. Their
 * dependencies are links to this checkout's, so both builds share one undici: only regionkit's
 * code differs between them.
 */
import { cpSync, mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SNAPSHOT_NAME, snapshotDir } from './snapshots.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const name = process.argv[2];
// A plain name: nothing that resolves outside .ab/ (".", "..") is ever removed below.
if (!name || !SNAPSHOT_NAME.test(name) || name === 'undici') {
  console.error(
    'usage: pnpm bench:snapshot NAME (a letter or digit, then letters, digits, ".", "-", "_"; not "undici")',
  );
  process.exit(2);
}

const snapshot = snapshotDir(name);
const modules = join(snapshot, 'node_modules');
rmSync(snapshot, { recursive: true, force: true });
for (const pkg of ['core', 'fetch']) {
  const to = join(modules, '@regionkit', pkg);
  mkdirSync(to, { recursive: true });
  for (const part of ['package.json', 'dist']) {
    cpSync(join(root, 'packages', pkg, part), join(to, part), { recursive: true });
  }
}
const shared: Record<string, string> = {
  undici: 'packages/fetch/node_modules/undici',
  opossum: 'packages/core/node_modules/opossum',
  'p-retry': 'packages/core/node_modules/p-retry',
  '@opentelemetry/api': 'packages/core/node_modules/@opentelemetry/api',
};
for (const [dependency, from] of Object.entries(shared)) {
  mkdirSync(dirname(join(modules, dependency)), { recursive: true });
  symlinkSync(realpathSync(join(root, from)), join(modules, dependency));
}
console.log(`snapshot of the current build in .ab/${name}`);
