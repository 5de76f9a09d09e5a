/**
 * The game day's outputs: the compare mode against the naive baseline, summary.json and a
 * self-contained report.html that renders in headless Chromium, the live view, and the CLI's
 * exit codes (the `pnpm demo` / `pnpm gameday` contract).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GameDaySummary,
  type LiveSnapshot,
  LiveView,
  renderReport,
} from '../packages/gameday/src/index.js';
import { findChromium, renderReportInChromium } from '../packages/gameday/src/report/chromium.js';
import { runShort } from './gameday-support.js';

const ROOT = join(import.meta.dirname, '..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gameday-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compare mode and report', () => {
  let summary: GameDaySummary;

  beforeAll(async () => {
    ({ summary } = await runShort('kill-local', { baseline: 'naive', outDir: dir }));
  }, 40_000);

  it('runs the same scenario with the naive client and puts it beside regionkit in summary.json', async () => {
    const written = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as GameDaySummary;
    expect(written.client).toBe('regionkit');
    expect(written.baseline?.client).toBe('naive');
    // Contract fields of summary.json.
    for (const key of [
      'scenario',
      'requests',
      'succeeded',
      'failed',
      'successRate',
      'latencyMs',
      'byRegion',
      'serverRequests',
      'loadAmplification',
      'duplicateWrites',
      'timeToShiftMs',
      'timeToRecoverMs',
      'expect',
      'pass',
      'violations',
    ]) {
      expect(written).toHaveProperty(key);
    }
    expect(Object.keys(written.latencyMs)).toEqual(['p50', 'p99', 'p999']);
    expect(Object.keys(written.byRegion['us-east'] ?? {})).toEqual(
      expect.arrayContaining(['served', 'share']),
    );
    // The naive client never leaves the dead local region: its calls fail while regionkit's do not.
    const naive = summary.baseline as GameDaySummary['baseline'] & object;
    expect(naive.successRate).toBeLessThan(summary.successRate);
    expect(naive.byRegion['us-west']?.served).toBe(0);
    expect(naive.pass).toBe(false);
    // The verdict is regionkit's alone.
    expect(written.pass).toBe(summary.pass);
  });

  it('report.html is self-contained, escapes what it shows, and shades the fault windows', async () => {
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html.match(/<svg/g)?.length).toBe(8); // four charts per run, two runs side by side
    expect(html.match(/class="fault"/g)?.length).toBe(8);
    const hostile = renderReport({
      ...summary,
      scenario: '<img src=x onerror=alert(1)>',
      description: '"><script>alert(1)</script>',
    });
    expect(hostile).not.toContain('<img src=x');
    expect(hostile).not.toContain('<script>');
    expect(hostile).toContain('&lt;script&gt;');
  });

  it('renders in headless Chromium with no request leaving the page, readable at screen size', async (ctx) => {
    const executablePath = findChromium();
    if (!executablePath) {
      if (process.env.CI === 'true')
        throw new Error('CI=true but no Chromium found at /usr/bin/chromium');
      ctx.skip(
        'no Chromium found (install the Debian package `chromium`): skipping the report rendering check',
      );
      return;
    }
    const png = join(dir, 'report.png');
    const page = await renderReportInChromium(join(dir, 'report.html'), png, {
      executablePath,
      width: 1280,
      height: 800,
    });
    expect(page.externalRequests).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.title).toMatch(/^Game day: kill-local — (PASS|FAIL)$/);
    expect(page.charts).toBe(8);
    expect(page.chartsWithData).toBe(8);
    expect(page.firstScreen).toEqual(
      expect.arrayContaining(['success rate', 'p99 latency', 'load amplification']),
    );
    expect((await stat(png)).size).toBeGreaterThan(20_000);
  }, 30_000);
});

describe('live view', () => {
  const snapshot: LiveSnapshot = {
    title: 'gameday demo [regionkit, http]',
    elapsedS: 12,
    durationS: 35,
    calls: 2400,
    succeeded: 2399,
    p99Ms: 71.4,
    amplification: 1.012,
    regions: [
      {
        region: 'us-east',
        local: true,
        share: 0,
        successRate: null,
        p99Ms: null,
        arrivals: 0,
        breaker: 'open',
        faults: ['us-east kill (8–18 s)'],
      },
      {
        region: 'us-west',
        local: false,
        share: 1,
        successRate: 1,
        p99Ms: 64,
        arrivals: 201,
        breaker: 'closed',
        faults: [],
      },
    ],
  };

  function capture(isTTY: boolean): { out: PassThrough & { isTTY?: boolean }; text: () => string } {
    const out = Object.assign(new PassThrough(), { isTTY });
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    return { out, text: () => Buffer.concat(chunks).toString() };
  }

  it('prints one plain line per second when stdout is not a terminal (CI logs)', () => {
    const { out, text } = capture(false);
    const view = new LiveView(out);
    view.update(snapshot);
    view.update({ ...snapshot, elapsedS: 13 });
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toContain('\x1b[');
    expect(lines[0]).toContain('12/35 s  calls 2400  ok 99.96%  p99 71 ms  amplification 1.01');
    expect(lines[0]).toContain('us-east=0%/—/—/open us-west=100%/100%/64 ms/closed');
    expect(lines[0]).toContain('faults: us-east kill (8–18 s)');
  });

  it('redraws a per-region table in place on a terminal', () => {
    const { out, text } = capture(true);
    const view = new LiveView(out);
    view.update(snapshot);
    view.update(snapshot);
    const output = text();
    const block = output.split('\x1b[J')[1] ?? '';
    // The second update moves up over the first block (progress, faults, header, 2 regions).
    expect(output).toContain('\x1b[5A\x1b[J');
    expect(block).toMatch(/us-east \(local\)\s+0\.0%\s+—\s+—\s+0 {2}.*open/);
    expect(block).toMatch(/us-west\s+100\.0%.*100\.0%.*64 ms\s+201 {2}.*closed/);
  });
});

describe.concurrent('command line', () => {
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  const cli = join(ROOT, 'packages', 'gameday', 'src', 'cli.ts');

  /** The root scripts' command: `tsx --conditions=@regionkit/source packages/gameday/src/cli.ts`. */
  function gameday(
    args: string[],
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(tsx, ['--conditions=@regionkit/source', cli, ...args], {
        cwd: ROOT,
        env: { ...process.env, CI: 'true' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => {
        stdout += c;
      });
      child.stderr.on('data', (c) => {
        stderr += c;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  async function scenarioFile(name: string, overrides: Record<string, unknown>): Promise<string> {
    const scenario = {
      name,
      description: 'a tiny run for the CLI test',
      regions: [
        { name: 'us-east', rttMs: 2 },
        { name: 'us-west', rttMs: 20 },
      ],
      local: 'us-east',
      durationS: 1,
      load: { rps: 40, writeRatio: 0.2, protocol: 'http', deadlineMs: 500 },
      faults: [],
      expect: { successRate: 0.99 },
      ...overrides,
    };
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(scenario));
    return file;
  }

  it('rejects a bad scenario before starting anything: exit 2, the field named', async () => {
    const file = await scenarioFile('bad', {
      faults: [{ region: 'us-east', kind: 'kill', atS: 1, forS: 5 }],
    });
    const { code, stderr, stdout } = await gameday(['--scenario', file, '--out', join(dir, 'bad')]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      '`faults[0].forS` makes the fault end at 6 s, after the run ends (durationS 1)',
    );
    expect(stdout).toBe('');
  }, 20_000);

  it('rejects an empty seed and an --out it cannot write to, before starting anything: exit 2', async () => {
    const file = await scenarioFile('args', {});
    for (const seed of ['', ' ']) {
      const { code, stderr } = await gameday(['--scenario', file, '--seed', seed]);
      expect(code).toBe(2);
      expect(stderr).toContain(`--seed is "${seed}"; use a whole number`);
    }
    const aFile = join(dir, 'a-file');
    await writeFile(aFile, 'not a directory');
    const { code, stderr, stdout } = await gameday(['--scenario', file, '--out', join(aFile, 'x')]);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot hold the report');
    expect(stdout).toBe(''); // no run was started
  }, 20_000);

  it('rejects an unknown baseline: exit 2', async () => {
    const { code, stderr } = await gameday(['--scenario', 'x.json', '--baseline', 'smart']);
    expect(code).toBe(2);
    expect(stderr).toContain('--baseline is "smart"; the only baseline is "naive"');
  }, 20_000);

  it('exits 0 when every expectation is met and writes the report where --out says', async () => {
    const file = await scenarioFile('calm', {});
    const out = join(dir, 'calm-out');
    const { code, stdout } = await gameday(['--scenario', file, '--out', out]);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('PASS calm [regionkit]');
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ scenario: 'calm', pass: true, violations: [] });
  }, 30_000);

  it('exits 1 and names the unmet expectation when one fails', async () => {
    const file = await scenarioFile('down', {
      faults: [{ kind: 'partition', atS: 0, forS: 1 }],
      expect: { successRate: 0.99 },
    });
    const { code, stdout } = await gameday(['--scenario', file, '--out', join(dir, 'down-out')]);
    expect(code, stdout).toBe(1);
    expect(stdout).toMatch(/✗ successRate was 0(\.\d+)?, expected at least 0\.99/);
  }, 30_000);
});
