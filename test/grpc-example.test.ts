import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

describe('examples/grpc-service', () => {
  it('runs by itself, fails over twice and keeps one correlation ID per request', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'node_modules/tsx/dist/cli.mjs',
        '--conditions=@regionkit/source',
        'examples/grpc-service/src/main.ts',
      ],
      { cwd: root, timeout: 30_000 },
    );

    expect(stdout).toContain('6/6 requests kept one correlation ID across every hop.');
    expect(stdout).toMatch(/inventory us-west\s+GetStock p-3\s+attempt 2/);
    expect(stdout).toMatch(/catalog client at the edge failed over us-east → us-west/);
    expect(stdout).not.toContain('✗');
  }, 35_000);
});
