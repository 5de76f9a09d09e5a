/**
 * Builds the package in the current directory (`pnpm build` in packages/*): empties dist/, then
 * compiles with tsconfig.build.json. tsc never deletes what it emitted for a source file that was
 * since removed or renamed, and dist/ is what a package publishes (and what `pnpm
 * bench:snapshot` copies), so a stale module could otherwise ship or be measured.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
try {
  execFileSync('tsc', ['-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
    shell: process.platform === 'win32', // tsc is a .cmd shim there
  });
} catch (error) {
  // tsc has printed its errors; a stack trace of this script would only bury them.
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
