/**
 * Pure logic of the game-day harness: the scenario contract (validation with errors that name
 * the field), how overlapping faults compose, the shift window, and the request counters the
 * latency proxy uses to count attempts it swallows.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changePoints, conditionAt, disruptionWindow } from '../packages/gameday/src/faults.js';
import {
  parseScenario,
  type Scenario,
  ScenarioError,
  scaleScenario,
} from '../packages/gameday/src/index.js';
import type { CallRecord } from '../packages/gameday/src/load/generator.js';
import { loopDelayMonitor, loopDelayMs } from '../packages/gameday/src/metrics/loop-delay.js';
import { percentile } from '../packages/gameday/src/metrics/percentile.js';
import { RegionRecorder } from '../packages/gameday/src/metrics/region-recorder.js';
import {
  checkExpectations,
  shiftTimes,
  summarize,
} from '../packages/gameday/src/metrics/summary.js';
import {
  Http1RequestCounter,
  Http2RequestCounter,
} from '../packages/gameday/src/world/request-counter.js';

const SCENARIOS = join(import.meta.dirname, '..', 'scenarios');

const valid = {
  name: 'kill-local',
  description: 'The local region stops accepting connections for 10 s.',
  regions: [
    { name: 'us-east', rttMs: 2 },
    { name: 'us-west', rttMs: 60 },
    { name: 'eu-west', rttMs: 80 },
  ],
  local: 'us-east',
  durationS: 30,
  load: { rps: 200, writeRatio: 0.2, protocol: 'http' },
  faults: [{ region: 'us-east', kind: 'kill', atS: 10, forS: 10 }],
  expect: { successRate: 0.999, duplicateWrites: 0, maxLoadAmplification: 1.2 },
};

/** The problems parseScenario reports for `input`. */
function problems(input: unknown, supported?: Parameters<typeof parseScenario>[2]): string[] {
  try {
    parseScenario(input, 'test.json', supported);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return [...(error as ScenarioError).problems];
  }
  throw new Error('expected the scenario to be rejected');
}

/** A scenario as loose JSON, so a test can break it in any way a hand-written file might. */
// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary JSON on purpose
type LooseJson = any;

function withChanges(change: (s: LooseJson) => void): unknown {
  const copy: LooseJson = structuredClone(valid);
  change(copy);
  return copy;
}

/** The valid scenario with these faults instead of its own, parsed. */
function withFaults(faults: LooseJson[]): Scenario {
  return parseScenario(withChanges((s) => (s.faults = faults)));
}

describe('scenario files', () => {
  it('parses the example of the issue and fills the defaults', () => {
    const scenario = parseScenario(valid);
    expect(scenario.load.deadlineMs).toBe(2000);
    expect(scenario.faults).toEqual([{ region: 'us-east', kind: 'kill', atS: 10, forS: 10 }]);
  });

  it('every shipped scenario is valid and covers the required cases', async () => {
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.json'));
    const kinds = new Set<string>();
    const protocols = new Set<string>();
    for (const file of files) {
      const scenario = parseScenario(
        JSON.parse(await readFile(join(SCENARIOS, file), 'utf8')),
        file,
      );
      expect(`${scenario.name}.json`).toBe(file);
      for (const fault of scenario.faults) kinds.add(fault.kind);
      protocols.add(scenario.load.protocol);
    }
    for (const name of [
      'demo',
      'kill-local',
      'blackhole-local',
      'slow-local',
      'gray-local',
      'throttle-local',
      'flap-local',
      'all-down',
    ]) {
      expect(files).toContain(`${name}.json`);
    }
    expect([...kinds].sort()).toEqual(
      ['blackhole', 'errors', 'flap', 'kill', 'latency', 'partition', 'throttle'].sort(),
    );
    expect([...protocols].sort()).toEqual(['grpc', 'http', 'mixed']);
  });

  it('rejects unknown keys, naming the field and listing the allowed ones', () => {
    expect(problems(withChanges((s) => (s.colour = 'red')))).toEqual([
      expect.stringMatching(/^`colour` is not a known field; allowed here: name, description/),
    ]);
    expect(problems(withChanges((s) => (s.load.rpm = 3)))[0]).toMatch(
      /^`load.rpm` is not a known field/,
    );
    expect(problems(withChanges((s) => (s.faults[0].addMs = 3)))[0]).toMatch(
      /^`faults\[0\].addMs` is not a known field; allowed here: region, kind, atS, forS$/,
    );
    expect(problems(withChanges((s) => (s.expect.successrate = 1)))[0]).toMatch(
      /^`expect.successrate`/,
    );
  });

  it('rejects unknown fault kinds and protocols', () => {
    expect(problems(withChanges((s) => (s.faults[0].kind = 'explode')))).toEqual([
      expect.stringMatching(
        /^`faults\[0\].kind` is "explode"; use one of kill, blackhole, latency/,
      ),
    ]);
    expect(problems(withChanges((s) => (s.load.protocol = 'smtp')))[0]).toMatch(
      /^`load.protocol` is "smtp"/,
    );
  });

  it('rejects negative numbers and out-of-range shares', () => {
    const found = problems(
      withChanges((s) => {
        s.regions[1].rttMs = -5;
        s.faults[0].atS = -1;
        s.load.writeRatio = 1.5;
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^`regions\[1\].rttMs` is -5; it must be ≥ 0/),
      expect.stringMatching(/^`load.writeRatio` is 1.5; it must be ≤ 1/),
      expect.stringMatching(/^`faults\[0\].atS` is -1; it must be ≥ 0/),
    ]);
  });

  it('rejects faults outside the run and on unknown regions', () => {
    expect(problems(withChanges((s) => (s.faults[0].atS = 25)))).toEqual([
      expect.stringMatching(
        /^`faults\[0\].forS` makes the fault end at 35 s, after the run ends \(durationS 30\)/,
      ),
    ]);
    expect(problems(withChanges((s) => (s.faults[0].region = 'mars')))[0]).toMatch(
      /^`faults\[0\].region` is "mars", which is not one of regions \[us-east, us-west, eu-west\]/,
    );
    expect(problems(withChanges((s) => (s.local = 'ap-south')))[0]).toMatch(
      /^`local` is "ap-south"/,
    );
  });

  it('checks the fields each kind needs', () => {
    const found = problems(
      withChanges((s) => {
        s.faults = [
          { region: 'us-east', kind: 'latency', atS: 1, forS: 1 },
          { region: 'us-east', kind: 'errors', rate: 2, atS: 1, forS: 1 },
          { region: 'us-east', kind: 'throttle', retryAfterS: 1.5, atS: 1, forS: 1 },
          { region: 'us-east', kind: 'flap', periodS: 5, atS: 1, forS: 2 },
        ];
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^`faults\[0\].addMs` must be a number, got nothing/),
      expect.stringMatching(/^`faults\[1\].rate` is 2; it must be ≤ 1/),
      expect.stringMatching(/^`faults\[2\].retryAfterS` is 1.5; it must be a whole number/),
      expect.stringMatching(/^`faults\[3\].periodS` is 5, longer than forS 2/),
    ]);
  });

  it('refuses faults and flap periods shorter than the 1 ms the harness schedules in', () => {
    const found = problems(
      withChanges((s) => {
        s.faults = [
          { region: 'us-east', kind: 'kill', atS: 1, forS: 0.0004 },
          { region: 'us-east', kind: 'flap', periodS: 0.0004, atS: 1, forS: 2 },
        ];
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^`faults\[0\].forS` is 0.0004; it must be ≥ 0.001/),
      expect.stringMatching(/^`faults\[1\].periodS` is 0.0004; it must be ≥ 0.001/),
    ]);
  });

  it('a partition needs no region, and throttle defaults to every call with Retry-After 1 s', () => {
    const scenario = parseScenario(
      withChanges((s) => {
        s.faults = [
          { kind: 'partition', atS: 1, forS: 2 },
          { region: 'us-west', kind: 'throttle', atS: 1, forS: 2 },
        ];
      }),
    );
    expect(scenario.faults[1]).toMatchObject({ kind: 'throttle', rate: 1, retryAfterS: 1 });
  });

  it('refuses a protocol whose adapter is missing, saying why', () => {
    const found = problems(
      withChanges((s) => (s.load.protocol = 'grpc')),
      { protocols: ['http'], unsupportedWhy: 'gRPC adapter not available yet' },
    );
    expect(found).toEqual(['`load.protocol` is "grpc": gRPC adapter not available yet']);
  });

  it('the error message names the file and points at the format documentation', () => {
    expect(() => parseScenario([], 'bad.json')).toThrow(
      /invalid scenario bad.json:\n {2}- `\(root\)` must be an object, got an array\nSee packages\/gameday\/README.md/,
    );
  });

  it('scaleScenario shortens every time in a scenario, including time expectations', () => {
    const scenario = parseScenario(
      withChanges((s) => {
        s.faults.push({ region: 'us-west', kind: 'flap', periodS: 2, atS: 4, forS: 8 });
        s.expect.maxTimeToRecoverMs = 10_000;
      }),
    );
    const short = scaleScenario(scenario, 0.1, 50);
    expect(short.durationS).toBe(3);
    expect(short.load.rps).toBe(50);
    expect(short.faults).toEqual([
      { region: 'us-east', kind: 'kill', atS: 1, forS: 1 },
      { region: 'us-west', kind: 'flap', periodS: 0.2, atS: 0.4, forS: 0.8 },
    ]);
    expect(short.expect.maxTimeToRecoverMs).toBe(1000);
  });
});

describe('edges found in review', () => {
  it('accepts decimal times that fit, and refuses a load that makes no calls', () => {
    expect(() =>
      parseScenario(
        withChanges((s) => {
          s.durationS = 3.3;
          s.faults[0].atS = 1.1;
          s.faults[0].forS = 2.2; // 3.3000000000000003 in floating point
        }),
      ),
    ).not.toThrow();
    expect(problems(withChanges((s) => (s.load.rps = 0.01)))).toEqual([
      expect.stringMatching(/^`load.rps` × durationS makes 0.3 calls, which rounds to none/),
    ]);
  });

  it('a broken field is reported once, not again by every field that refers to it', () => {
    const durationBroken = problems(withChanges((s) => (s.durationS = 'long')));
    expect(durationBroken).toEqual([expect.stringMatching(/^`durationS`/)]);
    const regionsBroken = problems(withChanges((s) => (s.regions = 'three')));
    expect(regionsBroken).toEqual([expect.stringMatching(/^`regions`/)]);
    // us-east is still declared: local and the fault naming it are fine.
    const rttBroken = problems(withChanges((s) => (s.regions[0].rttMs = -1)));
    expect(rttBroken).toEqual([expect.stringMatching(/^`regions\[0\]\.rttMs`/)]);
    const rpsBroken = problems(withChanges((s) => (s.load.rps = 'fast')));
    expect(rpsBroken).toEqual([expect.stringMatching(/^`load\.rps`/)]);
  });

  it('a flap starting at a decimal second still alternates on time', () => {
    const flap = parseScenario(
      withChanges((s) => {
        s.faults = [{ region: 'us-east', kind: 'flap', periodS: 1, atS: 4.03, forS: 4 }];
      }),
    );
    const killedAt = (ms: number) => conditionAt(flap.faults, 'us-east', ms).killed;
    // 4.03 s is 4030 ms: killed 4030-5030, up 5030-6030, killed 6030-7030, up 7030-8030.
    expect([4030, 5029, 5030, 6029, 6030, 7030].map(killedAt)).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect(changePoints(flap.faults)).toEqual([4030, 5030, 6030, 7030, 8030]);
  });

  it('expectations are checked against exact ratios, and a partition needs no shift', () => {
    const measured = {
      successRate: 0.9995, // 0.99945 rounded for the report
      loadAmplification: 1.2,
      latencyMs: { p50: 1, p99: 1, p999: 1 },
      failedLatencyMs: null,
      duplicateWrites: 0,
      timeToShiftMs: null,
      timeToRecoverMs: 500,
      shift: { needed: true, region: 'us-east', everywhere: true },
    } as unknown as Parameters<typeof checkExpectations>[0];
    const exact = { successRate: 0.99945, loadAmplification: 1.20004 };
    expect(
      checkExpectations(
        measured,
        { successRate: 0.9995, maxLoadAmplification: 1.2, maxTimeToShiftMs: 1_000 },
        exact,
      ),
    ).toEqual([
      'successRate was 0.9995 (0.99945 unrounded), expected at least 0.9995',
      'loadAmplification was 1.2 (1.20004 unrounded), expected at most 1.2',
    ]);
  });

  it('a client that never shifted before a late partition fails maxTimeToShiftMs, unless there was no time to', () => {
    const neverShifted = (shiftUntilMs: number) =>
      ({
        successRate: 1,
        loadAmplification: 1,
        latencyMs: { p50: 1, p99: 1, p999: 1 },
        failedLatencyMs: null,
        duplicateWrites: 0,
        timeToShiftMs: null,
        timeToRecoverMs: 500,
        shift: {
          needed: true,
          region: 'us-east',
          everywhere: false,
          faultStartMs: 1000,
          shiftUntilMs,
        },
      }) as unknown as Parameters<typeof checkExpectations>[0];
    const exact = { successRate: 1, loadAmplification: 1 };
    const expectation = { maxTimeToShiftMs: 500 };
    expect(checkExpectations(neverShifted(4900), expectation, exact)).toEqual([
      'traffic never moved off us-east while it was down (expected within 500 ms)',
    ]);
    expect(checkExpectations(neverShifted(1300), expectation, exact)).toEqual([]);
  });

  it('a run whose load generator fell behind its schedule fails, saying how far', () => {
    const scenario = parseScenario(
      withChanges((s) => {
        s.durationS = 2;
        s.load.rps = 100; // call n is due at n × 10 ms
        s.faults = [];
        s.expect = {};
      }),
    );
    const run = (lagMs: (seq: number) => number) => {
      const records = Array.from({ length: 200 }, (_, seq): CallRecord => {
        const startMs = seq * 10 + lagMs(seq);
        const call = { seq, startMs, endMs: startMs + 5, kind: 'read', protocol: 'http' } as const;
        return { ...call, ok: true, status: '200', servedBy: 'us-east' };
      });
      return summarize({
        scenario,
        client: 'regionkit',
        records,
        recorder: new RegionRecorder(scenario.regions.map((r) => r.name)),
        writes: { applied: 0, replayed: 0, duplicates: 0 },
        eventLoopDelayP99Ms: 1,
        eventLoopDelayMaxMs: 1,
      });
    };
    const onTime = run(() => 4); // the generator's 5 ms tick
    expect(onTime.harness.lateStarts).toBe(0);
    expect(onTime.violations).toEqual([]);
    expect(run((seq) => (seq >= 195 ? 150 : 4)).violations).toEqual([]); // 2.5% late
    const behind = run((seq) => (seq >= 180 ? 150 : 4)); // 10% late
    expect(behind.harness.lateStarts).toBe(20);
    expect(behind.pass).toBe(false);
    expect(behind.violations).toEqual([
      expect.stringContaining(
        'the load generator fell behind: 20 of 200 calls started more than 100 ms',
      ),
    ]);
  });

  it('the event-loop delay of the runner leaves out the 10 ms sampling interval', async () => {
    // Node records the interval between its sampler's runs, so even an idle loop reads ~10 ms
    // (more on a busy machine, never much less).
    const monitor = loopDelayMonitor();
    monitor.enable();
    await new Promise((resolve) => setTimeout(resolve, 100));
    monitor.disable();
    expect(monitor.percentile(50) / 1e6).toBeGreaterThan(5);
    expect(loopDelayMs(10_084_352)).toBe(0.1); // an idle sample: no delay to speak of
    expect(loopDelayMs(9_723_904)).toBe(0); // the sampler can run a little early
    expect(loopDelayMs(60_000_000)).toBe(50);
  });

  it('p99.9 of 6000 calls is the 5994th, not the 5995th', () => {
    const values = Array.from({ length: 6000 }, (_, i) => i + 1);
    expect(percentile(values, 99.9)).toBe(5994);
    expect(percentile(values, 50)).toBe(3000);
  });
});

describe('fault composition', () => {
  const scenario = parseScenario(
    withChanges((s) => {
      s.faults = [
        { region: 'us-east', kind: 'latency', addMs: 100, atS: 0, forS: 10 },
        { region: 'us-east', kind: 'latency', addMs: 50, atS: 5, forS: 10 },
        { region: 'us-east', kind: 'errors', rate: 0.5, atS: 5, forS: 5 },
        { region: 'us-east', kind: 'errors', rate: 0.5, atS: 5, forS: 5 },
        { region: 'us-west', kind: 'flap', periodS: 2, atS: 10, forS: 6 },
        { kind: 'partition', atS: 20, forS: 2 },
      ];
    }),
  );

  it('adds latencies, combines error draws, and leaves other regions alone', () => {
    expect(conditionAt(scenario.faults, 'us-east', 1000)).toMatchObject({
      addMs: 100,
      errorRate: 0,
    });
    expect(conditionAt(scenario.faults, 'us-east', 6000)).toMatchObject({
      addMs: 150,
      errorRate: 0.75,
    });
    expect(conditionAt(scenario.faults, 'us-east', 12_000)).toMatchObject({
      addMs: 50,
      errorRate: 0,
    });
    expect(conditionAt(scenario.faults, 'eu-west', 6000).killed).toBe(false);
  });

  it('a flap starts killed and alternates every period; a partition blackholes every region', () => {
    const killed = [10_000, 11_999, 12_000, 14_000, 15_999, 16_000].map(
      (t) => conditionAt(scenario.faults, 'us-west', t).killed,
    );
    expect(killed).toEqual([true, true, false, true, true, false]);
    for (const region of ['us-east', 'us-west', 'eu-west']) {
      expect(conditionAt(scenario.faults, region, 21_000).blackholed).toBe(true);
    }
    expect(changePoints(scenario.faults)).toEqual([
      0, 5000, 10_000, 12_000, 14_000, 15_000, 16_000, 20_000, 22_000,
    ]);
  });

  it('the disruption window of the local region ignores latency and merges overlapping faults', () => {
    expect(disruptionWindow(scenario.faults, 'us-east')).toEqual({
      startMs: 5000,
      endMs: 10_000,
      shiftUntilMs: 10_000,
      everywhere: false,
    });
    const slowOnly = withFaults([
      { region: 'us-east', kind: 'latency', addMs: 300, atS: 1, forS: 1 },
    ]);
    expect(disruptionWindow(slowOnly.faults, 'us-east')).toBeUndefined();
  });

  it('a partition late in the window ends the time to shift; it does not make it all "everywhere"', () => {
    const late = withFaults([
      { region: 'us-east', kind: 'kill', atS: 1, forS: 4 },
      { kind: 'partition', atS: 4.9, forS: 0.1 },
    ]);
    expect(disruptionWindow(late.faults, 'us-east')).toEqual({
      startMs: 1000,
      endMs: 5000,
      shiftUntilMs: 4900,
      everywhere: false,
    });
    const fromTheStart = withFaults([
      { kind: 'partition', atS: 1, forS: 1 },
      { region: 'us-east', kind: 'kill', atS: 1, forS: 4 },
    ]);
    expect(disruptionWindow(fromTheStart.faults, 'us-east')).toMatchObject({ everywhere: true });
  });
});

describe('timeToShiftMs and timeToRecoverMs', () => {
  const scenario: Scenario = parseScenario(valid); // kill us-east 10–20 s of 30
  /** One successful call every 10 ms, served by `who(t)`. */
  const calls = (who: (tMs: number) => string) =>
    Array.from({ length: 3000 }, (_, i) => ({
      seq: i,
      startMs: i * 10,
      endMs: i * 10 + 5,
      kind: 'read' as const,
      protocol: 'http' as const,
      ok: true,
      status: '200',
      servedBy: who(i * 10),
    }));

  it('measures from the fault edges to the first 1-s window that is ≥ 95% shifted', () => {
    // Traffic leaves 400 ms after the fault starts and returns 2.5 s after it ends.
    const { timeToShiftMs, timeToRecoverMs, shift } = shiftTimes(
      scenario,
      calls((t) => (t >= 10_400 && t < 22_500 ? 'us-west' : 'us-east')),
    );
    // Windows slide by 100 ms: [10 400, 11 400) is the first with ≤ 5% served by us-east.
    expect(timeToShiftMs).toBe(400);
    expect(timeToRecoverMs).toBe(2500);
    expect(shift).toMatchObject({ needed: true, reached: true, recovered: true });
  });

  it('recovery needs the local region to answer the calls again, not just to be the only one answering', () => {
    // Every call fails until 1.5 s after the fault ends, then us-east answers them all.
    const records = calls(() => 'us-east').map((r) =>
      r.startMs >= 10_000 && r.startMs < 21_500 ? { ...r, ok: false, servedBy: undefined } : r,
    );
    const { timeToRecoverMs, timeToShiftMs } = shiftTimes(scenario, records);
    expect(timeToRecoverMs).toBe(1500);
    expect(timeToShiftMs).toBeNull(); // nothing succeeded anywhere else
  });

  it('null with reached=false when traffic never moved', () => {
    const { timeToShiftMs, shift } = shiftTimes(
      scenario,
      calls(() => 'us-east'),
    );
    expect(timeToShiftMs).toBeNull();
    expect(shift.reached).toBe(false);
  });
});

describe('request counters of the latency proxy', () => {
  it('HTTP/1.1: counts requests across arbitrary chunk boundaries, with bodies and chunked encoding', () => {
    const wire = Buffer.from(
      'GET /items/1 HTTP/1.1\r\nhost: a\r\n\r\n' +
        'POST /orders HTTP/1.1\r\nhost: a\r\ncontent-length: 27\r\n\r\n{"writeId":"GET / HTTP/1.1"}' +
        'POST /orders HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
        'GET /items/2 HTTP/1.1\r\n\r\n',
    );
    for (const size of [1, 2, 3, 7, 64, wire.length]) {
      const counter = new Http1RequestCounter();
      let count = 0;
      for (let i = 0; i < wire.length; i += size) count += counter.push(wire.subarray(i, i + size));
      expect(count, `chunks of ${size} bytes`).toBe(4);
    }
  });

  it('HTTP/2: counts HEADERS frames opening new client streams, not trailers or DATA', () => {
    const frame = (type: number, stream: number, payload: number) => {
      const header = Buffer.alloc(9);
      header.writeUIntBE(payload, 0, 3);
      header[3] = type;
      header.writeUInt32BE(stream, 5);
      return Buffer.concat([header, Buffer.alloc(payload, 0x1)]);
    };
    const wire = Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      frame(0x4, 0, 6), // SETTINGS
      frame(0x1, 1, 20), // HEADERS, stream 1: a request
      frame(0x0, 1, 40), // DATA
      frame(0x1, 3, 20), // HEADERS, stream 3: a request
      frame(0x1, 3, 5), // trailers on stream 3: not a new request
      frame(0x8, 0, 4), // WINDOW_UPDATE
    ]);
    for (const size of [1, 5, 9, 100]) {
      const counter = new Http2RequestCounter();
      let count = 0;
      for (let i = 0; i < wire.length; i += size) count += counter.push(wire.subarray(i, i + size));
      expect(count, `chunks of ${size} bytes`).toBe(2);
    }
  });
});
