/**
 * Builds the package in the current directory (`pnpm build` in packages/*): empties dist/, then
 * compiles with tsconfig.build.json. tsc never deletes what it emitted for a source file that was
 * since removed or renamed, and dist/ is what a package publishes (and what `pnpm
 * bench:snapshot` copies), so a stale module could otherwise ship or be measured.
 */
import { execSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
try {
  // Through the shell, one fixed command: tsc is a .cmd shim on Windows.
  execSync('tsc -p tsconfig.build.json', { stdio: 'inherit' });
} catch (error) {
  if (typeof error.status === 'number' && error.status !== 127) {
    process.exit(error.status); // tsc ran and printed its errors
  }
  console.error(`could not run tsc (is it on PATH? run through pnpm): ${error.message}`);
  process.exit(1);
}
